/**
 * Which AES-CCM-8 composition is fastest here (issue 8; RFC 3610 / RFC 6655): sealing a 60-byte
 * DTLS record (13-byte AAD, 12-byte nonce) with
 *   1. gateway/dtls/ccm.ts over the TypeScript AES-128 (gateway/dtls/aes.ts), the one in use;
 *   2. node:crypto, CBC-MAC as AES-128-CBC with a zero IV + AES-128-CTR (two cipher objects);
 *   3. WebCrypto, AES-CBC for the MAC + AES-CTR (asynchronous; awaited per record).
 * All three are checked to produce the same bytes first. Also HMAC-SHA256 (ours vs node:crypto)
 * over 100 bytes. `bin/deno run -A bench/dtls/ccm_bench.ts`: prints median ns per operation over
 * 11 rounds; the result table is in bench/RESULTS.md ("DTLS (issue 8)").
 */

import * as nodeCrypto from "node:crypto";
import { Aes128 } from "../../gateway/dtls/aes.ts";
import { AesCcm } from "../../gateway/dtls/ccm.ts";
import { HmacSha256 } from "../../gateway/dtls/hmac.ts";

const key = crypto.getRandomValues(new Uint8Array(16));
const nonce = crypto.getRandomValues(new Uint8Array(12));
const aad = crypto.getRandomValues(new Uint8Array(13));
const plain = crypto.getRandomValues(new Uint8Array(60));

/** CCM's B0 ‖ encoded AAD ‖ message, zero-padded to blocks (RFC 3610 §2.2). */
function macInput(): Uint8Array<ArrayBuffer> {
  const aadBlocks = Math.ceil((2 + aad.length) / 16) * 16;
  const msgBlocks = Math.ceil(plain.length / 16) * 16;
  const out = new Uint8Array(16 + aadBlocks + msgBlocks);
  out[0] = 0x40 | (((8 - 2) / 2) << 3) | 2;
  out.set(nonce, 1);
  out[13] = 0;
  out[14] = plain.length >> 8;
  out[15] = plain.length & 255;
  out[16] = aad.length >> 8;
  out[17] = aad.length & 255;
  out.set(aad, 18);
  out.set(plain, 16 + aadBlocks);
  return out;
}

function counter0(): Uint8Array<ArrayBuffer> {
  const a = new Uint8Array(16);
  a[0] = 2;
  a.set(nonce, 1);
  return a;
}

const ours = new AesCcm(new Aes128(key), 8, 3);
const sealOurs = () => ours.seal(nonce, aad, plain);

function sealNode(): Uint8Array {
  const cbc = nodeCrypto.createCipheriv("aes-128-cbc", key, new Uint8Array(16));
  cbc.setAutoPadding(false);
  const mac = cbc.update(macInput());
  const tag = mac.subarray(mac.length - 16, mac.length - 8);
  const ctr = nodeCrypto.createCipheriv("aes-128-ctr", key, counter0());
  const stream = ctr.update(new Uint8Array([...new Uint8Array(16), ...plain]));
  const out = new Uint8Array(plain.length + 8);
  out.set(stream.subarray(16), 0);
  for (let i = 0; i < 8; i++) out[plain.length + i] = tag[i] ^ stream[i];
  return out;
}

const cbcKey = await crypto.subtle.importKey("raw", key, "AES-CBC", false, ["encrypt"]);
const ctrKey = await crypto.subtle.importKey("raw", key, "AES-CTR", false, ["encrypt"]);
async function sealWeb(): Promise<Uint8Array> {
  const input = macInput();
  const [macBuf, streamBuf] = await Promise.all([
    crypto.subtle.encrypt({ name: "AES-CBC", iv: new Uint8Array(16) }, cbcKey, input),
    crypto.subtle.encrypt(
      { name: "AES-CTR", counter: counter0(), length: 32 }, // L=3 counter fits in 32 bits for short records
      ctrKey,
      new Uint8Array([...new Uint8Array(16), ...plain]),
    ),
  ]);
  const mac = new Uint8Array(macBuf, input.length - 16, 8); // before the PKCS#7 padding block
  const stream = new Uint8Array(streamBuf);
  const out = new Uint8Array(plain.length + 8);
  out.set(stream.subarray(16), 0);
  for (let i = 0; i < 8; i++) out[plain.length + i] = mac[i] ^ stream[i];
  return out;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const reference = hex(sealOurs());
if (hex(sealNode()) !== reference || hex(await sealWeb()) !== reference) {
  throw new Error("the compositions disagree");
}

async function measure(name: string, n: number, fn: () => unknown | Promise<unknown>) {
  const rounds: number[] = [];
  for (let r = 0; r < 11; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) await fn();
    rounds.push((performance.now() - t) * 1e6 / n);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${name.padEnd(58)} ${rounds[5].toFixed(0).padStart(7)} ns`);
  return rounds[5];
}

const macKey = crypto.getRandomValues(new Uint8Array(32));
const hundred = crypto.getRandomValues(new Uint8Array(100));
const hmac = new HmacSha256(macKey);
await measure("AES-128-CCM-8 seal 60 B: TypeScript AES (in use)", 20_000, sealOurs);
await measure("AES-128-CCM-8 seal 60 B: node:crypto CBC-MAC + CTR", 5_000, sealNode);
await measure("AES-128-CCM-8 seal 60 B: WebCrypto AES-CBC + AES-CTR (async)", 2_000, sealWeb);
await measure(
  "HMAC-SHA256 100 B: TypeScript, key prepared (in use)",
  20_000,
  () => hmac.mac(hundred),
);
await measure(
  "HMAC-SHA256 100 B: node:crypto createHmac",
  5_000,
  () => nodeCrypto.createHmac("sha256", macKey).update(hundred).digest(),
);
