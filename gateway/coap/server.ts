/**
 * Server role of the CoAP core: incoming requests routed by Uri-Path, piggybacked or separate
 * responses (RFC 7252 §5.2), 4.02 for unknown critical options, Block1 assembly and Block2 serving
 * (RFC 7959 §2.3-§2.4), and the observed role of Observe (RFC 7641 §3-§4).
 */

import type { CoapMessage, CoapOption } from "../../codec-wasm/types.ts";
import { OPTION } from "../../codec-wasm/coap_registry.ts";
import { blockSize } from "../../codec-wasm/values.ts";
import { exchangeLifetimeMs, OBSERVE_SEQUENCE_MODULO } from "./params.ts";
import type { CoapEffect, CoapState, OutgoingResponse, Peer, ServerExchange } from "./state.ts";
import { dedupKey, nextMessageId } from "./state.ts";
import { emit, emitConfirmable, emitEmpty, TYPE_ACK, TYPE_CON, TYPE_NON } from "./transmit.ts";
import {
  blockOption,
  blockValue,
  firstUnknownCritical,
  isSuccess,
  KNOWN_CRITICAL_REQUEST_OPTIONS,
  resourceKey,
  tokenKey,
  uintOption,
  uintOptionOf,
  uriPath,
  withoutOptions,
} from "./wire.ts";

export const COAP_231_CONTINUE = 95;
export const COAP_402_BAD_OPTION = 130;
export const COAP_404_NOT_FOUND = 132;
export const COAP_408_REQUEST_ENTITY_INCOMPLETE = 136;
export const COAP_413_REQUEST_ENTITY_TOO_LARGE = 141;
export const COAP_505_PROXYING_NOT_SUPPORTED = 165;
const EMPTY = new Uint8Array(0);

function cacheKey(peer: Peer, request: CoapMessage): string {
  return `${peer}|${resourceKey(request)}`;
}

/** Handles a new (non-duplicate) request: answers it at once or hands it to the application. */
export function onRequest(
  state: CoapState,
  peer: Peer,
  request: CoapMessage,
  nowMs: number,
  effects: CoapEffect[],
): void {
  const exchange: ServerExchange = {
    exchangeId: state.nextExchangeId++,
    peer,
    messageId: request.messageId,
    token: request.token,
    confirmable: request.type === TYPE_CON,
    ackSent: false,
    request,
    dedupKey: dedupKey(state, peer, request.messageId),
    observe: null,
    block2Szx: null,
    block1Echo: null,
  };
  const unknown = firstUnknownCritical(request.options, KNOWN_CRITICAL_REQUEST_OPTIONS);
  if (unknown !== undefined) {
    const proxy = unknown === OPTION.PROXY_URI || unknown === OPTION.PROXY_SCHEME;
    effects.push({
      kind: "drop",
      peer,
      reason: "unknown-critical-option",
      detail: `option ${unknown}`,
    });
    reply(
      state,
      exchange,
      { code: proxy ? COAP_505_PROXYING_NOT_SUPPORTED : COAP_402_BAD_OPTION },
      nowMs,
      effects,
    );
    return;
  }
  const path = uriPath(request);
  if (!state.routes.has("*") && !state.routes.has(path[0] ?? "")) {
    reply(state, exchange, { code: COAP_404_NOT_FOUND }, nowMs, effects);
    return;
  }
  const block2 = blockOption(request.options, OPTION.BLOCK2);
  const block1 = blockOption(request.options, OPTION.BLOCK1);
  if (block2 === null || block1 === null) {
    effects.push({ kind: "drop", peer, reason: "bad-block", detail: "malformed block option" });
    reply(state, exchange, { code: 128 }, nowMs, effects);
    return;
  }
  if (block2) {
    exchange.block2Szx = block2.szx;
    const cached = state.block2.get(cacheKey(peer, request));
    if (cached && block2.num > 0) {
      cached.expiresAtMs = nowMs + exchangeLifetimeMs(state.params);
      reply(state, exchange, cached.response, nowMs, effects);
      return;
    }
  }
  if (block1) {
    const body = assembleBlock1(state, exchange, block1, nowMs, effects);
    if (!body) return;
    exchange.request = {
      ...request,
      options: withoutOptions(request.options, OPTION.BLOCK1, OPTION.SIZE1),
      payload: body,
    };
  }
  const observe = uintOption(request.options, OPTION.OBSERVE);
  if (request.code === 1 || request.code === 5) {
    exchange.observe = observe === 0 ? 0 : observe === 1 ? 1 : null;
  }
  state.servers.set(exchange.exchangeId, exchange);
  if (exchange.confirmable) {
    state.separateQueue.push({
      atMs: nowMs + state.params.separateResponseAfterMs,
      exchangeId: exchange.exchangeId,
    });
  }
  effects.push({
    kind: "request",
    exchangeId: exchange.exchangeId,
    peer,
    request: exchange.request,
    observe: exchange.observe,
  });
}

