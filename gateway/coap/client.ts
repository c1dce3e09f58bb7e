/**
 * Client role of the CoAP core: outgoing requests with NSTART queueing per peer (RFC 7252 §4.7),
 * token matching, deadlines, Block1 sending and Block2 reassembly (RFC 7959 §2.3-§2.5), and the
 * observer side of Observe with the freshness rule (RFC 7641 §3.2-§3.6).
 */

import type { CoapMessage, CoapOption } from "../../codec-wasm/types.ts";
import { OPTION } from "../../codec-wasm/coap_registry.ts";
import { blockSize } from "../../codec-wasm/values.ts";
import type {
  ClientExchange,
  CoapEffect,
  CoapState,
  OutgoingRequest,
  Peer,
  RequestResult,
} from "./state.ts";
import { nextMessageId, peerState } from "./state.ts";
import { emit, emitConfirmable, transmissionKey, TYPE_CON, TYPE_NON } from "./transmit.ts";
import {
  blockOption,
  blockValue,
  isSuccess,
  tokenKey,
  uintOption,
  uintOptionOf,
  withoutOptions,
} from "./wire.ts";
import { isFresh } from "./freshness.ts";

const EMPTY = new Uint8Array(0);
const COAP_231_CONTINUE = 95;

export interface RequestOptions {
  observe?: boolean;
  timeoutMs?: number;
}

function indexKey(peer: Peer, key: string): string {
  return `${peer}|${key}`;
}

/** Queues or sends a request; its result arrives as a `response` effect with `requestId`. */
export function sendRequest(
  state: CoapState,
  requestId: string,
  peer: Peer,
  request: OutgoingRequest,
  options: RequestOptions,
  nowMs: number,
): CoapEffect[] {
  const effects: CoapEffect[] = [];
  if (state.clients.has(requestId)) throw new Error(`duplicate requestId ${requestId}`);
  const timeoutMs = options.timeoutMs ?? state.params.requestTimeoutMs;
  const x: ClientExchange = {
    requestId,
    peer,
    request,
    observe: options.observe ?? false,
    timeoutMs,
    deadlineMs: nowMs + timeoutMs,
    state: "queued",
    tokenKey: "",
    observeTokenKey: null,
    messageId: -1,
    holdsSlot: false,
    lastSequence: -1,
    lastNotificationMs: 0,
    block1: null,
    block2: null,
  };
  state.clients.set(requestId, x);
  state.timers.push({ atMs: x.deadlineMs, kind: "request", key: requestId });
  const p = peerState(state, peer);
  if (request.confirmable === false) {
    start(state, x, nowMs, effects);
  } else if (p.outstanding < state.params.nstart) {
    p.outstanding++;
    x.holdsSlot = true;
    start(state, x, nowMs, effects);
  } else {
    p.queue.push(requestId);
  }
  return effects;
}

function start(state: CoapState, x: ClientExchange, nowMs: number, effects: CoapEffect[]): void {
  const token = state.ids.token(state.params.tokenLength);
  const extra: CoapOption[] = [];
  if (x.observe) {
    extra.push({ number: OPTION.OBSERVE, value: EMPTY });
    x.observeTokenKey = tokenKey(token);
  }
  const body = x.request.payload ?? EMPTY;
  let payload = body;
  const szx = state.params.blockSzx;
  if (body.length > blockSize(szx)) {
    x.block1 = { num: 0, szx };
    payload = body.subarray(0, blockSize(szx));
    extra.push({ number: OPTION.BLOCK1, value: blockValue(0, true, szx) });
    extra.push(uintOptionOf(OPTION.SIZE1, body.length));
  }
  transmit(state, x, token, [...x.request.options, ...extra], payload, nowMs, effects);
}

/** Sends one message of the exchange under a token (a fresh message id each time). */
function transmit(
  state: CoapState,
  x: ClientExchange,
  token: Uint8Array,
  options: CoapOption[],
  payload: Uint8Array,
  nowMs: number,
  effects: CoapEffect[],
): void {
  const key = tokenKey(token);
  if (x.tokenKey && x.tokenKey !== x.observeTokenKey) {
    state.clientTokens.delete(indexKey(x.peer, x.tokenKey));
  }
  x.tokenKey = key;
  state.clientTokens.set(indexKey(x.peer, key), x.requestId);
  x.messageId = nextMessageId(state, x.peer);
  if (x.state !== "observing") x.state = "sent";
  const confirmable = x.request.confirmable !== false;
  const message: CoapMessage = {
    type: confirmable ? TYPE_CON : TYPE_NON,
    code: x.request.code,
    messageId: x.messageId,
    token,
    options,
    payload,
  };
  if (confirmable) {
    emitConfirmable(
      state,
      x.peer,
      message,
      { kind: "request", requestId: x.requestId },
      nowMs,
      effects,
    );
  } else emit(state, x.peer, message, effects);
}

