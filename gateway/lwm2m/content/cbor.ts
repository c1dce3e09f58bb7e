/**
 * CBOR (RFC 8949) decoding for the CBOR-based content formats (60, 112, 11544) through cbor-x's
 * pure-JavaScript decoder (the `cbor-x/decode` entry: no native addon, also in browsers), and the
 * conversion of a CBOR leaf item to a native LwM2M value (spec digest data-formats.md §2, CBOR
 * column: any integer or float width, tag 1 epoch time accepted).
 * Import `cbor-x/decode`, never bare `cbor-x`: under Deno the bare entry is cbor-x's Node build,
 * which reads process.env (a permission error with the gateway's narrow --allow-env) and tries
 * the native cbor-extract addon; `cbor-x/decode` needs no permission and bundles for browsers.
 */

import { Decoder, Tag } from "cbor-x/decode";
import { undecodable } from "./errors.ts";
import type { NativeValue } from "./typing.ts";

/** Maps as Map (integer and array keys), no record extension, byte strings copied. */
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false, copyBuffers: true });

/** Decodes one CBOR data item filling the whole payload; throws ContentError("undecodable"). */
export function decodeCbor(payload: Uint8Array): unknown {
  if (payload.length === 0) throw undecodable("empty CBOR payload");
  try {
    return decoder.decode(payload);
  } catch (e) {
    throw undecodable(`malformed CBOR: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A plain Uint8Array copy (cbor-x may hand out a Node Buffer, which compares differently). */
function plainBytes(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b);
}

/**
 * The native value of a CBOR leaf: text, byte string, integer (bigint beyond ±2^53 stays bigint
 * for typing), float, boolean, or a Date for tag 1. Other tags are unwrapped; null, undefined,
 * arrays and maps are not values here (undecodable).
 */
export function nativeOfCbor(item: unknown, where: string): NativeValue {
  for (let depth = 0; item instanceof Tag && depth < 4; depth++) item = (item as Tag).value;
  switch (typeof item) {
    case "string":
    case "number":
    case "bigint":
    case "boolean":
      return item;
  }
  if (item instanceof Uint8Array) return plainBytes(item);
  if (item instanceof Date && !Number.isNaN(item.getTime())) return item;
  throw undecodable(`${where}: CBOR item ${describeItem(item)} is not a resource value`);
}

function describeItem(item: unknown): string {
  if (item === null) return "null";
  if (item === undefined) return "undefined";
  if (Array.isArray(item)) return "array";
  if (item instanceof Map) return "map";
  return (item as object).constructor?.name ?? typeof item;
}