/** Collects a Block1 block; returns the whole body after the last block, else null. */
function assembleBlock1(
  state: CoapState,
  exchange: ServerExchange,
  block: { num: number; more: boolean; szx: number },
  nowMs: number,
  effects: CoapEffect[],
): Uint8Array | null {
  const { request, peer } = exchange;
  const key = cacheKey(peer, request);
  const max = state.params.maxBodyBytes;
  const size1 = uintOption(request.options, OPTION.SIZE1);
  const tooLarge = () => {
    state.block1.delete(key);
    reply(
      state,
      exchange,
      { code: COAP_413_REQUEST_ENTITY_TOO_LARGE, options: [uintOptionOf(OPTION.SIZE1, max)] },
      nowMs,
      effects,
    );
    return null;
  };
  if (size1 !== undefined && size1 > max) return tooLarge();
  let a = state.block1.get(key);
  if (block.num === 0) {
    a = { parts: [], received: 0, nextNum: 0, szx: block.szx, expiresAtMs: 0 };
    state.block1.set(key, a);
  }
  const offset = block.num * blockSize(block.szx);
  if (
    !a || offset !== a.received || (block.more && request.payload.length !== blockSize(block.szx))
  ) {
    state.block1.delete(key);
    reply(state, exchange, { code: COAP_408_REQUEST_ENTITY_INCOMPLETE }, nowMs, effects);
    return null;
  }
  if (a.received + request.payload.length > max) return tooLarge();
  a.parts.push(request.payload);
  a.received += request.payload.length;
  a.expiresAtMs = nowMs + exchangeLifetimeMs(state.params);
  scheduleSweep(state, nowMs);
  if (block.more) {
    reply(
      state,
      exchange,
      {
        code: COAP_231_CONTINUE,
        options: [{ number: OPTION.BLOCK1, value: blockValue(block.num, true, block.szx) }],
      },
      nowMs,
      effects,
    );
    return null;
  }
  state.block1.delete(key);
  exchange.block1Echo = blockValue(block.num, false, block.szx);
  const body = new Uint8Array(a.received);
  let at = 0;
  for (const part of a.parts) {
    body.set(part, at);
    at += part.length;
  }
  return body;
}

/** The application's response to request `exchangeId` (ignored when the exchange is gone). */
export function respond(
  state: CoapState,
  exchangeId: number,
  response: OutgoingResponse,
  nowMs: number,
): CoapEffect[] {
  const effects: CoapEffect[] = [];
  const exchange = state.servers.get(exchangeId);
  if (!exchange) return effects;
  state.servers.delete(exchangeId);
  let options = response.options ?? [];
  if (exchange.block1Echo) {
    options = [...options, { number: OPTION.BLOCK1, value: exchange.block1Echo }];
  }
  if (exchange.observe === 0 && isSuccess(response.code)) {
    const observer = addObserver(state, exchange, effects);
    options = [...options, uintOptionOf(OPTION.OBSERVE, observer.sequence)];
  } else if (exchange.observe !== null) {
    removeObserverByToken(state, exchange.peer, exchange.token, "deregistered", effects);
  }
  reply(state, exchange, { ...response, options }, nowMs, effects);
  return effects;
}

/**
 * Sends a response: the requested Block2 block when the body is larger than one block, as a
 * piggybacked ACK, a separate CON (after an empty ACK) or a NON; records it for dedup replay.
 */
function reply(
  state: CoapState,
  exchange: ServerExchange,
  response: OutgoingResponse,
  nowMs: number,
  effects: CoapEffect[],
): void {
  const { options, payload } = blockwise(
    state,
    exchange.peer,
    exchange.request,
    exchange.block2Szx,
    response,
    nowMs,
  );
  const message: CoapMessage = {
    type: exchange.confirmable ? (exchange.ackSent ? TYPE_CON : TYPE_ACK) : TYPE_NON,
    code: response.code,
    messageId: exchange.confirmable && !exchange.ackSent
      ? exchange.messageId
      : nextMessageId(state, exchange.peer),
    token: exchange.token,
    options,
    payload,
  };
  if (message.type === TYPE_CON) {
    emitConfirmable(state, exchange.peer, message, { kind: "response" }, nowMs, effects);
    return;
  }
  const bytes = emit(state, exchange.peer, message, effects);
  if (message.type === TYPE_ACK) {
    const entry = state.dedupCon.get(exchange.dedupKey);
    if (entry) entry.reply = bytes;
  }
}

/** Cuts the Block2 block to send from a response body, caching the body for follow-ups. */
function blockwise(
  state: CoapState,
  peer: Peer,
  request: CoapMessage,
  requestedSzx: number | null,
  response: OutgoingResponse,
  nowMs: number,
): { options: CoapOption[]; payload: Uint8Array } {
  const body = response.payload ?? EMPTY;
  const options = response.options ?? [];
  const szx = Math.min(requestedSzx ?? state.params.blockSzx, state.params.blockSzx);
  const size = blockSize(szx);
  const requested = blockOption(request.options, OPTION.BLOCK2);
  if (body.length <= size && !requested) return { options, payload: body };
  const num = requested ? Math.floor((requested.num * blockSize(requested.szx)) / size) : 0;
  const start = num * size;
  if (start >= body.length && body.length > 0) {
    return {
      options: [{ number: OPTION.BLOCK2, value: blockValue(num, false, szx) }],
      payload: EMPTY,
    };
  }
  const end = Math.min(start + size, body.length);
  const more = end < body.length;
  const key = cacheKey(peer, request);
  if (more) {
    state.block2.set(key, {
      response,
      body,
      expiresAtMs: nowMs + exchangeLifetimeMs(state.params),
    });
    scheduleSweep(state, nowMs);
  } else state.block2.delete(key);
  const extra: CoapOption[] = [{ number: OPTION.BLOCK2, value: blockValue(num, more, szx) }];
  if (num === 0) extra.push(uintOptionOf(OPTION.SIZE2, body.length));
  const kept = num === 0 ? options : withoutOptions(options, OPTION.OBSERVE);
  return { options: [...kept, ...extra], payload: body.subarray(start, end) };
}

