/**
 * AES-128 (FIPS 197) block cipher in plain TypeScript with 32-bit T-tables, encryption and the
 * equivalent inverse cipher (§5.3.5), for AES-CCM-8 (gateway/dtls/ccm.ts, RFC 3610 / RFC 6655)
 * and AES-128-CBC (RFC 5246 §6.2.3.2). Neither Deno's WebCrypto nor its node:crypto has AES-CCM,
 * and composing CCM from their AES-CBC/CTR costs a native call per pass; bench/dtls/ccm_bench.ts
 * measures the options. Tables are built at load time from the S-box polynomial arithmetic.
 */

const SBOX = new Uint8Array(256);
const INV_SBOX = new Uint8Array(256);
const TE0 = new Int32Array(256), TE1 = new Int32Array(256);
const TE2 = new Int32Array(256), TE3 = new Int32Array(256);
const TD0 = new Int32Array(256), TD1 = new Int32Array(256);
const TD2 = new Int32Array(256), TD3 = new Int32Array(256);

/** Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (FIPS 197 §4.2). */
function gmul(a: number, b: number): number {
  let p = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) p ^= a;
    const hi = a & 0x80;
    a = (a << 1) & 0xff;
    if (hi) a ^= 0x1b;
    b >>= 1;
  }
  return p;
}

const rotr8 = (w: number) => (w >>> 8) | (w << 24);

(function init() {
  // FIPS 197 §5.1.1: S(a) = affine(a^-1); inverses by brute force once at load (256*256 gmul).
  const inv = new Uint8Array(256);
  for (let a = 1; a < 256; a++) {
    for (let b = 1; b < 256; b++) {
      if (gmul(a, b) === 1) {
        inv[a] = b;
        break;
      }
    }
  }
  for (let a = 0; a < 256; a++) {
    const x = inv[a];
    let s = x;
    for (let r = 1; r <= 4; r++) s ^= ((x << r) | (x >>> (8 - r))) & 0xff;
    s ^= 0x63;
    SBOX[a] = s;
    INV_SBOX[s] = a;
  }
  for (let a = 0; a < 256; a++) {
    const s = SBOX[a];
    const e = (gmul(s, 2) << 24) | (s << 16) | (s << 8) | gmul(s, 3);
    TE0[a] = e;
    TE1[a] = rotr8(e);
    TE2[a] = rotr8(rotr8(e));
    TE3[a] = rotr8(rotr8(rotr8(e)));
    const i = INV_SBOX[a];
    const d = (gmul(i, 14) << 24) | (gmul(i, 9) << 16) | (gmul(i, 13) << 8) | gmul(i, 11);
    TD0[a] = d;
    TD1[a] = rotr8(d);
    TD2[a] = rotr8(rotr8(d));
    TD3[a] = rotr8(rotr8(rotr8(d)));
  }
})();

const RCON = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36];
const ROUNDS = 10;

function word(b: Uint8Array, at: number): number {
  return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
}

function put(b: Uint8Array, at: number, w: number): void {
  b[at] = w >>> 24;
  b[at + 1] = w >>> 16;
  b[at + 2] = w >>> 8;
  b[at + 3] = w;
}

