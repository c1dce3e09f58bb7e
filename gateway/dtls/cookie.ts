/**
 * Stateless cookies for the HelloVerifyRequest exchange (RFC 6347 §4.2.1, security.md §3.2): a
 * truncated HMAC-SHA256 under a server secret over the client's address and the ClientHello
 * fields that must repeat (version, random, session_id, cipher_suites, compression). The secret
 * rotates; cookies of the current and the previous secret verify, so a cookie lives one to two
 * rotation periods. No state is kept per client before its cookie verifies.
 */

import { constantTimeEqual, Writer } from "./bytes.ts";
import { HmacSha256 } from "./hmac.ts";
import type { ClientHello } from "./messages.ts";

export const COOKIE_LENGTH = 16;

export interface CookieKeys {
  current: HmacSha256;
  previous: HmacSha256 | null;
  rotateAtMs: number;
}

export function createCookieKeys(
  secret: Uint8Array,
  nowMs: number,
  lifetimeMs: number,
): CookieKeys {
  return { current: new HmacSha256(secret), previous: null, rotateAtMs: nowMs + lifetimeMs };
}

/** Installs a new secret; the old one still verifies until the next rotation. */
export function rotateCookieKeys(
  keys: CookieKeys,
  secret: Uint8Array,
  nowMs: number,
  lifetimeMs: number,
): void {
  keys.previous = keys.current;
  keys.current = new HmacSha256(secret);
  keys.rotateAtMs = nowMs + lifetimeMs;
}

const te = new TextEncoder();

function input(address: string, h: ClientHello): Uint8Array {
  const w = new Writer(128);
  w.vector(1, te.encode(address)).u16(h.version).bytes(h.random).vector(1, h.sessionId);
  w.u16(h.suites.length);
  for (const s of h.suites) w.u16(s);
  w.vector(1, h.compression);
  return w.finish();
}

export function makeCookie(keys: CookieKeys, address: string, h: ClientHello): Uint8Array {
  return keys.current.mac(input(address, h)).subarray(0, COOKIE_LENGTH);
}

export function verifyCookie(keys: CookieKeys, address: string, h: ClientHello): boolean {
  if (h.cookie.length !== COOKIE_LENGTH) return false;
  const data = input(address, h);
  if (constantTimeEqual(keys.current.mac(data).subarray(0, COOKIE_LENGTH), h.cookie)) return true;
  return keys.previous !== null &&
    constantTimeEqual(keys.previous.mac(data).subarray(0, COOKIE_LENGTH), h.cookie);
}
