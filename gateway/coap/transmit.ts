/**
 * Message-layer sending for the CoAP core: encode and emit a datagram, and for CON messages keep a
 * transmission with the RFC 7252 §4.2 schedule (initial timeout in [ACK_TIMEOUT,
 * ACK_TIMEOUT*ACK_RANDOM_FACTOR], doubled on each of MAX_RETRANSMIT retransmissions).
 */

import type { CoapMessage } from "../../codec-wasm/types.ts";
import type { CoapEffect, CoapState, Peer, Transmission } from "./state.ts";

export const TYPE_CON = 0;
export const TYPE_NON = 1;
export const TYPE_ACK = 2;
export const TYPE_RST = 3;
const EMPTY = new Uint8Array(0);

export function transmissionKey(peer: Peer, messageId: number): string {
  return `${peer}|${messageId}`;
}

/** Encodes `message` and emits it; returns the bytes (for dedup replay). */
export function emit(
  state: CoapState,
  peer: Peer,
  message: CoapMessage,
  effects: CoapEffect[],
): Uint8Array {
  const bytes = state.codec.encodeCoap(message);
  effects.push({ kind: "send", peer, bytes });
  return bytes;
}

/** An empty ACK or RST for `messageId` (RFC 7252 §4.2, §4.3). */
export function emitEmpty(
  state: CoapState,
  peer: Peer,
  type: typeof TYPE_ACK | typeof TYPE_RST,
  messageId: number,
  effects: CoapEffect[],
): Uint8Array {
  return emit(
    state,
    peer,
    { type, code: 0, messageId, token: EMPTY, options: [], payload: EMPTY },
    effects,
  );
}

/** Emits a CON message and tracks it for retransmission until ACK, RST or give-up. */
export function emitConfirmable(
  state: CoapState,
  peer: Peer,
  message: CoapMessage,
  owner: Transmission["owner"],
  nowMs: number,
  effects: CoapEffect[],
): void {
  const bytes = emit(state, peer, message, effects);
  const p = state.params;
  const timeoutMs = p.ackTimeoutMs * (1 + state.ids.random() * (p.ackRandomFactor - 1));
  const key = transmissionKey(peer, message.messageId);
  const t: Transmission = {
    peer,
    messageId: message.messageId,
    bytes,
    retransmissions: 0,
    timeoutMs,
    dueMs: nowMs + timeoutMs,
    owner,
  };
  state.transmissions.set(key, t);
  state.timers.push({ atMs: t.dueMs, kind: "retransmit", key });
}

/**
 * Handles a due retransmission timer: resend with a doubled timeout, or give up after
 * MAX_RETRANSMIT retransmissions. Returns the transmission when it was given up.
 */
export function retransmitDue(
  state: CoapState,
  key: string,
  nowMs: number,
  effects: CoapEffect[],
): Transmission | undefined {
  const t = state.transmissions.get(key);
  if (!t || t.dueMs > nowMs) return undefined;
  if (t.retransmissions >= state.params.maxRetransmit) {
    state.transmissions.delete(key);
    return t;
  }
  t.retransmissions++;
  t.timeoutMs *= 2;
  t.dueMs = nowMs + t.timeoutMs;
  effects.push({ kind: "send", peer: t.peer, bytes: t.bytes });
  state.timers.push({ atMs: t.dueMs, kind: "retransmit", key });
  return undefined;
}