/** An expanded AES-128 key. */
export class Aes128 {
  readonly #ek = new Int32Array(44);
  readonly #dk = new Int32Array(44);

  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new RangeError("AES-128 needs a 16-byte key");
    const ek = this.#ek;
    for (let i = 0; i < 4; i++) ek[i] = word(key, 4 * i);
    for (let i = 4; i < 44; i++) {
      let t = ek[i - 1];
      if (i % 4 === 0) {
        t = (SBOX[(t >>> 16) & 255] << 24) | (SBOX[(t >>> 8) & 255] << 16) |
          (SBOX[t & 255] << 8) | SBOX[t >>> 24];
        t ^= RCON[i / 4 - 1] << 24;
      }
      ek[i] = ek[i - 4] ^ t;
    }
    // Equivalent inverse cipher key schedule (FIPS 197 §5.3.5).
    const dk = this.#dk;
    for (let r = 0; r <= ROUNDS; r++) {
      for (let c = 0; c < 4; c++) {
        const w = ek[4 * (ROUNDS - r) + c];
        dk[4 * r + c] = r === 0 || r === ROUNDS ? w : TD0[SBOX[w >>> 24]] ^
          TD1[SBOX[(w >>> 16) & 255]] ^ TD2[SBOX[(w >>> 8) & 255]] ^ TD3[SBOX[w & 255]];
      }
    }
  }

  /** Encrypts the 16 bytes at `src[from]` into `dst[to]` (may be the same place). */
  encryptBlock(src: Uint8Array, from: number, dst: Uint8Array, to: number): void {
    const k = this.#ek;
    let s0 = word(src, from) ^ k[0], s1 = word(src, from + 4) ^ k[1];
    let s2 = word(src, from + 8) ^ k[2], s3 = word(src, from + 12) ^ k[3];
    let ki = 4;
    for (let r = 1; r < ROUNDS; r++, ki += 4) {
      const t0 = TE0[s0 >>> 24] ^ TE1[(s1 >>> 16) & 255] ^ TE2[(s2 >>> 8) & 255] ^
        TE3[s3 & 255] ^ k[ki];
      const t1 = TE0[s1 >>> 24] ^ TE1[(s2 >>> 16) & 255] ^ TE2[(s3 >>> 8) & 255] ^
        TE3[s0 & 255] ^ k[ki + 1];
      const t2 = TE0[s2 >>> 24] ^ TE1[(s3 >>> 16) & 255] ^ TE2[(s0 >>> 8) & 255] ^
        TE3[s1 & 255] ^ k[ki + 2];
      const t3 = TE0[s3 >>> 24] ^ TE1[(s0 >>> 16) & 255] ^ TE2[(s1 >>> 8) & 255] ^
        TE3[s2 & 255] ^ k[ki + 3];
      s0 = t0;
      s1 = t1;
      s2 = t2;
      s3 = t3;
    }
    const S = SBOX;
    put(
      dst,
      to,
      ((S[s0 >>> 24] << 24) | (S[(s1 >>> 16) & 255] << 16) | (S[(s2 >>> 8) & 255] << 8) |
        S[s3 & 255]) ^ k[ki],
    );
    put(
      dst,
      to + 4,
      ((S[s1 >>> 24] << 24) | (S[(s2 >>> 16) & 255] << 16) | (S[(s3 >>> 8) & 255] << 8) |
        S[s0 & 255]) ^ k[ki + 1],
    );
    put(
      dst,
      to + 8,
      ((S[s2 >>> 24] << 24) | (S[(s3 >>> 16) & 255] << 16) | (S[(s0 >>> 8) & 255] << 8) |
        S[s1 & 255]) ^ k[ki + 2],
    );
    put(
      dst,
      to + 12,
      ((S[s3 >>> 24] << 24) | (S[(s0 >>> 16) & 255] << 16) | (S[(s1 >>> 8) & 255] << 8) |
        S[s2 & 255]) ^ k[ki + 3],
    );
  }

  /** Decrypts the 16 bytes at `src[from]` into `dst[to]` (may be the same place). */
  decryptBlock(src: Uint8Array, from: number, dst: Uint8Array, to: number): void {
    const k = this.#dk;
    let s0 = word(src, from) ^ k[0], s1 = word(src, from + 4) ^ k[1];
    let s2 = word(src, from + 8) ^ k[2], s3 = word(src, from + 12) ^ k[3];
    let ki = 4;
    for (let r = 1; r < ROUNDS; r++, ki += 4) {
      const t0 = TD0[s0 >>> 24] ^ TD1[(s3 >>> 16) & 255] ^ TD2[(s2 >>> 8) & 255] ^
        TD3[s1 & 255] ^ k[ki];
      const t1 = TD0[s1 >>> 24] ^ TD1[(s0 >>> 16) & 255] ^ TD2[(s3 >>> 8) & 255] ^
        TD3[s2 & 255] ^ k[ki + 1];
      const t2 = TD0[s2 >>> 24] ^ TD1[(s1 >>> 16) & 255] ^ TD2[(s0 >>> 8) & 255] ^
        TD3[s3 & 255] ^ k[ki + 2];
      const t3 = TD0[s3 >>> 24] ^ TD1[(s2 >>> 16) & 255] ^ TD2[(s1 >>> 8) & 255] ^
        TD3[s0 & 255] ^ k[ki + 3];
      s0 = t0;
      s1 = t1;
      s2 = t2;
      s3 = t3;
    }
    const S = INV_SBOX;
    put(
      dst,
      to,
      ((S[s0 >>> 24] << 24) | (S[(s3 >>> 16) & 255] << 16) | (S[(s2 >>> 8) & 255] << 8) |
        S[s1 & 255]) ^ k[ki],
    );
    put(
      dst,
      to + 4,
      ((S[s1 >>> 24] << 24) | (S[(s0 >>> 16) & 255] << 16) | (S[(s3 >>> 8) & 255] << 8) |
        S[s2 & 255]) ^ k[ki + 1],
    );
    put(
      dst,
      to + 8,
      ((S[s2 >>> 24] << 24) | (S[(s1 >>> 16) & 255] << 16) | (S[(s0 >>> 8) & 255] << 8) |
        S[s3 & 255]) ^ k[ki + 2],
    );
    put(
      dst,
      to + 12,
      ((S[s3 >>> 24] << 24) | (S[(s2 >>> 16) & 255] << 16) | (S[(s1 >>> 8) & 255] << 8) |
        S[s0 & 255]) ^ k[ki + 3],
    );
  }
}