/** The exchange's message was acknowledged (empty ACK): no longer outstanding (RFC 7252 §4.7). */
export function onRequestAcked(
  state: CoapState,
  x: ClientExchange,
  nowMs: number,
  effects: CoapEffect[],
): void {
  if (x.state === "sent") x.state = "acked";
  releaseSlot(state, x, nowMs, effects);
}

function releaseSlot(
  state: CoapState,
  x: ClientExchange,
  nowMs: number,
  effects: CoapEffect[],
): void {
  if (!x.holdsSlot) return;
  x.holdsSlot = false;
  const p = peerState(state, x.peer);
  p.outstanding--;
  while (p.outstanding < state.params.nstart && p.queue.length > 0) {
    const next = state.clients.get(p.queue.shift()!);
    if (!next) continue;
    p.outstanding++;
    next.holdsSlot = true;
    start(state, next, nowMs, effects);
  }
}

/** Removes the exchange and all its indexes; emits its final result unless `result` is null. */
export function finish(
  state: CoapState,
  x: ClientExchange,
  result: RequestResult | null,
  nowMs: number,
  effects: CoapEffect[],
): void {
  if (!state.clients.delete(x.requestId)) return;
  state.clientTokens.delete(indexKey(x.peer, x.tokenKey));
  if (x.observeTokenKey) state.clientTokens.delete(indexKey(x.peer, x.observeTokenKey));
  if (x.messageId >= 0) state.transmissions.delete(transmissionKey(x.peer, x.messageId));
  if (x.state === "queued") {
    const q = peerState(state, x.peer).queue;
    const i = q.indexOf(x.requestId);
    if (i >= 0) q.splice(i, 1);
  }
  releaseSlot(state, x, nowMs, effects);
  if (result) effects.push({ kind: "response", requestId: x.requestId, peer: x.peer, result });
}

/** Looks up the exchange a response or notification with `token` from `peer` belongs to. */
export function exchangeForToken(
  state: CoapState,
  peer: Peer,
  token: Uint8Array,
): ClientExchange | undefined {
  const id = state.clientTokens.get(indexKey(peer, tokenKey(token)));
  return id === undefined ? undefined : state.clients.get(id);
}

/** Handles a response (piggybacked or separate) or a notification matched to exchange `x`. */
export function onResponse(
  state: CoapState,
  x: ClientExchange,
  response: CoapMessage,
  nowMs: number,
  effects: CoapEffect[],
): void {
  // The NSTART slot is released when the exchange completes or becomes an observation, not
  // here: a block-wise transfer keeps it while it sends its next block (RFC 7252 §4.7).
  const isNotificationToken = x.observeTokenKey !== null &&
    tokenKey(response.token) === x.observeTokenKey;
  if (x.state === "observing" && isNotificationToken) {
    onNotification(state, x, response, nowMs, effects);
    return;
  }
  if (x.block1 && continueBlock1(state, x, response, nowMs, effects)) return;
  const block2 = blockOption(response.options, OPTION.BLOCK2);
  if (block2 === null) {
    finish(state, x, { kind: "failed", reason: "malformed Block2 option" }, nowMs, effects);
    return;
  }
  if (block2 && isSuccess(response.code) && (block2.more || x.block2)) {
    const notification = x.block2?.notification ?? false;
    if (
      !collectBlock2(
        state,
        x,
        response,
        block2.num,
        block2.more,
        block2.szx,
        notification,
        nowMs,
        effects,
      )
    ) return;
    response = assembled(x);
    if (notification) {
      state.clientTokens.delete(indexKey(x.peer, x.tokenKey));
      x.tokenKey = x.observeTokenKey!;
      effects.push({ kind: "notification", requestId: x.requestId, peer: x.peer, response });
      return;
    }
  }
  complete(state, x, response, nowMs, effects);
}

