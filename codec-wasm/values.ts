/**
 * Value helpers that need no wasm call (crossing into wasm costs more than these few bytes):
 * CoAP uint option values (RFC 7252 §3.2) and Block1/Block2 (RFC 7959 §2.2), and LwM2M TLV
 * resource values by data type (LwM2M Core §7.4.3, spec digest data-formats.md §2).
 * Browser-safe. Malformed values throw CodecError(ERR_TLV_VALUE_LENGTH or ERR_BAD_ARGUMENT).
 */

import { CodecError, ERR_BAD_ARGUMENT, ERR_TLV_VALUE_LENGTH } from "./status.ts";

// ---- CoAP option values ----

/** Decodes a uint option (0-4 bytes, leading zeros accepted; an empty value is 0). */
export function decodeUint(value: Uint8Array): number {
  if (value.length > 4) throw new CodecError(ERR_BAD_ARGUMENT, 0);
  let n = 0;
  for (let i = 0; i < value.length; i++) n = n * 256 + value[i];
  return n;
}

/** Encodes a uint option in the fewest bytes (0 is the empty value). */
export function encodeUint(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new CodecError(ERR_BAD_ARGUMENT, 0);
  const size = n === 0 ? 0 : n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = n & 0xff;
    n = Math.floor(n / 256);
  }
  return out;
}

/** A Block1/Block2 option value: block number, more flag, size exponent (size = 2^(szx+4)). */
export interface Block {
  num: number;
  more: boolean;
  szx: number;
}

/** RFC 7959 §2.2: NUM (up to 20 bits), M (bit 3), SZX (bits 2-0; 7 is reserved over UDP). */
export function decodeBlock(value: Uint8Array): Block {
  if (value.length > 3) throw new CodecError(ERR_BAD_ARGUMENT, 0);
  const v = decodeUint(value);
  const szx = v & 7;
  if (szx === 7) throw new CodecError(ERR_BAD_ARGUMENT, 0);
  return { num: v >>> 4, more: (v & 8) !== 0, szx };
}

export function encodeBlock(block: Block): Uint8Array {
  const { num, more, szx } = block;
  if (
    !Number.isInteger(num) || num < 0 || num > 0xfffff || !Number.isInteger(szx) || szx < 0 ||
    szx > 6
  ) {
    throw new CodecError(ERR_BAD_ARGUMENT, 0);
  }
  return encodeUint(num * 16 + (more ? 8 : 0) + szx);
}

/** Block size in bytes for a size exponent: 16..1024. */
export function blockSize(szx: number): number {
  return 1 << (szx + 4);
}

// ---- LwM2M TLV values ----

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Signed integer of 1, 2, 4 or 8 bytes; 8-byte values are bigint. */
export function decodeTlvInteger(bytes: Uint8Array): number | bigint {
  const v = view(bytes);
  switch (bytes.length) {
    case 1:
      return v.getInt8(0);
    case 2:
      return v.getInt16(0);
    case 4:
      return v.getInt32(0);
    case 8:
      return v.getBigInt64(0);
  }
  throw new CodecError(ERR_TLV_VALUE_LENGTH, 0);
}

/** Unsigned integer (LwM2M 1.1) of 1, 2, 4 or 8 bytes; 8-byte values are bigint. */
export function decodeTlvUnsigned(bytes: Uint8Array): number | bigint {
  const v = view(bytes);
  switch (bytes.length) {
    case 1:
      return v.getUint8(0);
    case 2:
      return v.getUint16(0);
    case 4:
      return v.getUint32(0);
    case 8:
      return v.getBigUint64(0);
  }
  throw new CodecError(ERR_TLV_VALUE_LENGTH, 0);
}

/** Signed integer in the shortest of 1, 2, 4, 8 bytes. */
export function encodeTlvInteger(value: number | bigint): Uint8Array {
  const big = BigInt(value);
  if (typeof value === "number" && !Number.isInteger(value)) {
    throw new CodecError(ERR_BAD_ARGUMENT, 0);
  }
  if (big < -(1n << 63n) || big >= 1n << 63n) throw new CodecError(ERR_BAD_ARGUMENT, 0);
  const n = Number(big);
  if (n >= -0x80 && n < 0x80) return new Uint8Array([n & 0xff]);
  if (n >= -0x8000 && n < 0x8000) {
    const out = new Uint8Array(2);
    view(out).setInt16(0, n);
    return out;
  }
  if (n >= -0x80000000 && n < 0x80000000) {
    const out = new Uint8Array(4);
    view(out).setInt32(0, n);
    return out;
  }
  const out = new Uint8Array(8);
  view(out).setBigInt64(0, big);
  return out;
}

