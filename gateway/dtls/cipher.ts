/**
 * Record payload protection of the two PSK suites (RFC 5246 §6.2.3): AEAD AES-128-CCM-8 (RFC 6655
 * §3, security.md §3.4: nonce = write_IV ‖ epoch ‖ seq, sent explicitly; 8-byte tag) and
 * AES-128-CBC with HMAC-SHA256, MAC-then-encrypt with an explicit random IV (RFC 5246 §6.2.3.2).
 * The additional data / MAC header is the classic 13 bytes, or RFC 9146 §5's form for tls12_cid
 * records. Also the key block partition of §6.3 for each suite.
 */

import { Aes128 } from "./aes.ts";
import { writeU16, writeU48 } from "./bytes.ts";
import { AesCcm } from "./ccm.ts";
import {
  type CipherSuite,
  CONTENT_TLS12_CID,
  TLS_PSK_WITH_AES_128_CBC_SHA256,
  TLS_PSK_WITH_AES_128_CCM_8,
} from "./constants.ts";
import { HmacSha256 } from "./hmac.ts";
import { keyBlock } from "./prf.ts";

/** The header fields a record's protection binds. */
export interface RecordMeta {
  /** The type on the wire (25 for a CID record, else the content type). */
  type: number;
  version: number;
  epoch: number;
  seq: number;
  /** The CID in the header (tls12_cid records only). */
  cid: Uint8Array | null;
}

export interface RecordCipher {
  /** Most bytes a record's fragment grows by. */
  readonly overhead: number;
  seal(meta: RecordMeta, plain: Uint8Array): Uint8Array;
  /** The plaintext, or null when the record does not authenticate. */
  open(meta: RecordMeta, fragment: Uint8Array): Uint8Array | null;
}

/**
 * RFC 5246 §6.2.3.3 additional data (epoch ‖ seq ‖ type ‖ version ‖ length) or, with a CID,
 * RFC 9146 §5: 8 × 0xFF ‖ 25 ‖ cid_length ‖ 25 ‖ version ‖ epoch ‖ seq ‖ cid ‖ length.
 */
export function additionalData(meta: RecordMeta, length: number): Uint8Array {
  if (meta.cid === null) {
    const ad = new Uint8Array(13);
    writeU16(ad, 0, meta.epoch);
    writeU48(ad, 2, meta.seq);
    ad[8] = meta.type;
    writeU16(ad, 9, meta.version);
    writeU16(ad, 11, length);
    return ad;
  }
  const n = meta.cid.length;
  const ad = new Uint8Array(23 + n);
  ad.fill(0xff, 0, 8);
  ad[8] = CONTENT_TLS12_CID;
  ad[9] = n;
  ad[10] = CONTENT_TLS12_CID;
  writeU16(ad, 11, meta.version);
  writeU16(ad, 13, meta.epoch);
  writeU48(ad, 15, meta.seq);
  ad.set(meta.cid, 21);
  writeU16(ad, 21 + n, length);
  return ad;
}

/** AES-128-CCM-8: fragment = epoch ‖ seq (8, explicit nonce) ‖ ciphertext ‖ tag (8). */
export class Ccm8Cipher implements RecordCipher {
  readonly overhead = 16;
  readonly #ccm: AesCcm;
  readonly #nonce = new Uint8Array(12);

  constructor(key: Uint8Array, iv: Uint8Array) {
    this.#ccm = new AesCcm(new Aes128(key), 8, 3);
    this.#nonce.set(iv.subarray(0, 4));
  }

  seal(meta: RecordMeta, plain: Uint8Array): Uint8Array {
    const out = new Uint8Array(8 + plain.length + 8);
    writeU16(out, 0, meta.epoch);
    writeU48(out, 2, meta.seq);
    this.#nonce.set(out.subarray(0, 8), 4);
    this.#ccm.seal(this.#nonce, additionalData(meta, plain.length), plain, out, 8);
    return out;
  }

  open(meta: RecordMeta, fragment: Uint8Array): Uint8Array | null {
    if (fragment.length < 16) return null;
    this.#nonce.set(fragment.subarray(0, 8), 4);
    const ad = additionalData(meta, fragment.length - 16);
    return this.#ccm.open(this.#nonce, ad, fragment, 8, fragment.length);
  }
}