function complete(
  state: CoapState,
  x: ClientExchange,
  response: CoapMessage,
  nowMs: number,
  effects: CoapEffect[],
) {
  const observeSeq = uintOption(response.options, OPTION.OBSERVE);
  if (x.observe && observeSeq !== undefined && isSuccess(response.code)) {
    x.state = "observing";
    x.lastSequence = observeSeq;
    x.lastNotificationMs = nowMs;
    x.block1 = null;
    if (x.tokenKey !== x.observeTokenKey) {
      state.clientTokens.delete(indexKey(x.peer, x.tokenKey));
      x.tokenKey = x.observeTokenKey!;
    }
    state.transmissions.delete(transmissionKey(x.peer, x.messageId));
    releaseSlot(state, x, nowMs, effects);
    effects.push({
      kind: "response",
      requestId: x.requestId,
      peer: x.peer,
      result: { kind: "response", response },
    });
    return;
  }
  finish(state, x, { kind: "response", response }, nowMs, effects);
}

function onNotification(
  state: CoapState,
  x: ClientExchange,
  n: CoapMessage,
  nowMs: number,
  effects: CoapEffect[],
) {
  const seq = uintOption(n.options, OPTION.OBSERVE);
  if (seq === undefined || !isSuccess(n.code)) {
    effects.push({ kind: "notification", requestId: x.requestId, peer: x.peer, response: n });
    const reason = seq === undefined ? "notification without Observe" : `error response ${n.code}`;
    effects.push({ kind: "observationEnded", requestId: x.requestId, peer: x.peer, reason });
    finish(state, x, null, nowMs, effects);
    return;
  }
  if (!isFresh(x.lastSequence, x.lastNotificationMs, seq, nowMs)) {
    effects.push({
      kind: "drop",
      peer: x.peer,
      reason: "stale-notification",
      detail: `seq ${seq}`,
    });
    return;
  }
  x.lastSequence = seq;
  x.lastNotificationMs = nowMs;
  const block2 = blockOption(n.options, OPTION.BLOCK2);
  if (block2 && block2.more) {
    // RFC 7959 §2.6: the rest of the notification's body is fetched with plain GETs.
    x.block2 = null;
    collectBlock2(state, x, n, block2.num, true, block2.szx, true, nowMs, effects);
    return;
  }
  effects.push({ kind: "notification", requestId: x.requestId, peer: x.peer, response: n });
}

/** Sends the next Block1 block if the response asks for it; true when it did. */
function continueBlock1(
  state: CoapState,
  x: ClientExchange,
  r: CoapMessage,
  nowMs: number,
  effects: CoapEffect[],
) {
  const b1 = x.block1!;
  const body = x.request.payload!;
  const echo = blockOption(r.options, OPTION.BLOCK1);
  const sentEnd = Math.min((b1.num + 1) * blockSize(b1.szx), body.length);
  if (sentEnd >= body.length) {
    x.block1 = null;
    return false;
  }
  if (r.code !== COAP_231_CONTINUE && !isSuccess(r.code)) {
    x.block1 = null;
    return false;
  }
  // The server may ask for smaller blocks (RFC 7959 §2.5): continue at the same byte offset.
  const szx = echo && echo.szx < b1.szx ? echo.szx : b1.szx;
  const num = sentEnd / blockSize(szx);
  if (!Number.isInteger(num)) {
    finish(
      state,
      x,
      { kind: "failed", reason: "Block1 size change not on a block boundary" },
      nowMs,
      effects,
    );
    return true;
  }
  const end = Math.min(sentEnd + blockSize(szx), body.length);
  x.block1 = { num, szx };
  const options = [
    ...x.request.options,
    { number: OPTION.BLOCK1, value: blockValue(num, end < body.length, szx) },
  ];
  transmit(
    state,
    x,
    followUpToken(state, x),
    options,
    body.subarray(sentEnd, end),
    nowMs,
    effects,
  );
  return true;
}

/**
 * Adds a Block2 block to the reassembly and requests the next one. Returns true when the body is
 * complete (then `assembled(x)` gives the response).
 */
function collectBlock2(
  state: CoapState,
  x: ClientExchange,
  r: CoapMessage,
  num: number,
  more: boolean,
  szx: number,
  notification: boolean,
  nowMs: number,
  effects: CoapEffect[],
): boolean {
  const size = blockSize(szx);
  if (!x.block2) {
    if (num !== 0) {
      finish(
        state,
        x,
        { kind: "failed", reason: "Block2 did not start at block 0" },
        nowMs,
        effects,
      );
      return false;
    }
    x.block2 = { parts: [], received: 0, szx, first: r, notification };
  }
  const b = x.block2;
  if (num * size !== b.received || (more && r.payload.length !== size)) {
    finish(state, x, { kind: "failed", reason: "Block2 sequence gap" }, nowMs, effects);
    return false;
  }
  b.parts.push(r.payload);
  b.received += r.payload.length;
  if (b.received > state.params.maxBodyBytes) {
    finish(
      state,
      x,
      { kind: "failed", reason: "response body exceeds maxBodyBytes" },
      nowMs,
      effects,
    );
    return false;
  }
  if (!more) return true;
  const options = [
    ...withoutOptions(
      x.request.options,
      OPTION.OBSERVE,
      OPTION.BLOCK1,
      OPTION.BLOCK2,
      OPTION.SIZE1,
    ),
    { number: OPTION.BLOCK2, value: blockValue(num + 1, false, szx) },
  ];
  transmit(state, x, followUpToken(state, x), options, EMPTY, nowMs, effects);
  return false;
}

