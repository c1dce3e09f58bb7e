/**
 * LwM2M TLV (Content-Format 11542, alias 1542; LwM2M Core §7.4.3, spec digest data-formats.md §3):
 * the wasm codec parses the entry tree (codec-wasm/mod.ts), this module types the values through
 * the models and chooses the levels (§3.2): Object-Instance TLVs for an object target, bare
 * resources for an instance, one Resource or Multiple-Resource TLV for a resource, one
 * Resource-Instance TLV for a resource instance. Decoding accepts the optional wrappers a client
 * may add. Unknown resources decode as raw bytes (opaque).
 */

import type { Codec, TlvEntry } from "../../../codec-wasm/mod.ts";
import { CodecError } from "../../../codec-wasm/status.ts";
import {
  decodeTlvBoolean,
  decodeTlvFloat,
  decodeTlvInteger,
  decodeTlvObjlnk,
  decodeTlvOpaque,
  decodeTlvString,
  decodeTlvUnsigned,
  encodeTlvBoolean,
  encodeTlvFloat,
  encodeTlvInteger,
  encodeTlvObjlnk,
  encodeTlvString,
  encodeTlvUnsigned,
} from "../../../codec-wasm/values.ts";
import type { ModelRegistry, ResourceType } from "../../../objects/model.ts";
import { Lwm2mPath } from "../path.ts";
import type { Lwm2mValue, Lwm2mValues, ObjectLink } from "../values.ts";
import { checkDecodedPath, type EncodeEntry, listValues } from "./entries.ts";
import { ContentError, typeMismatch, undecodable } from "./errors.ts";
import { normalizeInteger, resourceModelOf, type ValueType } from "./typing.ts";

function int(v: number | bigint): number | bigint {
  return typeof v === "bigint" ? normalizeInteger(v) : v;
}

/** A TLV value typed as `type` (undefined: raw bytes). CodecError on a bad length. */
function typedValue(bytes: Uint8Array, type: ResourceType | undefined): Lwm2mValue {
  switch (type) {
    case undefined:
    case "opaque":
      return decodeTlvOpaque(bytes);
    case "integer":
    case "time":
      return int(decodeTlvInteger(bytes));
    case "unsigned":
      return int(decodeTlvUnsigned(bytes));
    case "float":
      return decodeTlvFloat(bytes);
    case "boolean":
      return decodeTlvBoolean(bytes);
    case "string":
    case "corelnk":
      return decodeTlvString(bytes);
    case "objlnk":
      return decodeTlvObjlnk(bytes);
    case "none":
      throw typeMismatch("an executable resource has no value");
  }
}

/** The ids of the container an entry of this kind sits in, taken from the target. */
function topBase(kind: TlvEntry["kind"], target: Lwm2mPath): number[] {
  const depth = kind === "objectInstance" ? 1 : kind === "resourceInstance" ? 3 : 2;
  if (target.ids.length < depth) {
    throw undecodable(`TLV ${kind} entry cannot stand at the top of a payload for ${target}`);
  }
  return target.ids.slice(0, depth);
}

export function decodeTlvContent(
  payload: Uint8Array,
  target: Lwm2mPath,
  models: ModelRegistry,
  codec: Codec,
): Lwm2mValues {
  if (target.ids.length === 0) {
    throw new ContentError("unsupported_format", "TLV cannot carry values of several objects");
  }
  const tree = codec.tryDecodeTlv(payload);
  if (tree instanceof CodecError) throw undecodable(`malformed TLV: ${tree.message}`);
  const out: Lwm2mValues = new Map();
  const leaf = (ids: number[], bytes: Uint8Array) => {
    const path = new Lwm2mPath(ids);
    checkDecodedPath(path, target);
    const type = resourceModelOf(models, path)?.type;
    try {
      out.set(path.toString(), typedValue(bytes, type));
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      throw typeMismatch(`${path}: ${bytes.length}-byte TLV value is not a valid ${type}`);
    }
  };
  const walk = (entries: readonly TlvEntry[], base: number[] | undefined) => {
    for (const e of entries) {
      const ids = [...(base ?? topBase(e.kind, target)), e.id];
      if (ids.some((id) => id > 65534)) throw undecodable(`TLV id 65535 is reserved`);
      if (e.children) walk(e.children, ids);
      else leaf(ids, e.value ?? new Uint8Array(0));
    }
  };
  walk(tree, undefined);
  return out;
}

function valueBytes(value: Lwm2mValue, type: ValueType): Uint8Array {
  switch (type) {
    case "integer":
    case "time":
      return encodeTlvInteger(value as number | bigint);
    case "unsigned":
      return encodeTlvUnsigned(value as number | bigint);
    case "float":
      return encodeTlvFloat(value as number);
    case "boolean":
      return encodeTlvBoolean(value as boolean);
    case "string":
    case "corelnk":
      return encodeTlvString(value as string);
    case "opaque":
      return value as Uint8Array;
    case "objlnk":
      return encodeTlvObjlnk(value as ObjectLink);
  }
}

/** Resource and Multiple-Resource TLVs of one instance's entries, in first-appearance order. */
function resourceEntries(list: EncodeEntry[]): TlvEntry[] {
  const byId = new Map<number, TlvEntry>();
  for (const e of list) {
    const [, , r, ri] = e.path.ids;
    const multiple = ri !== undefined;
    let entry = byId.get(r);
    if (entry && (entry.kind === "multipleResource") !== multiple) {
      throw new ContentError(
        "invalid_path",
        `${e.path}: resource ${r} given both whole and by instance`,
      );
    }
    const value = valueBytes(e.value, e.type);
    if (!multiple) {
      byId.set(r, { kind: "resource", id: r, value });
      continue;
    }
    if (!entry) byId.set(r, entry = { kind: "multipleResource", id: r, children: [] });
    entry.children = entry.children!.filter((c) => c.id !== ri);
    entry.children.push({ kind: "resourceInstance", id: ri, value });
  }
  return [...byId.values()];
}

export function encodeTlvContent(
  values: Lwm2mValues,
  target: Lwm2mPath,
  models: ModelRegistry,
  codec: Codec,
): Uint8Array {
  if (target.ids.length === 0) {
    throw new ContentError("unsupported_format", "TLV cannot carry values of several objects");
  }
  const list = listValues(values, target, models);
  let tree: TlvEntry[];
  if (target.ids.length === 1) {
    const byInstance = new Map<number, EncodeEntry[]>();
    for (const e of list) {
      const i = e.path.ids[1];
      const l = byInstance.get(i);
      if (l) l.push(e);
      else byInstance.set(i, [e]);
    }
    tree = [...byInstance].map(([id, l]) => ({
      kind: "objectInstance",
      id,
      children: resourceEntries(l),
    }));
  } else if (target.ids.length === 4) {
    tree = list.map((e) => ({
      kind: "resourceInstance",
      id: e.path.ids[3],
      value: valueBytes(e.value, e.type),
    }));
  } else {
    tree = resourceEntries(list);
    const model = resourceModelOf(models, target);
    if (target.ids.length === 3 && tree.length === 0 && model?.multiple) {
      tree = [{ kind: "multipleResource", id: target.ids[2], children: [] }];
    }
  }
  try {
    return codec.encodeTlv(tree);
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
    throw typeMismatch(`cannot be written as TLV: ${e.message}`);
  }
}
