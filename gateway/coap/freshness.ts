/**
 * The Observe freshness rule (RFC 7641 §3.4): a notification with sequence V2 received at T2 is
 * newer than the last accepted one (V1 at T1) when V1 < V2 < V1 + 2^23 (mod 2^24), or V1 > V2 and
 * V1 - V2 > 2^23, or more than 128 s passed since T1.
 */

import { OBSERVE_FRESHNESS_MS } from "./params.ts";

const HALF = 1 << 23;

export function isFresh(
  lastSequence: number,
  lastMs: number,
  sequence: number,
  nowMs: number,
): boolean {
  if (lastSequence < 0) return true;
  if (lastSequence < sequence && sequence - lastSequence < HALF) return true;
  if (lastSequence > sequence && lastSequence - sequence > HALF) return true;
  return nowMs > lastMs + OBSERVE_FRESHNESS_MS;
}