function assembled(x: ClientExchange): CoapMessage {
  const b = x.block2!;
  x.block2 = null;
  const body = new Uint8Array(b.received);
  let at = 0;
  for (const part of b.parts) {
    body.set(part, at);
    at += part.length;
  }
  return { ...b.first, payload: body };
}

/** Deadline of an exchange reached: time out unless it became an observation. */
export function requestDeadline(
  state: CoapState,
  requestId: string,
  nowMs: number,
  effects: CoapEffect[],
): void {
  const x = state.clients.get(requestId);
  if (!x || x.state === "observing" || x.deadlineMs > nowMs) return;
  finish(state, x, { kind: "timeout" }, nowMs, effects);
}

/**
 * Cancels a request or an observation. With `cancelRequestId`, an observation is cancelled
 * actively: a GET with Observe=1 and the same token goes out (RFC 7641 §3.6) and its response
 * completes `cancelRequestId`. Without it the observation is forgotten (the next notification
 * gets RST).
 */
export function cancelRequest(
  state: CoapState,
  requestId: string,
  nowMs: number,
  cancelRequestId?: string,
): CoapEffect[] {
  const effects: CoapEffect[] = [];
  const x = state.clients.get(requestId);
  if (!x) return effects;
  const wasObserving = x.state === "observing";
  finish(state, x, wasObserving ? null : { kind: "cancelled" }, nowMs, effects);
  if (wasObserving) {
    effects.push({ kind: "observationEnded", requestId, peer: x.peer, reason: "cancelled" });
    if (cancelRequestId !== undefined) {
      const options = [
        ...withoutOptions(x.request.options, OPTION.OBSERVE),
        { number: OPTION.OBSERVE, value: new Uint8Array([1]) },
      ];
      const cancel: ClientExchange = {
        ...x,
        requestId: cancelRequestId,
        // Cancel Observation-Composite repeats the same path list (lwm2m-interfaces.md §5).
        request: { ...x.request, options },
        observe: false,
        observeTokenKey: null,
        deadlineMs: nowMs + x.timeoutMs,
        holdsSlot: false,
        block1: null,
        block2: null,
      };
      state.clients.set(cancelRequestId, cancel);
      state.timers.push({ atMs: cancel.deadlineMs, kind: "request", key: cancelRequestId });
      transmit(
        state,
        cancel,
        hexToBytes(x.observeTokenKey!),
        options,
        x.request.payload ?? EMPTY,
        nowMs,
        effects,
      );
    }
  }
  return effects;
}

/**
 * Re-creates an established observation after a restart of this process, so the peer's next
 * notifications (same token) are accepted instead of answered with RST.
 */
export function restoreObservation(
  state: CoapState,
  requestId: string,
  peer: Peer,
  observeTokenKey: string,
  request: OutgoingRequest,
): void {
  state.clients.set(requestId, {
    requestId,
    peer,
    request,
    observe: true,
    timeoutMs: state.params.requestTimeoutMs,
    deadlineMs: 0,
    state: "observing",
    tokenKey: observeTokenKey,
    observeTokenKey,
    messageId: -1,
    holdsSlot: false,
    lastSequence: -1,
    lastNotificationMs: 0,
    block1: null,
    block2: null,
  });
  state.clientTokens.set(indexKey(peer, observeTokenKey), requestId);
}

/**
 * The token of a block-wise follow-up request. RFC 7959 leaves tokens free; we keep the request's
 * token, since peers such as node-coap (and Zephyr's LwM2M engine) key their block reassembly on
 * it. An observation's follow-ups (plain GETs, RFC 7959 §2.6) get fresh tokens, so that the
 * observation's token is used by notifications only.
 */
function followUpToken(state: CoapState, x: ClientExchange): Uint8Array {
  return x.observe ? state.ids.token(state.params.tokenLength) : hexToBytes(x.tokenKey);
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