/** Separate-response timer: the handler is slow, so acknowledge the CON now (RFC 7252 §5.2.2). */
export function separateDue(state: CoapState, exchangeId: number, effects: CoapEffect[]): void {
  const exchange = state.servers.get(exchangeId);
  if (!exchange || exchange.ackSent || !exchange.confirmable) return;
  sendEmptyAck(state, exchange, effects);
}

/** Acknowledges a pending request with an empty ACK (also replayed to duplicates). */
export function sendEmptyAck(
  state: CoapState,
  exchange: ServerExchange,
  effects: CoapEffect[],
): void {
  exchange.ackSent = true;
  const bytes = emitEmpty(state, exchange.peer, TYPE_ACK, exchange.messageId, effects);
  const entry = state.dedupCon.get(exchange.dedupKey);
  if (entry) entry.reply = bytes;
}

function addObserver(state: CoapState, exchange: ServerExchange, effects: CoapEffect[]) {
  const key = `${exchange.peer}|${tokenKey(exchange.token)}`;
  const existing = state.observerTokens.get(key);
  if (existing !== undefined) {
    const o = state.observers.get(existing)!;
    o.request = exchange.request;
    return o;
  }
  const observer = {
    observerId: state.nextObserverId++,
    peer: exchange.peer,
    token: exchange.token.slice(),
    request: exchange.request,
    sequence: 2,
  };
  state.observers.set(observer.observerId, observer);
  state.observerTokens.set(key, observer.observerId);
  effects.push({
    kind: "observerAdded",
    observerId: observer.observerId,
    peer: exchange.peer,
    request: exchange.request,
  });
  return observer;
}

export function removeObserver(
  state: CoapState,
  observerId: number,
  reason: string,
  effects: CoapEffect[],
): void {
  const o = state.observers.get(observerId);
  if (!o) return;
  state.observers.delete(observerId);
  state.observerTokens.delete(`${o.peer}|${tokenKey(o.token)}`);
  effects.push({ kind: "observerRemoved", observerId, peer: o.peer, reason });
}

function removeObserverByToken(
  state: CoapState,
  peer: Peer,
  token: Uint8Array,
  reason: string,
  effects: CoapEffect[],
) {
  const id = state.observerTokens.get(`${peer}|${tokenKey(token)}`);
  if (id !== undefined) removeObserver(state, id, reason, effects);
}

/**
 * Observed role: sends a notification to an observer with the next sequence number (24-bit).
 * An error code ends the observation (RFC 7641 §4.2). Large bodies go out block-wise.
 */
export function notify(
  state: CoapState,
  observerId: number,
  response: OutgoingResponse,
  confirmable: boolean,
  nowMs: number,
): CoapEffect[] {
  const effects: CoapEffect[] = [];
  const o = state.observers.get(observerId);
  if (!o) return effects;
  const success = isSuccess(response.code);
  o.sequence = (o.sequence + 1) % OBSERVE_SEQUENCE_MODULO;
  const options = success
    ? [...(response.options ?? []), uintOptionOf(OPTION.OBSERVE, o.sequence)]
    : response.options ?? [];
  const block = blockwise(state, o.peer, o.request, null, { ...response, options }, nowMs);
  const message: CoapMessage = {
    type: confirmable ? TYPE_CON : TYPE_NON,
    code: response.code,
    messageId: nextMessageId(state, o.peer),
    token: o.token,
    options: block.options,
    payload: block.payload,
  };
  if (confirmable) {
    emitConfirmable(state, o.peer, message, { kind: "notification", observerId }, nowMs, effects);
  } else {
    emit(state, o.peer, message, effects);
    state.nonNotifications.set(`${o.peer}|${message.messageId}`, {
      observerId,
      expiresAtMs: nowMs + exchangeLifetimeMs(state.params),
    });
    scheduleSweep(state, nowMs);
  }
  if (!success) removeObserver(state, observerId, `error response ${response.code}`, effects);
  return effects;
}

/** Arms the periodic sweep of expired dedup and block-wise entries if it is not armed. */
export function scheduleSweep(state: CoapState, nowMs: number): void {
  if (state.sweepArmed) return;
  state.sweepArmed = true;
  state.timers.push({ atMs: nowMs + SWEEP_INTERVAL_MS, kind: "sweep", key: "" });
}

export const SWEEP_INTERVAL_MS = 10_000;
