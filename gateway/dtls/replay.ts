/**
 * The anti-replay sliding window of RFC 6347 §4.1.2.6 (RFC 4303 §3.4.3): 64 entries below the
 * highest sequence number seen in an epoch. `check` before decrypting (cheap rejection), `accept`
 * only after the record authenticated. 48-bit sequence numbers fit a JavaScript number exactly;
 * the bitmap is two 32-bit halves (bit i = max - i was seen).
 */

export const REPLAY_WINDOW = 64;

export interface ReplayWindow {
  /** Highest accepted sequence number, -1 before any. */
  max: number;
  /** Bits 0..31 of the window (bit 0 = max). */
  lo: number;
  /** Bits 32..63. */
  hi: number;
}

export function createReplayWindow(): ReplayWindow {
  return { max: -1, lo: 0, hi: 0 };
}

/** False when `seq` was seen or is older than the window. */
export function replayCheck(w: ReplayWindow, seq: number): boolean {
  if (seq > w.max) return true;
  const d = w.max - seq;
  if (d >= REPLAY_WINDOW) return false;
  return d < 32 ? ((w.lo >>> d) & 1) === 0 : ((w.hi >>> (d - 32)) & 1) === 0;
}

/** Marks `seq` as seen (call after replayCheck passed and the record authenticated). */
export function replayAccept(w: ReplayWindow, seq: number): void {
  if (seq > w.max) {
    const shift = w.max < 0 ? REPLAY_WINDOW : seq - w.max;
    if (shift >= REPLAY_WINDOW) {
      w.lo = 1;
      w.hi = 0;
    } else if (shift >= 32) {
      w.hi = w.lo << (shift - 32);
      w.lo = 1;
    } else if (shift > 0) {
      w.hi = (w.hi << shift) | (w.lo >>> (32 - shift));
      w.lo = (w.lo << shift) | 1;
    }
    w.max = seq;
    return;
  }
  const d = w.max - seq;
  if (d < 32) w.lo |= 1 << d;
  else if (d < REPLAY_WINDOW) w.hi |= 1 << (d - 32);
}
