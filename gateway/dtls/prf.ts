/**
 * The TLS 1.2 PRF and the PSK key schedule (RFC 5246 §5 P_SHA256, §8.1 master secret, §6.3 key
 * block, §7.4.9 Finished; RFC 4279 §2 PSK premaster secret; RFC 7627 §4 extended master secret).
 * security.md §3.3 has the formulas and a premaster vector (tests/dtls/key_schedule_test.ts).
 */

import { HmacSha256 } from "./hmac.ts";
import { concat } from "./bytes.ts";

const te = new TextEncoder();
const LABEL_MASTER = te.encode("master secret");
const LABEL_EXTENDED_MASTER = te.encode("extended master secret");
const LABEL_KEY_EXPANSION = te.encode("key expansion");
const LABEL_CLIENT_FINISHED = te.encode("client finished");
const LABEL_SERVER_FINISHED = te.encode("server finished");

/** RFC 5246 §5: PRF(secret, label, seed) = P_SHA256(secret, label ‖ seed), `length` bytes. */
export function prf(secret: Uint8Array, label: Uint8Array, seed: Uint8Array, length: number) {
  const mac = new HmacSha256(secret);
  const labelSeed = concat(label, seed);
  const out = new Uint8Array(length);
  let a = mac.mac(labelSeed); // A(1)
  for (let at = 0; at < length; at += 32) {
    const chunk = mac.mac(a, labelSeed);
    out.set(chunk.subarray(0, Math.min(32, length - at)), at);
    if (at + 32 < length) a = mac.mac(a);
  }
  return out;
}

/** RFC 4279 §2: uint16 N ‖ N zero bytes ‖ uint16 N ‖ PSK. */
export function pskPremaster(psk: Uint8Array): Uint8Array {
  const n = psk.length;
  const out = new Uint8Array(4 + 2 * n);
  out[0] = n >>> 8;
  out[1] = n;
  out[2 + n] = n >>> 8;
  out[3 + n] = n;
  out.set(psk, 4 + n);
  return out;
}

/** RFC 5246 §8.1 master secret (48 bytes). */
export function masterSecret(
  premaster: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Uint8Array {
  return prf(premaster, LABEL_MASTER, concat(clientRandom, serverRandom), 48);
}

/** RFC 7627 §4: master secret bound to the hash of the handshake up to ClientKeyExchange. */
export function extendedMasterSecret(premaster: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return prf(premaster, LABEL_EXTENDED_MASTER, sessionHash, 48);
}

/** RFC 5246 §6.3 key block: PRF(master, "key expansion", server_random ‖ client_random). */
export function keyBlock(
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  length: number,
): Uint8Array {
  return prf(master, LABEL_KEY_EXPANSION, concat(serverRandom, clientRandom), length);
}

/** RFC 5246 §7.4.9 verify_data (12 bytes) over the handshake hash. */
export function verifyData(
  master: Uint8Array,
  client: boolean,
  handshakeHash: Uint8Array,
): Uint8Array {
  return prf(master, client ? LABEL_CLIENT_FINISHED : LABEL_SERVER_FINISHED, handshakeHash, 12);
}
