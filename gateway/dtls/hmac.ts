/**
 * HMAC-SHA256 (RFC 2104) over gateway/dtls/sha256.ts with the inner and outer pad states computed
 * once per key, so the TLS PRF (RFC 5246 §5), which MACs many times under one secret, and the
 * record MAC of TLS_PSK_WITH_AES_128_CBC_SHA256 pay two compressions less per call.
 */

import { Sha256 } from "./sha256.ts";

export class HmacSha256 {
  readonly #inner = new Sha256();
  readonly #outer = new Sha256();

  constructor(key: Uint8Array) {
    const k = new Uint8Array(64);
    if (key.length > 64) k.set(new Sha256().update(key).digest());
    else k.set(key);
    const pad = new Uint8Array(64);
    for (let i = 0; i < 64; i++) pad[i] = k[i] ^ 0x36;
    this.#inner.update(pad);
    for (let i = 0; i < 64; i++) pad[i] = k[i] ^ 0x5c;
    this.#outer.update(pad);
  }

  /** HMAC of the concatenation of `parts`. */
  mac(...parts: Uint8Array[]): Uint8Array {
    const inner = this.#inner.clone();
    for (const p of parts) inner.update(p);
    const d = inner.digest();
    return this.#outer.clone().update(d).digest(d);
  }

  /** A running MAC to feed piecewise (record MACs over header and payload). */
  start(): Sha256 {
    return this.#inner.clone();
  }

  finish(inner: Sha256): Uint8Array {
    const d = inner.digest();
    return this.#outer.clone().update(d).digest(d);
  }
}

export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  return new HmacSha256(key).mac(...parts);
}
