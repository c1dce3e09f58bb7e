/**
 * CBOR items (RFC 8949, as decoded by cbor-x through gateway/lwm2m/content/cbor.ts) turned into a
 * JSON-ready tree for the packet inspector: maps become objects whose keys are the key's JSON text
 * (`"-2"`, `"[3,0,0]"`), byte strings the diagnostic notation `h'0a0b'` (RFC 8949 §8), tags
 * `{"tag":n,"value":...}`, big integers decimal strings. SenML CBOR labels (RFC 8428 §6 Table 4)
 * get their names. Browser-safe.
 */

import { Tag } from "cbor-x/decode";

export type JsonTree = null | boolean | number | string | JsonTree[] | { [key: string]: JsonTree };

/** RFC 8428 §6 Table 4 (and the LwM2M label "vlo"). */
export const SENML_LABELS: Readonly<Record<string, string>> = {
  "-1": "bver",
  "-2": "bn",
  "-3": "bt",
  "-4": "bu",
  "-5": "bv",
  "-6": "bs",
  "0": "n",
  "1": "u",
  "2": "v",
  "3": "vs",
  "4": "vb",
  "5": "s",
  "6": "t",
  "7": "ut",
  "8": "vd",
};

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function keyText(key: unknown): string {
  if (typeof key === "string") return key;
  return JSON.stringify(cborTree(key));
}

/** The JSON-ready form of a decoded CBOR item; `depth` bounds hostile nesting. */
export function cborTree(item: unknown, depth = 0): JsonTree {
  if (depth > 64) return "…";
  if (item === null || item === undefined) return item === null ? null : "undefined";
  if (typeof item === "bigint") return item.toString();
  if (typeof item === "number") return Number.isFinite(item) ? item : String(item);
  if (typeof item === "string" || typeof item === "boolean") return item;
  if (item instanceof Uint8Array) return `h'${hex(item)}'`;
  if (item instanceof Date) return item.toISOString();
  if (item instanceof Tag) return { tag: item.tag, value: cborTree(item.value, depth + 1) };
  if (Array.isArray(item)) return item.map((x) => cborTree(x, depth + 1));
  if (item instanceof Map) {
    const out: Record<string, JsonTree> = {};
    for (const [k, v] of item) out[keyText(k)] = cborTree(v, depth + 1);
    return out;
  }
  if (typeof item === "object") {
    const out: Record<string, JsonTree> = {};
    for (const [k, v] of Object.entries(item as object)) out[k] = cborTree(v, depth + 1);
    return out;
  }
  return String(item);
}

/** A SenML CBOR pack with named labels: `[{"bn":"/3/0/","n":"0","vs":"Acme"}]`. */
export function senmlCborTree(pack: unknown): JsonTree {
  if (!Array.isArray(pack)) return cborTree(pack);
  return pack.map((record) => {
    if (!(record instanceof Map)) return cborTree(record);
    const out: Record<string, JsonTree> = {};
    for (const [k, v] of record) out[SENML_LABELS[String(k)] ?? keyText(k)] = cborTree(v, 1);
    return out;
  });
}
