/**
 * A small CBOR encoder (RFC 8949 §3, preferred serialization §4.2.2: shortest integer heads and
 * the shortest float width that keeps the value, so 22.5 is F9 4D A0 as in spec digest
 * data-formats.md §4.2) for the items LwM2M payloads use. Decoding goes through cbor-x (cbor.ts);
 * cbor-x's encoder never emits half floats, hence this writer. Browser-safe.
 */

import type { Lwm2mValue } from "../values.ts";
import { typeMismatch } from "./errors.ts";
import { formatObjectLink, isObjectLink, type ValueType } from "./typing.ts";

/** A number written as a float even when it is integral (a Float resource holding 21). */
export class CborFloat {
  constructor(readonly value: number) {}
}

export type CborItem =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | CborFloat
  | CborItem[]
  | Map<CborItem, CborItem>;

const utf8 = new TextEncoder();

class Writer {
  buf = new Uint8Array(64);
  view = new DataView(this.buf.buffer);
  at = 0;
  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }
  head(major: number, n: number | bigint): void {
    const m = major << 5;
    if (typeof n === "bigint" && n > 0xffffffffn) {
      if (n > 0xffffffffffffffffn) throw typeMismatch(`integer ${n} exceeds 64 bits`);
      this.room(9);
      this.buf[this.at] = m | 27;
      this.view.setBigUint64(this.at + 1, n);
      this.at += 9;
      return;
    }
    const v = Number(n);
    if (v < 24) this.byte(m | v);
    else if (v < 0x100) (this.byte(m | 24), this.byte(v));
    else if (v < 0x10000) {
      this.room(3);
      this.buf[this.at] = m | 25;
      this.view.setUint16(this.at + 1, v);
      this.at += 3;
    } else if (v <= 0xffffffff) {
      this.room(5);
      this.buf[this.at] = m | 26;
      this.view.setUint32(this.at + 1, v);
      this.at += 5;
    } else this.head(major, BigInt(v));
  }
}

/** Half-precision bits of `v` when binary16 holds it exactly, else undefined. */
function halfBits(v: number): number | undefined {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === Infinity) return sign | 0x7c00;
  if (a === 0) return sign;
  if (Math.fround(a) !== a) return undefined;
  const exp = Math.floor(Math.log2(a));
  if (exp >= -14 && exp <= 15) {
    const mant = a / 2 ** exp - 1; // in [0, 1)
    const m = mant * 1024;
    return Number.isInteger(m) && m >= 0 && m < 1024 ? sign | ((exp + 15) << 10) | m : undefined;
  }
  const sub = a * 2 ** 24; // subnormal: m * 2^-24
  return Number.isInteger(sub) && sub < 1024 ? sign | sub : undefined;
}

function writeFloat(w: Writer, v: number): void {
  const half = halfBits(v);
  if (half !== undefined) {
    w.room(3);
    w.buf[w.at] = 0xf9;
    w.view.setUint16(w.at + 1, half);
    w.at += 3;
  } else if (Math.fround(v) === v) {
    w.room(5);
    w.buf[w.at] = 0xfa;
    w.view.setFloat32(w.at + 1, v);
    w.at += 5;
  } else {
    w.room(9);
    w.buf[w.at] = 0xfb;
    w.view.setFloat64(w.at + 1, v);
    w.at += 9;
  }
}

function write(w: Writer, item: CborItem): void {
  if (typeof item === "number") {
    if (Number.isSafeInteger(item)) item >= 0 ? w.head(0, item) : w.head(1, -1 - item);
    else writeFloat(w, item);
  } else if (typeof item === "bigint") {
    item >= 0n ? w.head(0, item) : w.head(1, -1n - item);
  } else if (typeof item === "string") {
    const b = utf8.encode(item);
    w.head(3, b.length);
    w.bytes(b);
  } else if (typeof item === "boolean") w.byte(item ? 0xf5 : 0xf4);
  else if (item === null) w.byte(0xf6);
  else if (item instanceof Uint8Array) {
    w.head(2, item.length);
    w.bytes(item);
  } else if (item instanceof CborFloat) writeFloat(w, item.value);
  else if (Array.isArray(item)) {
    w.head(4, item.length);
    for (const x of item) write(w, x);
  } else {
    w.head(5, item.size);
    for (const [k, v] of item) (write(w, k), write(w, v));
  }
}

/** Encodes one data item (definite lengths, preferred serialization). */
export function encodeCbor(item: CborItem): Uint8Array {
  const w = new Writer();
  write(w, item);
  return w.buf.slice(0, w.at);
}

/** The CBOR item of a checked value of `type` (objlnk as "O:I" text, floats always floats). */
export function cborItemOf(value: Lwm2mValue, type: ValueType): CborItem {
  if (type === "float" && typeof value === "number") return new CborFloat(value);
  if (isObjectLink(value)) return formatObjectLink(value);
  return value;
}
