/**
 * Inbound datagrams and timers of the CoAP core: decoding, the message layer's reactions (RFC 7252
 * §4.2-§4.5: ACK/RST matching, ping, RST of malformed CONs, deduplication with reply replay), and
 * dispatch to the client role (responses, notifications) or the server role (requests).
 */

import { CodecError, ERR_BAD_VERSION, STATUS_NAMES } from "../../codec-wasm/status.ts";
import type { CoapMessage } from "../../codec-wasm/types.ts";
import { exchangeForToken, finish, onRequestAcked, onResponse, requestDeadline } from "./client.ts";
import { exchangeLifetimeMs, nonLifetimeMs } from "./params.ts";
import {
  onRequest,
  removeObserver,
  scheduleSweep,
  sendEmptyAck,
  separateDue,
  SWEEP_INTERVAL_MS,
} from "./server.ts";
import type { CoapEffect, CoapState, DedupEntry, Peer, Transmission } from "./state.ts";
import { dedupKey, pendingSeparate } from "./state.ts";
import {
  emitEmpty,
  retransmitDue,
  transmissionKey,
  TYPE_ACK,
  TYPE_CON,
  TYPE_NON,
  TYPE_RST,
} from "./transmit.ts";
import {
  firstUnknownCritical,
  isRequestCode,
  isResponseCode,
  KNOWN_CRITICAL_RESPONSE_OPTIONS,
} from "./wire.ts";

/** Handles one datagram from `peer`. */
export function receive(
  state: CoapState,
  peer: Peer,
  bytes: Uint8Array,
  nowMs: number,
): CoapEffect[] {
  const effects: CoapEffect[] = [];
  const decoded = state.codec.tryDecodeCoap(bytes);
  if (decoded instanceof CodecError) {
    if (decoded.code === ERR_BAD_VERSION) {
      effects.push({ kind: "drop", peer, reason: "bad-version" });
      return effects;
    }
    // RFC 7252 §4.2: a CON with a message format error is rejected with RST when its header
    // (type and message id) can be read; anything else is dropped silently.
    const readable = bytes.length >= 4 && (bytes[0] >> 6) === 1;
    if (readable && ((bytes[0] >> 4) & 3) === TYPE_CON) {
      emitEmpty(state, peer, TYPE_RST, (bytes[2] << 8) | bytes[3], effects);
    }
    effects.push({ kind: "drop", peer, reason: "malformed", detail: STATUS_NAMES[decoded.code] });
    return effects;
  }
  const m = decoded;
  if (m.code === 0) onEmpty(state, peer, m, nowMs, effects);
  else if (isRequestCode(m.code)) onRequestMessage(state, peer, m, nowMs, effects);
  else if (isResponseCode(m.code)) onResponseMessage(state, peer, m, nowMs, effects);
  else {
    // Reserved classes 1, 6 and 7 (RFC 7252 §12.1): a format error.
    if (m.type === TYPE_CON) emitEmpty(state, peer, TYPE_RST, m.messageId, effects);
    effects.push({ kind: "drop", peer, reason: "malformed", detail: `reserved code ${m.code}` });
  }
  return effects;
}

function onEmpty(
  state: CoapState,
  peer: Peer,
  m: CoapMessage,
  nowMs: number,
  effects: CoapEffect[],
): void {
  if (m.type === TYPE_CON) {
    emitEmpty(state, peer, TYPE_RST, m.messageId, effects); // CoAP ping (RFC 7252 §4.3)
    return;
  }
  if (m.type === TYPE_NON) {
    effects.push({ kind: "drop", peer, reason: "malformed", detail: "empty NON" });
    return;
  }
  const key = transmissionKey(peer, m.messageId);
  const t = state.transmissions.get(key);
  if (m.type === TYPE_ACK) {
    if (!t) {
      effects.push({ kind: "drop", peer, reason: "unexpected-ack" });
      return;
    }
    state.transmissions.delete(key);
    if (t.owner.kind === "request") {
      const x = state.clients.get(t.owner.requestId);
      if (x) onRequestAcked(state, x, nowMs, effects);
    }
    return;
  }
  // RST
  if (t) {
    state.transmissions.delete(key);
    onReset(state, t, nowMs, effects);
    return;
  }
  const non = state.nonNotifications.get(key);
  if (non) {
    state.nonNotifications.delete(key);
    removeObserver(state, non.observerId, "reset", effects);
    return;
  }
  effects.push({ kind: "drop", peer, reason: "unexpected-rst" });
}

