/**
 * AES-CCM (RFC 3610 §2) composed from the AES-128 block cipher: CBC-MAC over B0 ‖ encoded AAD ‖
 * message, then CTR mode for the message and the tag. Generic in the tag length M and the length
 * field size L so RFC 3610's vectors (M=8, L=2) test it; DTLS uses AES-128-CCM-8 (RFC 6655 §3:
 * M=8, L=3, 12-byte nonce, security.md §3.4). `open` returns null on a wrong tag, compared in
 * constant time, and never releases unauthenticated plaintext.
 */

import type { Aes128 } from "./aes.ts";

export class AesCcm {
  readonly #aes: Aes128;
  readonly #m: number;
  readonly #l: number;
  readonly #x = new Uint8Array(16);
  readonly #a = new Uint8Array(16);
  readonly #s = new Uint8Array(16);

  /** `tagLength` M in {4..16, even}, `lengthSize` L in {2..8}; the nonce is 15 - L bytes. */
  constructor(aes: Aes128, tagLength = 8, lengthSize = 3) {
    this.#aes = aes;
    this.#m = tagLength;
    this.#l = lengthSize;
  }

  get nonceLength(): number {
    return 15 - this.#l;
  }

  /** X = CBC-MAC(B0 ‖ AAD blocks ‖ message blocks); the first M bytes end up in #x. */
  #mac(nonce: Uint8Array, aad: Uint8Array, msg: Uint8Array, msgStart: number, msgEnd: number) {
    const aes = this.#aes, x = this.#x, l = this.#l;
    const len = msgEnd - msgStart;
    x[0] = (aad.length > 0 ? 0x40 : 0) | (((this.#m - 2) / 2) << 3) | (l - 1);
    x.set(nonce, 1);
    for (let i = 0, v = len; i < l; i++, v = Math.floor(v / 256)) x[15 - i] = v & 255;
    aes.encryptBlock(x, 0, x, 0);
    if (aad.length > 0) {
      // RFC 3610 §2.2: 0 < l(a) < 2^16 - 2^8 is encoded in two bytes (all DTLS AADs are).
      x[0] ^= aad.length >>> 8;
      x[1] ^= aad.length & 255;
      let pos = 2;
      for (let i = 0; i < aad.length; i++) {
        x[pos++] ^= aad[i];
        if (pos === 16) {
          aes.encryptBlock(x, 0, x, 0);
          pos = 0;
        }
      }
      if (pos > 0) aes.encryptBlock(x, 0, x, 0);
    }
    for (let i = msgStart; i < msgEnd; i += 16) {
      const n = Math.min(16, msgEnd - i);
      for (let j = 0; j < n; j++) x[j] ^= msg[i + j];
      aes.encryptBlock(x, 0, x, 0);
    }
  }

  /** XORs `src[from..from+len]` with the key stream A_1.. into `dst[to..]`. */
  #ctr(nonce: Uint8Array, src: Uint8Array, from: number, len: number, dst: Uint8Array, to: number) {
    const a = this.#a, s = this.#s, l = this.#l, aes = this.#aes;
    a[0] = l - 1;
    a.set(nonce, 1);
    let counter = 1;
    for (let i = 0; i < len; i += 16, counter++) {
      for (let j = 0, v = counter; j < l; j++, v = Math.floor(v / 256)) a[15 - j] = v & 255;
      aes.encryptBlock(a, 0, s, 0);
      const n = Math.min(16, len - i);
      for (let j = 0; j < n; j++) dst[to + i + j] = src[from + i + j] ^ s[j];
    }
  }

  /** S_0 = E(A_0), the tag mask. */
  #s0(nonce: Uint8Array): Uint8Array {
    const a = this.#a, s = this.#s;
    a[0] = this.#l - 1;
    a.set(nonce, 1);
    a.fill(0, 16 - this.#l);
    this.#aes.encryptBlock(a, 0, s, 0);
    return s;
  }

  /**
   * Encrypts `plain` and writes ciphertext ‖ tag into `out` at `at` (allocates when `out` is
   * omitted). Returns the output buffer.
   */
  seal(
    nonce: Uint8Array,
    aad: Uint8Array,
    plain: Uint8Array,
    out = new Uint8Array(plain.length + this.#m),
    at = 0,
  ): Uint8Array {
    this.#mac(nonce, aad, plain, 0, plain.length);
    const s0 = this.#s0(nonce);
    for (let j = 0; j < this.#m; j++) out[at + plain.length + j] = this.#x[j] ^ s0[j];
    this.#ctr(nonce, plain, 0, plain.length, out, at);
    return out;
  }

  /** Decrypts ciphertext ‖ tag (`sealed[from..to]`); null when the tag does not verify. */
  open(
    nonce: Uint8Array,
    aad: Uint8Array,
    sealed: Uint8Array,
    from = 0,
    to = sealed.length,
  ): Uint8Array | null {
    const m = this.#m;
    const len = to - from - m;
    if (len < 0) return null;
    const plain = new Uint8Array(len);
    this.#ctr(nonce, sealed, from, len, plain, 0);
    this.#mac(nonce, aad, plain, 0, len);
    const s0 = this.#s0(nonce);
    let diff = 0;
    for (let j = 0; j < m; j++) diff |= (this.#x[j] ^ s0[j]) ^ sealed[from + len + j];
    if (diff !== 0) {
      plain.fill(0);
      return null;
    }
    return plain;
  }
}
