/**
 * Byte helpers of the DTLS core (RFC 5246 §4 presentation language: big-endian uint8/16/24/48,
 * vectors with 1/2/3-byte length prefixes). A `Reader` walks a buffer and throws `DecodeError` on
 * truncation, which the callers turn into a dropped record or a decode_error alert.
 */

export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecodeError";
  }
}

export class Reader {
  pos: number;
  readonly end: number;
  constructor(readonly buf: Uint8Array, start = 0, end = buf.length) {
    this.pos = start;
    this.end = end;
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  #need(n: number): void {
    if (this.pos + n > this.end) throw new DecodeError("truncated");
  }
  u8(): number {
    this.#need(1);
    return this.buf[this.pos++];
  }
  u16(): number {
    this.#need(2);
    const b = this.buf, p = this.pos;
    this.pos += 2;
    return (b[p] << 8) | b[p + 1];
  }
  u24(): number {
    this.#need(3);
    const b = this.buf, p = this.pos;
    this.pos += 3;
    return (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
  }
  u48(): number {
    this.#need(6);
    const b = this.buf, p = this.pos;
    this.pos += 6;
    return (b[p] * 2 ** 40) + (b[p + 1] * 2 ** 32) +
      ((b[p + 2] << 24) >>> 0) + (b[p + 3] << 16) + (b[p + 4] << 8) + b[p + 5];
  }
  bytes(n: number): Uint8Array {
    this.#need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** A vector with a `lengthBytes`-byte length prefix. */
  vector(lengthBytes: 1 | 2 | 3): Uint8Array {
    const n = lengthBytes === 1 ? this.u8() : lengthBytes === 2 ? this.u16() : this.u24();
    return this.bytes(n);
  }
}

export function writeU16(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v >>> 8;
  buf[at + 1] = v;
}

export function writeU24(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v >>> 16;
  buf[at + 1] = v >>> 8;
  buf[at + 2] = v;
}

/** Writes a 48-bit sequence number. */
export function writeU48(buf: Uint8Array, at: number, v: number): void {
  const hi = Math.floor(v / 2 ** 32);
  const lo = v >>> 0;
  buf[at] = hi >>> 8;
  buf[at + 1] = hi;
  buf[at + 2] = lo >>> 24;
  buf[at + 3] = lo >>> 16;
  buf[at + 4] = lo >>> 8;
  buf[at + 5] = lo;
}

/** Growable output buffer for encoding handshake messages. */
export class Writer {
  buf: Uint8Array;
  pos = 0;
  constructor(size = 256) {
    this.buf = new Uint8Array(size);
  }
  #grow(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  u8(v: number): this {
    this.#grow(1);
    this.buf[this.pos++] = v;
    return this;
  }
  u16(v: number): this {
    this.#grow(2);
    writeU16(this.buf, this.pos, v);
    this.pos += 2;
    return this;
  }
  u24(v: number): this {
    this.#grow(3);
    writeU24(this.buf, this.pos, v);
    this.pos += 3;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.#grow(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  vector(lengthBytes: 1 | 2 | 3, b: Uint8Array): this {
    if (lengthBytes === 1) this.u8(b.length);
    else if (lengthBytes === 2) this.u16(b.length);
    else this.u24(b.length);
    return this.bytes(b);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Comparison whose time does not depend on where the inputs differ (MACs, verify_data). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}

export function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
