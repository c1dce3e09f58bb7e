/**
 * SenML JSON (Content-Format 110, and SenML-ETCH JSON 320; RFC 8428 §5, RFC 8790; LwM2M Core
 * §7.4.4; spec digest data-formats.md §4): a JSON array of records with the labels bn, bt, n, t,
 * v, vs, vb, vd (base64url, both alphabets accepted) and the LwM2M extension vlo. Labels ending
 * in "_" are must-understand (RFC 8428 §4.4) and refused; other unknown labels are ignored.
 */

import type { Lwm2mPath } from "../path.ts";
import { decodeBase64, encodeBase64 } from "./base64.ts";
import { jsonKind, jsonNumber, parseJsonPayload } from "./json_parse.ts";
import { type OutRecord, type SenmlRecord, VALUE_FIELDS } from "./senml.ts";
import { typeMismatch, undecodable } from "./errors.ts";
import { formatObjectLink, isObjectLink } from "./typing.ts";

const utf8 = new TextEncoder();
const VALUE_KEYS: readonly string[] = VALUE_FIELDS;

function field<T>(
  rec: Record<string, unknown>,
  key: string,
  kind: string,
  i: number,
): T | undefined {
  const v = rec[key];
  if (v === undefined || (v === null && VALUE_KEYS.includes(key))) return undefined;
  if (jsonKind(v) !== kind) throw undecodable(`SenML record ${i}: "${key}" must be a ${kind}`);
  return v as T;
}

function time(rec: Record<string, unknown>, key: string, i: number): number | undefined {
  const v = field<number | bigint>(rec, key, "number", i);
  return v === undefined ? undefined : Number(v);
}

/** Parses a SenML JSON pack into records; an empty payload is an empty pack. */
export function parseSenmlJson(payload: Uint8Array): SenmlRecord[] {
  if (payload.length === 0) return [];
  const pack = parseJsonPayload(payload, "SenML JSON");
  if (!Array.isArray(pack)) throw undecodable("SenML JSON must be an array of records");
  return pack.map((raw, i): SenmlRecord => {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw undecodable(`SenML record ${i} is not an object`);
    }
    const rec = raw as Record<string, unknown>;
    const mustUnderstand = Object.keys(rec).find((k) => k.endsWith("_"));
    if (mustUnderstand) throw undecodable(`SenML label ${mustUnderstand} is not understood`);
    const out: SenmlRecord = {
      bn: field<string>(rec, "bn", "string", i),
      bt: time(rec, "bt", i),
      n: field<string>(rec, "n", "string", i),
      t: time(rec, "t", i),
      vs: field<string>(rec, "vs", "string", i),
      vb: field<boolean>(rec, "vb", "boolean", i),
      vlo: field<string>(rec, "vlo", "string", i),
    };
    out.v = field<number | bigint>(rec, "v", "number", i);
    const vd = field<string>(rec, "vd", "string", i);
    if (vd !== undefined) {
      out.vd = decodeBase64(vd);
      if (!out.vd) throw undecodable(`SenML record ${i}: "vd" is not base64`);
    }
    if (VALUE_KEYS.some((k) => rec[k] === null)) out.nullValue = true;
    return out;
  });
}

function valueText(r: OutRecord, path: string): string {
  const v = r.value;
  if (typeof v === "number" || typeof v === "bigint") {
    const text = jsonNumber(v);
    if (text === undefined) throw typeMismatch(`${path}: ${v} has no JSON form`);
    return text;
  }
  if (v instanceof Uint8Array) return JSON.stringify(encodeBase64(v, true));
  if (isObjectLink(v)) return JSON.stringify(formatObjectLink(v));
  return JSON.stringify(v);
}

/** Serializes records: bn, n, then the value field (vd as base64url without padding). */
export function writeSenmlJson(records: readonly OutRecord[]): Uint8Array {
  const parts = records.map((r) => {
    const bn = r.bn === undefined ? "" : `"bn":${JSON.stringify(r.bn)},`;
    return `{${bn}"n":${JSON.stringify(r.n)},"${r.field}":${valueText(r, (r.bn ?? "") + r.n)}}`;
  });
  return utf8.encode(`[${parts.join(",")}]`);
}

/** A composite request body: records with only names (Read-/Observe-Composite, RFC 8790). */
export function writeSenmlJsonPaths(paths: readonly Lwm2mPath[]): Uint8Array {
  return utf8.encode(`[${paths.map((p) => `{"n":${JSON.stringify(p.toString())}}`).join(",")}]`);
}