function onReset(state: CoapState, t: Transmission, nowMs: number, effects: CoapEffect[]): void {
  if (t.owner.kind === "request") {
    const x = state.clients.get(t.owner.requestId);
    if (x) endExchange(state, x.requestId, { kind: "reset" }, "reset", nowMs, effects);
  } else if (t.owner.kind === "notification") {
    removeObserver(state, t.owner.observerId, "reset", effects);
  }
}

/** Ends a request (or an observation, which reports observationEnded instead of a result). */
function endExchange(
  state: CoapState,
  requestId: string,
  result: { kind: "reset" } | { kind: "timeout" },
  reason: string,
  nowMs: number,
  effects: CoapEffect[],
): void {
  const x = state.clients.get(requestId);
  if (!x) return;
  if (x.state === "observing") {
    finish(state, x, null, nowMs, effects);
    effects.push({ kind: "observationEnded", requestId, peer: x.peer, reason });
  } else finish(state, x, result, nowMs, effects);
}

function onRequestMessage(
  state: CoapState,
  peer: Peer,
  m: CoapMessage,
  nowMs: number,
  effects: CoapEffect[],
) {
  if (m.type === TYPE_ACK || m.type === TYPE_RST) {
    effects.push({ kind: "drop", peer, reason: "malformed", detail: "request in ACK/RST" });
    return;
  }
  const key = dedupKey(state, peer, m.messageId);
  if (m.type === TYPE_CON) {
    const seen = state.dedupCon.get(key);
    if (seen) {
      effects.push({ kind: "drop", peer, reason: "duplicate", detail: `mid ${m.messageId}` });
      if (seen.reply) effects.push({ kind: "send", peer, bytes: seen.reply });
      else {
        const pending = state.servers.get(seen.exchangeId);
        if (pending) sendEmptyAck(state, pending, effects);
      }
      return;
    }
    remember(state, key, {
      expiresAtMs: nowMs + exchangeLifetimeMs(state.params),
      reply: null,
      exchangeId: state.nextExchangeId, // the id onRequest is about to give this exchange
    });
  } else {
    if (state.dedupNon.has(key)) {
      effects.push({ kind: "drop", peer, reason: "duplicate", detail: `mid ${m.messageId}` });
      return;
    }
    state.dedupNon.set(key, nowMs + nonLifetimeMs(state.params));
  }
  scheduleSweep(state, nowMs);
  onRequest(state, peer, m, nowMs, effects);
}

/** Adds a dedup entry, forgetting the oldest one when the table is full (bounded memory). */
function remember(state: CoapState, key: number, entry: DedupEntry): void {
  if (state.dedupCon.size >= state.params.maxDedupEntries) {
    const oldest = state.dedupCon.keys().next().value;
    if (oldest !== undefined) state.dedupCon.delete(oldest);
    state.dedupEvictions++;
  }
  state.dedupCon.set(key, entry);
}