/** Unsigned integer in the shortest of 1, 2, 4, 8 bytes. */
export function encodeTlvUnsigned(value: number | bigint): Uint8Array {
  if (typeof value === "number" && !Number.isInteger(value)) {
    throw new CodecError(ERR_BAD_ARGUMENT, 0);
  }
  const big = BigInt(value);
  if (big < 0n || big >= 1n << 64n) throw new CodecError(ERR_BAD_ARGUMENT, 0);
  const size = big < 0x100n ? 1 : big < 0x10000n ? 2 : big < 0x100000000n ? 4 : 8;
  const out = new Uint8Array(size);
  const v = view(out);
  if (size === 1) v.setUint8(0, Number(big));
  else if (size === 2) v.setUint16(0, Number(big));
  else if (size === 4) v.setUint32(0, Number(big));
  else v.setBigUint64(0, big);
  return out;
}

/** IEEE 754 binary32 (4 bytes) or binary64 (8 bytes). */
export function decodeTlvFloat(bytes: Uint8Array): number {
  if (bytes.length === 4) return view(bytes).getFloat32(0);
  if (bytes.length === 8) return view(bytes).getFloat64(0);
  throw new CodecError(ERR_TLV_VALUE_LENGTH, 0);
}

/** binary32 when that represents the value exactly, otherwise binary64. */
export function encodeTlvFloat(value: number): Uint8Array {
  if (typeof value !== "number") throw new CodecError(ERR_BAD_ARGUMENT, 0);
  if (Math.fround(value) === value || Number.isNaN(value)) {
    const out = new Uint8Array(4);
    view(out).setFloat32(0, value);
    return out;
  }
  const out = new Uint8Array(8);
  view(out).setFloat64(0, value);
  return out;
}

/** One byte, 0 or 1. */
export function decodeTlvBoolean(bytes: Uint8Array): boolean {
  if (bytes.length !== 1 || bytes[0] > 1) throw new CodecError(ERR_TLV_VALUE_LENGTH, 0);
  return bytes[0] === 1;
}

export function encodeTlvBoolean(value: boolean): Uint8Array {
  return new Uint8Array([value ? 1 : 0]);
}

/** Object link: Object ID then Object Instance ID, 16 bits each, big-endian. */
export interface ObjectLink {
  objectId: number;
  instanceId: number;
}

export function decodeTlvObjlnk(bytes: Uint8Array): ObjectLink {
  if (bytes.length !== 4) throw new CodecError(ERR_TLV_VALUE_LENGTH, 0);
  const v = view(bytes);
  return { objectId: v.getUint16(0), instanceId: v.getUint16(2) };
}

export function encodeTlvObjlnk(link: ObjectLink): Uint8Array {
  const { objectId, instanceId } = link;
  for (const n of [objectId, instanceId]) {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new CodecError(ERR_BAD_ARGUMENT, 0);
  }
  const out = new Uint8Array(4);
  view(out).setUint16(0, objectId);
  view(out).setUint16(2, instanceId);
  return out;
}

/** Time: signed seconds since 1970-01-01 UTC, encoded as an Integer. */
export function decodeTlvTime(bytes: Uint8Array): number {
  const v = decodeTlvInteger(bytes);
  if (typeof v === "number") return v;
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new CodecError(ERR_TLV_VALUE_LENGTH, 0);
  }
  return Number(v);
}

export function encodeTlvTime(seconds: number): Uint8Array {
  return encodeTlvInteger(seconds);
}

/** UTF-8 string (invalid sequences become U+FFFD rather than failing). */
export function decodeTlvString(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

export function encodeTlvString(value: string): Uint8Array {
  return utf8Encoder.encode(value);
}

/** Opaque bytes are the value itself: a copy, so the result outlives the datagram buffer. */
export function decodeTlvOpaque(bytes: Uint8Array): Uint8Array {
  return bytes.slice();
}

export function encodeTlvOpaque(bytes: Uint8Array): Uint8Array {
  return bytes;
}
