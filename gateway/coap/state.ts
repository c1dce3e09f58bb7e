/**
 * State, inputs and effects of the sans-IO CoAP core (DESIGN.md §2; RFC 7252, 7641, 7959).
 * The core is a set of plain functions that mutate this state and return effects as data; they
 * never touch sockets, timers, the clock or randomness: time comes in as `nowMs` and randomness
 * from the injected `CoapIds`. The shell (gateway/coap_engine.ts) executes the effects in order.
 */

import type { Codec } from "../../codec-wasm/mod.ts";
import type { CoapMessage, CoapOption } from "../../codec-wasm/types.ts";
import { type CoapParams, DEFAULT_PARAMS } from "./params.ts";
import { DeadlineHeap } from "./timers.ts";

/** A peer is an opaque transport address ("ip:port", or a DTLS session key). */
export type Peer = string;

/** Injected sources of unpredictability (tests pass deterministic ones). */
export interface CoapIds {
  /** Fresh unpredictable token bytes of the given length. */
  token(length: number): Uint8Array;
  /** A number in [0, 1) for the ACK_RANDOM_FACTOR jitter and initial message ids. */
  random(): number;
}

/** A request the application sends; the core adds token, message id and block/observe options. */
export interface OutgoingRequest {
  code: number;
  options: CoapOption[];
  payload?: Uint8Array;
  /** CON (default) or NON. */
  confirmable?: boolean;
}

/** A response the application gives to an incoming request. */
export interface OutgoingResponse {
  code: number;
  options?: CoapOption[];
  payload?: Uint8Array;
}

export type RequestResult =
  | { kind: "response"; response: CoapMessage }
  | { kind: "timeout" }
  | { kind: "reset" }
  | { kind: "cancelled" }
  | { kind: "failed"; reason: string };

export type DropReason =
  | "malformed"
  | "bad-version"
  | "duplicate"
  | "unexpected-ack"
  | "unexpected-rst"
  | "unknown-token"
  | "stale-notification"
  | "unknown-critical-option"
  | "bad-block";

export type CoapEffect =
  | { kind: "send"; peer: Peer; bytes: Uint8Array }
  /** An incoming request for the application; answer it with `respond(exchangeId)`. */
  | { kind: "request"; exchangeId: number; peer: Peer; request: CoapMessage; observe: 0 | 1 | null }
  /** The final result of an outgoing request (the first response of an observation). */
  | { kind: "response"; requestId: string; peer: Peer; result: RequestResult }
  /** A fresh notification of an established observation (observer role). */
  | { kind: "notification"; requestId: string; peer: Peer; response: CoapMessage }
  | { kind: "observationEnded"; requestId: string; peer: Peer; reason: string }
  /** Observed role: an observer was added by a successful GET Observe=0, or removed. */
  | { kind: "observerAdded"; observerId: number; peer: Peer; request: CoapMessage }
  | { kind: "observerRemoved"; observerId: number; peer: Peer; reason: string }
  | { kind: "drop"; peer: Peer; reason: DropReason; detail?: string };

/** One of our CON messages awaiting its ACK (RFC 7252 §4.2). */
export interface Transmission {
  peer: Peer;
  messageId: number;
  bytes: Uint8Array;
  retransmissions: number;
  timeoutMs: number;
  dueMs: number;
  owner:
    | { kind: "request"; requestId: string }
    | { kind: "response" }
    | { kind: "notification"; observerId: number };
}

/** An outgoing request (client role), from queueing to its final response or observation end. */
export interface ClientExchange {
  requestId: string;
  peer: Peer;
  request: OutgoingRequest;
  observe: boolean;
  timeoutMs: number;
  deadlineMs: number;
  state: "queued" | "sent" | "acked" | "observing";
  /** Token of the message now in flight (an observation's block follow-ups get fresh tokens). */
  tokenKey: string;
  /** Token of the observation (the first request's), which notifications carry. */
  observeTokenKey: string | null;
  messageId: number;
  holdsSlot: boolean;
  lastSequence: number;
  lastNotificationMs: number;
  /** Block1: the next block to send and its size exponent. */
  block1: { num: number; szx: number } | null;
  /** Block2 reassembly of the response (or of a notification's body). */
  block2: {
    parts: Uint8Array[];
    received: number;
    szx: number;
    first: CoapMessage;
    notification: boolean;
  } | null;
}

/** An incoming request (server role) while the application prepares its response. */
export interface ServerExchange {
  exchangeId: number;
  peer: Peer;
  messageId: number;
  token: Uint8Array;
  confirmable: boolean;
  ackSent: boolean;
  request: CoapMessage;
  /** Key of the request's dedup entry (CON only). */
  dedupKey: number;
  observe: 0 | 1 | null;
  /** Block2 size the requester asked for (early negotiation), if any. */
  block2Szx: number | null;
  /** Block1 option to echo in the final response, when the body came in blocks. */
  block1Echo: Uint8Array | null;
}

export interface DedupEntry {
  expiresAtMs: number;
  /** The reply we sent (ACK or RST), replayed to duplicates; null while the handler runs. */
  reply: Uint8Array | null;
  exchangeId: number;
}