function onResponseMessage(
  state: CoapState,
  peer: Peer,
  m: CoapMessage,
  nowMs: number,
  effects: CoapEffect[],
) {
  if (m.type === TYPE_RST) {
    effects.push({ kind: "drop", peer, reason: "malformed", detail: "response in RST" });
    return;
  }
  if (m.type === TYPE_ACK) {
    const key = transmissionKey(peer, m.messageId);
    const t = state.transmissions.get(key);
    const x = t?.owner.kind === "request" ? state.clients.get(t.owner.requestId) : undefined;
    if (!t || !x || exchangeForToken(state, peer, m.token) !== x) {
      effects.push({ kind: "drop", peer, reason: "unexpected-ack", detail: `mid ${m.messageId}` });
      return;
    }
    state.transmissions.delete(key);
    if (rejectUnknownCritical(state, peer, m, effects)) return;
    onResponse(state, x, m, nowMs, effects);
    return;
  }
  // A separate response or notification (CON or NON): matched by token (RFC 7252 §5.3.2).
  // Deduplication comes first (RFC 7252 §4.5): a retransmitted CON response whose exchange has
  // already completed (our ACK was lost) gets the same ACK again, not an RST for its token.
  const key = dedupKey(state, peer, m.messageId);
  if (m.type === TYPE_CON) {
    const seen = state.dedupCon.get(key);
    if (seen) {
      if (seen.reply) effects.push({ kind: "send", peer, bytes: seen.reply });
      effects.push({ kind: "drop", peer, reason: "duplicate", detail: `mid ${m.messageId}` });
      return;
    }
  }
  const x = exchangeForToken(state, peer, m.token);
  if (!x) {
    emitEmpty(state, peer, TYPE_RST, m.messageId, effects);
    effects.push({ kind: "drop", peer, reason: "unknown-token" });
    return;
  }
  if (rejectUnknownCritical(state, peer, m, effects)) return;
  if (m.type === TYPE_CON) {
    const ack = emitEmpty(state, peer, TYPE_ACK, m.messageId, effects);
    remember(state, key, {
      expiresAtMs: nowMs + exchangeLifetimeMs(state.params),
      reply: ack,
      exchangeId: 0,
    });
    scheduleSweep(state, nowMs);
  }
  onResponse(state, x, m, nowMs, effects);
}

/** A response with a critical option we do not know is rejected (RFC 7252 §5.4.1). */
function rejectUnknownCritical(
  state: CoapState,
  peer: Peer,
  m: CoapMessage,
  effects: CoapEffect[],
): boolean {
  const unknown = firstUnknownCritical(m.options, KNOWN_CRITICAL_RESPONSE_OPTIONS);
  if (unknown === undefined) return false;
  if (m.type === TYPE_CON) emitEmpty(state, peer, TYPE_RST, m.messageId, effects);
  effects.push({
    kind: "drop",
    peer,
    reason: "unknown-critical-option",
    detail: `option ${unknown}`,
  });
  return true;
}

/** Runs every deadline due at `nowMs`: retransmissions, separate ACKs, timeouts, sweeps. */
export function tick(state: CoapState, nowMs: number): CoapEffect[] {
  const effects: CoapEffect[] = [];
  for (let d = state.timers.popDue(nowMs); d; d = state.timers.popDue(nowMs)) {
    if (d.kind === "retransmit") {
      const givenUp = retransmitDue(state, d.key, nowMs, effects);
      if (givenUp) onGiveUp(state, givenUp, nowMs, effects);
    } else if (d.kind === "request") requestDeadline(state, d.key, nowMs, effects);
    else sweep(state, nowMs);
  }
  for (let s = pendingSeparate(state); s && s.atMs <= nowMs; s = pendingSeparate(state)) {
    state.separateHead++;
    separateDue(state, s.exchangeId, effects);
  }
  return effects;
}

function onGiveUp(state: CoapState, t: Transmission, nowMs: number, effects: CoapEffect[]): void {
  if (t.owner.kind === "request") {
    endExchange(state, t.owner.requestId, { kind: "timeout" }, "timeout", nowMs, effects);
  } else if (t.owner.kind === "notification") {
    removeObserver(state, t.owner.observerId, "timeout", effects);
  }
}

function sweep(state: CoapState, nowMs: number): void {
  state.sweepArmed = false;
  for (const [key, entry] of state.dedupCon) {
    if (entry.expiresAtMs > nowMs) break;
    state.dedupCon.delete(key);
  }
  for (const [key, expiresAtMs] of state.dedupNon) {
    if (expiresAtMs > nowMs) break;
    state.dedupNon.delete(key);
  }
  for (const [key, entry] of state.nonNotifications) {
    if (entry.expiresAtMs > nowMs) break;
    state.nonNotifications.delete(key);
  }
  for (const [key, a] of state.block1) if (a.expiresAtMs <= nowMs) state.block1.delete(key);
  for (const [key, c] of state.block2) if (c.expiresAtMs <= nowMs) state.block2.delete(key);
  const pending = state.dedupCon.size + state.dedupNon.size + state.nonNotifications.size +
    state.block1.size +
    state.block2.size;
  if (pending > 0) {
    state.sweepArmed = true;
    state.timers.push({ atMs: nowMs + SWEEP_INTERVAL_MS, kind: "sweep", key: "" });
  }
}
