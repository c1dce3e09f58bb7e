/**
 * SHA-256 (FIPS 180-4 §6.2) in plain TypeScript, synchronous and allocation-light, for the DTLS
 * core: the handshake transcript hash (RFC 5246 §7.4.9), HMAC (gateway/dtls/hmac.ts) and the TLS
 * PRF. Incremental, with `clone()` so a running transcript can be hashed without ending it.
 * Written here because node:crypto under Deno costs ~5-13 µs per call (bench/dtls/crypto_bench.ts)
 * and WebCrypto is asynchronous; a sans-IO core wants a synchronous primitive.
 */

/** FIPS 180-4 §4.2.2 constants. */
const K = new Int32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

/** FIPS 180-4 §5.3.3 initial hash value. */
const H0 = new Int32Array([
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
]);

const W = new Int32Array(64);

/** Compresses the 64 bytes at `p[at]` into the state of `s` (FIPS 180-4 §6.2.2). */
function block(s: Sha256, p: Uint8Array, at: number): void {
  const w = W;
  for (let i = 0; i < 16; i++, at += 4) {
    w[i] = (p[at] << 24) | (p[at + 1] << 16) | (p[at + 2] << 8) | p[at + 3];
  }
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15], y = w[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = s.h0, b = s.h1, c = s.h2, d = s.h3, e = s.h4, f = s.h5, g = s.h6, hh = s.h7;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + S1 + ch + K[i] + w[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  s.h0 = (s.h0 + a) | 0;
  s.h1 = (s.h1 + b) | 0;
  s.h2 = (s.h2 + c) | 0;
  s.h3 = (s.h3 + d) | 0;
  s.h4 = (s.h4 + e) | 0;
  s.h5 = (s.h5 + f) | 0;
  s.h6 = (s.h6 + g) | 0;
  s.h7 = (s.h7 + hh) | 0;
}

function put(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = v >>> 16;
  out[at + 2] = v >>> 8;
  out[at + 3] = v;
}

/** Scratch for the final padded block(s), shared: digest() never re-enters. */
const PAD = new Uint8Array(64);

/**
 * An incremental SHA-256. The chaining state lives in plain number fields and the partial-block
 * buffer is allocated only when needed: cloning a state (HMAC, transcript hashes) allocates one
 * small object instead of typed arrays (typed-array allocation dominated the handshake profile).
 */
export class Sha256 {
  h0 = H0[0];
  h1 = H0[1];
  h2 = H0[2];
  h3 = H0[3];
  h4 = H0[4];
  h5 = H0[5];
  h6 = H0[6];
  h7 = H0[7];
  buf: Uint8Array | null = null;
  bufLen = 0;
  /** Bytes hashed so far. */
  total = 0;

  clone(): Sha256 {
    const c = new Sha256();
    c.h0 = this.h0;
    c.h1 = this.h1;
    c.h2 = this.h2;
    c.h3 = this.h3;
    c.h4 = this.h4;
    c.h5 = this.h5;
    c.h6 = this.h6;
    c.h7 = this.h7;
    if (this.bufLen > 0) c.buf = this.buf!.slice();
    c.bufLen = this.bufLen;
    c.total = this.total;
    return c;
  }

  update(data: Uint8Array, start = 0, end = data.length): this {
    this.total += end - start;
    let i = start;
    if (this.bufLen > 0) {
      const buf = this.buf!;
      const take = Math.min(64 - this.bufLen, end - i);
      for (let j = 0; j < take; j++) buf[this.bufLen + j] = data[i + j];
      this.bufLen += take;
      i += take;
      if (this.bufLen < 64) return this;
      block(this, buf, 0);
      this.bufLen = 0;
    }
    for (; i + 64 <= end; i += 64) block(this, data, i);
    if (i < end) {
      const buf = this.buf ??= new Uint8Array(64);
      for (let j = 0; j < end - i; j++) buf[j] = data[i + j];
      this.bufLen = end - i;
    }
    return this;
  }

  /** Ends the hash (the object must not be used afterwards) and returns the 32-byte digest. */
  digest(out: Uint8Array = new Uint8Array(32)): Uint8Array {
    const bits = this.total * 8;
    const buf = PAD;
    const own = this.buf;
    let n = this.bufLen;
    for (let j = 0; j < n; j++) buf[j] = own![j];
    buf[n++] = 0x80;
    if (n > 56) {
      for (let j = n; j < 64; j++) buf[j] = 0;
      block(this, buf, 0);
      n = 0;
    }
    for (let j = n; j < 56; j++) buf[j] = 0;
    const hi = Math.floor(bits / 2 ** 32);
    buf[56] = hi >>> 24;
    buf[57] = hi >>> 16;
    buf[58] = hi >>> 8;
    buf[59] = hi;
    buf[60] = bits >>> 24;
    buf[61] = bits >>> 16;
    buf[62] = bits >>> 8;
    buf[63] = bits;
    block(this, buf, 0);
    put(out, 0, this.h0);
    put(out, 4, this.h1);
    put(out, 8, this.h2);
    put(out, 12, this.h3);
    put(out, 16, this.h4);
    put(out, 20, this.h5);
    put(out, 24, this.h6);
    put(out, 28, this.h7);
    return out;
  }
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const s = new Sha256();
  for (const p of parts) s.update(p);
  return s.digest();
}