export interface PeerState {
  /** Small number of this peer, for numeric dedup keys (index * 65536 + message id). */
  index: number;
  nextMessageId: number;
  outstanding: number;
  queue: string[];
}

export interface Block1Assembly {
  parts: Uint8Array[];
  received: number;
  nextNum: number;
  szx: number;
  expiresAtMs: number;
}

export interface Block2Cache {
  response: OutgoingResponse;
  body: Uint8Array;
  expiresAtMs: number;
}

export interface Observer {
  observerId: number;
  peer: Peer;
  token: Uint8Array;
  request: CoapMessage;
  sequence: number;
}

export interface CoapState {
  readonly codec: Codec;
  readonly ids: CoapIds;
  readonly params: CoapParams;
  /** First Uri-Path segments served here; "*" serves every path. Others get 4.04. */
  readonly routes: ReadonlySet<string>;
  readonly timers: DeadlineHeap;
  peers: Map<Peer, PeerState>;
  transmissions: Map<string, Transmission>;
  clients: Map<string, ClientExchange>;
  /** `${peer}|${tokenKey}` -> requestId, for matching responses and notifications. */
  clientTokens: Map<string, string>;
  servers: Map<number, ServerExchange>;
  nextExchangeId: number;
  /** Received CONs / NONs by dedupKey(peer, messageId), oldest first (RFC 7252 §4.5). */
  dedupCon: Map<number, DedupEntry>;
  dedupNon: Map<number, number>;
  /** Dedup entries dropped early because the table hit params.maxDedupEntries. */
  dedupEvictions: number;
  nextPeerIndex: number;
  /**
   * Separate-response deadlines in arrival order (all are now + separateResponseAfterMs, so a
   * FIFO suffices); entries of answered exchanges are skipped, not searched for.
   */
  separateQueue: { atMs: number; exchangeId: number }[];
  separateHead: number;
  block1: Map<string, Block1Assembly>;
  block2: Map<string, Block2Cache>;
  observers: Map<number, Observer>;
  observerTokens: Map<string, number>;
  nextObserverId: number;
  /** `${peer}|${messageId}` of NON notifications sent, so an RST can name its observer. */
  nonNotifications: Map<string, { observerId: number; expiresAtMs: number }>;
  sweepArmed: boolean;
}

export interface CoapOptions {
  params?: Partial<CoapParams>;
  routes?: readonly string[];
}

export function createCoapState(codec: Codec, ids: CoapIds, options: CoapOptions = {}): CoapState {
  return {
    codec,
    ids,
    params: { ...DEFAULT_PARAMS, ...options.params },
    routes: new Set(options.routes ?? []),
    timers: new DeadlineHeap(),
    peers: new Map(),
    transmissions: new Map(),
    clients: new Map(),
    clientTokens: new Map(),
    servers: new Map(),
    nextExchangeId: 1,
    dedupCon: new Map(),
    dedupNon: new Map(),
    dedupEvictions: 0,
    nextPeerIndex: 0,
    separateQueue: [],
    separateHead: 0,
    block1: new Map(),
    block2: new Map(),
    observers: new Map(),
    observerTokens: new Map(),
    nextObserverId: 1,
    nonNotifications: new Map(),
    sweepArmed: false,
  };
}

export function peerState(state: CoapState, peer: Peer): PeerState {
  let p = state.peers.get(peer);
  if (!p) {
    // Masked: a random() of exactly 1 (the jitter's upper bound) must not give message id 65536.
    p = {
      index: state.nextPeerIndex++,
      nextMessageId: Math.floor(state.ids.random() * 0x10000) & 0xffff,
      outstanding: 0,
      queue: [],
    };
    state.peers.set(peer, p);
  }
  return p;
}

/** Message ids per peer: sequential from a random start (RFC 7252 §4.4). */
export function nextMessageId(state: CoapState, peer: Peer): number {
  const p = peerState(state, peer);
  const id = p.nextMessageId;
  p.nextMessageId = (id + 1) & 0xffff;
  return id;
}

/** Numeric dedup key of (peer, message id). */
export function dedupKey(state: CoapState, peer: Peer, messageId: number): number {
  return peerState(state, peer).index * 0x10000 + messageId;
}

/** The first separate-response deadline of a still-pending exchange (answered ones skipped). */
export function pendingSeparate(
  state: CoapState,
): { atMs: number; exchangeId: number } | undefined {
  const q = state.separateQueue;
  while (state.separateHead < q.length && !state.servers.has(q[state.separateHead].exchangeId)) {
    state.separateHead++;
  }
  if (state.separateHead > 1024 && state.separateHead * 2 > q.length) {
    q.splice(0, state.separateHead);
    state.separateHead = 0;
  }
  return q[state.separateHead];
}

/** The earliest time the core needs `tick`, or null when nothing is pending. */
export function nextDeadlineMs(state: CoapState): number | null {
  const timer = state.timers.peek()?.atMs;
  const separate = pendingSeparate(state)?.atMs;
  if (timer === undefined) return separate ?? null;
  return separate === undefined ? timer : Math.min(timer, separate);
}
