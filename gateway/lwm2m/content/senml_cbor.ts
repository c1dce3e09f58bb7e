/**
 * SenML CBOR (Content-Format 112, and SenML-ETCH CBOR 322; RFC 8428 §6, RFC 8790; LwM2M Core
 * §7.4.5; spec digest data-formats.md §4.1-§4.2): a CBOR array of maps with integer labels
 * (bn -2, bt -3, n 0, v 2, vs 3, vb 4, t 6, vd 8) and the text label "vlo". Decoding goes through
 * cbor-x; encoding uses the preferred-serialization writer (cbor_encode.ts).
 */

import type { Lwm2mPath } from "../path.ts";
import { decodeCbor } from "./cbor.ts";
import { type CborItem, cborItemOf, encodeCbor } from "./cbor_encode.ts";
import { undecodable } from "./errors.ts";
import type { OutRecord, SenmlRecord } from "./senml.ts";

/** RFC 8428 §6 Table 4 labels LwM2M uses, and the LwM2M text label vlo. */
const LABELS: Readonly<Record<string, keyof SenmlRecord>> = {
  "-2": "bn",
  "-3": "bt",
  "0": "n",
  "2": "v",
  "3": "vs",
  "4": "vb",
  "6": "t",
  "8": "vd",
  "vlo": "vlo",
};
const KEY_OF: Readonly<Record<string, number | string>> = {
  bn: -2,
  n: 0,
  v: 2,
  vs: 3,
  vb: 4,
  vd: 8,
  vlo: "vlo",
};
const KINDS: Readonly<Record<string, string>> = {
  bn: "string",
  n: "string",
  vs: "string",
  vlo: "string",
  bt: "number",
  t: "number",
  v: "number",
  vb: "boolean",
  vd: "bytes",
};

function kindOf(v: unknown): string {
  if (typeof v === "bigint") return "number";
  if (v instanceof Uint8Array) return "bytes";
  return typeof v;
}

/** Parses a SenML CBOR pack into records; an empty payload is an empty pack. */
export function parseSenmlCbor(payload: Uint8Array): SenmlRecord[] {
  if (payload.length === 0) return [];
  const pack = decodeCbor(payload);
  if (!Array.isArray(pack)) throw undecodable("SenML CBOR must be an array of records");
  return pack.map((raw, i) => {
    if (!(raw instanceof Map)) throw undecodable(`SenML record ${i} is not a map`);
    const out: SenmlRecord = {};
    for (const [key, value] of raw) {
      const label = LABELS[String(key)];
      if (label === undefined) {
        if (typeof key === "string" && key.endsWith("_")) {
          throw undecodable(`SenML label ${key} is not understood`);
        }
        continue; // bver, bu, bv, bs, u, s, ut and unknown labels are not used by LwM2M
      }
      if (
        value === null &&
        (label === "v" || label === "vs" || label === "vb" || label === "vd" || label === "vlo")
      ) {
        out.nullValue = true;
        continue;
      }
      if (kindOf(value) !== KINDS[label]) {
        throw undecodable(`SenML record ${i}: label ${String(key)} must be a ${KINDS[label]}`);
      }
      if (label === "bt" || label === "t") out[label] = Number(value);
      else if (label === "vd") out.vd = (value as Uint8Array).slice();
      else (out as Record<string, unknown>)[label] = value;
    }
    return out;
  });
}

/** Serializes records as maps {bn?, n, value label}. */
export function writeSenmlCbor(records: readonly OutRecord[]): Uint8Array {
  return encodeCbor(records.map((r) => {
    const m = new Map<CborItem, CborItem>();
    if (r.bn !== undefined) m.set(KEY_OF.bn, r.bn);
    m.set(KEY_OF.n, r.n);
    m.set(KEY_OF[r.field], cborItemOf(r.value, r.type));
    return m;
  }));
}

/** A composite request body: maps with only the name label. */
export function writeSenmlCborPaths(paths: readonly Lwm2mPath[]): Uint8Array {
  return encodeCbor(paths.map((p) => new Map<CborItem, CborItem>([[0, p.toString()]])));
}