/** AES-128-CBC + HMAC-SHA256 (MAC-then-encrypt): fragment = IV ‖ CBC(plain ‖ MAC ‖ padding). */
export class CbcSha256Cipher implements RecordCipher {
  readonly overhead = 16 + 32 + 16;
  readonly #aes: Aes128;
  readonly #mac: HmacSha256;
  readonly #random: (n: number) => Uint8Array;

  constructor(key: Uint8Array, macKey: Uint8Array, random: (n: number) => Uint8Array) {
    this.#aes = new Aes128(key);
    this.#mac = new HmacSha256(macKey);
    this.#random = random;
  }

  seal(meta: RecordMeta, plain: Uint8Array): Uint8Array {
    const mac = this.#mac.mac(additionalData(meta, plain.length), plain);
    const body = plain.length + 32;
    const pad = 16 - (body % 16); // 1..16 bytes, each holding pad - 1
    const out = new Uint8Array(16 + body + pad);
    out.set(this.#random(16), 0);
    out.set(plain, 16);
    out.set(mac, 16 + plain.length);
    out.fill(pad - 1, 16 + body);
    for (let i = 16; i < out.length; i += 16) {
      for (let j = 0; j < 16; j++) out[i + j] ^= out[i - 16 + j];
      this.#aes.encryptBlock(out, i, out, i);
    }
    return out;
  }

  open(meta: RecordMeta, fragment: Uint8Array): Uint8Array | null {
    const n = fragment.length;
    if (n < 16 + 48 || n % 16 !== 0) return null;
    const dec = new Uint8Array(n - 16);
    for (let i = 16; i < n; i += 16) {
      this.#aes.decryptBlock(fragment, i, dec, i - 16);
      for (let j = 0; j < 16; j++) dec[i - 16 + j] ^= fragment[i - 16 + j];
    }
    const padLength = dec[dec.length - 1];
    let bad = padLength + 1 + 32 > dec.length ? 1 : 0;
    const plainLength = bad ? 0 : dec.length - padLength - 1 - 32;
    for (let i = dec.length - 1 - (bad ? 0 : padLength); i < dec.length; i++) {
      bad |= dec[i] ^ padLength;
    }
    const plain = dec.subarray(0, plainLength);
    const mac = this.#mac.mac(additionalData(meta, plainLength), plain);
    for (let j = 0; j < 32; j++) bad |= mac[j] ^ dec[plainLength + j];
    return bad === 0 ? plain : null;
  }
}

/** The write keys of both sides, from the key block (RFC 5246 §6.3). */
export interface KeyMaterial {
  clientKey: Uint8Array;
  serverKey: Uint8Array;
  clientIv: Uint8Array;
  serverIv: Uint8Array;
  clientMacKey: Uint8Array;
  serverMacKey: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** CCM_8: keys 16+16, IVs 4+4 (40 bytes); CBC_SHA256: MAC keys 32+32, keys 16+16 (96 bytes). */
export function deriveKeyMaterial(
  suite: CipherSuite,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): KeyMaterial {
  if (suite === TLS_PSK_WITH_AES_128_CCM_8) {
    const kb = keyBlock(master, clientRandom, serverRandom, 40);
    return {
      clientKey: kb.slice(0, 16),
      serverKey: kb.slice(16, 32),
      clientIv: kb.slice(32, 36),
      serverIv: kb.slice(36, 40),
      clientMacKey: EMPTY,
      serverMacKey: EMPTY,
    };
  }
  const kb = keyBlock(master, clientRandom, serverRandom, 96);
  return {
    clientMacKey: kb.slice(0, 32),
    serverMacKey: kb.slice(32, 64),
    clientKey: kb.slice(64, 80),
    serverKey: kb.slice(80, 96),
    clientIv: EMPTY,
    serverIv: EMPTY,
  };
}

/** The cipher one side writes with (`client` = the client's write keys). */
export function makeCipher(
  suite: CipherSuite,
  keys: KeyMaterial,
  client: boolean,
  random: (n: number) => Uint8Array,
): RecordCipher {
  if (suite === TLS_PSK_WITH_AES_128_CBC_SHA256) {
    return new CbcSha256Cipher(
      client ? keys.clientKey : keys.serverKey,
      client ? keys.clientMacKey : keys.serverMacKey,
      random,
    );
  }
  return new Ccm8Cipher(
    client ? keys.clientKey : keys.serverKey,
    client ? keys.clientIv : keys.serverIv,
  );
}
