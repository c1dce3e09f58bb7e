/**
 * SenML as profiled by LwM2M (RFC 8428; LwM2M Core §7.4.4-§7.4.5; spec digest data-formats.md
 * §4), shared by the JSON (110) and CBOR (112) forms and SenML-ETCH (320/322, RFC 8790): records
 * in any order, base name and base time carried to the following records, name = bn + n,
 * time = bt + t, exactly one value field per record (none in composite request bodies; null in
 * ETCH deletions). The record lists built for encoding use bn = the target's instance (or object)
 * path and relative names, or absolute names at the root.
 */

import { Lwm2mPath } from "../path.ts";
import type { Lwm2mValue } from "../values.ts";
import { decodedPath, type EncodeEntry, type NativeEntry } from "./entries.ts";
import { ContentError, undecodable } from "./errors.ts";
import { parseObjectLink, type ValueType } from "./typing.ts";

/** One SenML record after parsing either form; value fields keep the format's native types. */
export interface SenmlRecord {
  bn?: string;
  bt?: number;
  n?: string;
  t?: number;
  v?: number | bigint;
  vs?: string;
  vb?: boolean;
  vd?: Uint8Array;
  vlo?: string;
  /** A value field was present with null (SenML-ETCH iPATCH: delete). */
  nullValue?: boolean;
}

/** The record fields that carry a value. */
export const VALUE_FIELDS = ["v", "vs", "vb", "vd", "vlo"] as const;
export type ValueField = typeof VALUE_FIELDS[number];

/** A record resolved against the base fields before it. */
export interface ResolvedRecord {
  name: string;
  path: Lwm2mPath;
  value?: Lwm2mValue;
  time?: number;
  nullValue: boolean;
}

/** Resolves bn/bt and names; `needValue` makes a record without a value undecodable. */
export function resolveRecords(
  records: readonly SenmlRecord[],
  needValue: boolean,
): ResolvedRecord[] {
  let bn = "";
  let bt: number | undefined;
  return records.map((r) => {
    if (r.bn !== undefined) bn = r.bn;
    if (r.bt !== undefined) bt = r.bt;
    const name = bn + (r.n ?? "");
    if (name === "") throw undecodable("SenML record without a name");
    const path = decodedPath(name);
    const present = VALUE_FIELDS.filter((f) => r[f] !== undefined);
    if (present.length > 1) throw undecodable(`SenML record ${name} has ${present.join(", ")}`);
    if (needValue && present.length === 0 && !r.nullValue) {
      throw undecodable(`SenML record ${name} has no value`);
    }
    const time = bt === undefined && r.t === undefined ? undefined : (bt ?? 0) + (r.t ?? 0);
    let value: Lwm2mValue | undefined = present.length ? r[present[0]] : undefined;
    if (r.vlo !== undefined) {
      value = parseObjectLink(r.vlo);
      if (value === undefined) throw undecodable(`SenML record ${name}: bad vlo ${r.vlo}`);
    }
    return { name, path, value, time, nullValue: r.nullValue === true && present.length === 0 };
  });
}

/** The native entries of a SenML pack with values (ETCH deletions are refused here). */
export function senmlEntries(records: readonly SenmlRecord[]): NativeEntry[] {
  return resolveRecords(records, true).map((r) => {
    if (r.value === undefined) {
      throw new ContentError(
        "unsupported_format",
        `SenML-ETCH deletion of ${r.name} is not supported here`,
      );
    }
    return { path: r.path, value: r.value, time: r.time };
  });
}

/** The paths of a composite request body (names only; values, if any, are ignored). */
export function senmlPaths(records: readonly SenmlRecord[]): Lwm2mPath[] {
  return resolveRecords(records, false).map((r) => r.path);
}

/** The value field of a type. */
export function fieldOf(type: ValueType): ValueField {
  switch (type) {
    case "string":
    case "corelnk":
      return "vs";
    case "boolean":
      return "vb";
    case "opaque":
      return "vd";
    case "objlnk":
      return "vlo";
    default:
      return "v";
  }
}

/** A record to write: base name on the first, relative name, value with its type. */
export interface OutRecord {
  bn?: string;
  n: string;
  field: ValueField;
  value: Lwm2mValue;
  type: ValueType;
}

/** Records for values under `target`: bn = its instance (or object) path, names relative. */
export function recordsFor(entries: readonly EncodeEntry[], target: Lwm2mPath): OutRecord[] {
  const baseIds = target.ids.slice(0, 2);
  const bn = baseIds.length ? `/${baseIds.join("/")}/` : "";
  return entries.map((e, i) => {
    const n = bn ? e.path.ids.slice(baseIds.length).join("/") : e.path.toString();
    const rec: OutRecord = { n, field: fieldOf(e.type), value: e.value, type: e.type };
    return i === 0 && bn ? { bn, ...rec } : rec;
  });
}
