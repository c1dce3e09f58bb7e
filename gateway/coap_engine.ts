/**
 * The shell around the sans-IO CoAP core (DESIGN.md §2): owns the transport, the single timer
 * (armed at the core's next deadline), the clock, the id source and the pending Promises, and
 * executes the core's effects in order. Requests to peers return Promises of results; incoming
 * requests go to handlers registered by first Uri-Path segment.
 */

import type { Codec } from "../codec-wasm/mod.ts";
import type { CoapMessage } from "../codec-wasm/types.ts";
import {
  cancelRequest,
  type CoapEffect,
  type CoapIds,
  type CoapParams,
  type CoapState,
  createCoapState,
  type DropReason,
  nextDeadlineMs,
  notify,
  type OutgoingRequest,
  type OutgoingResponse,
  type Peer,
  receive,
  removeObserver,
  type RequestResult,
  respond,
  restoreObservation,
  sendRequest,
  tick,
  uriPath,
} from "./coap/mod.ts";
import type { DatagramTransport } from "./transport/datagram.ts";

export interface IncomingRequest {
  peer: Peer;
  request: CoapMessage;
  /** 0 = Observe register, 1 = deregister, null = plain request. */
  observe: 0 | 1 | null;
  /** Set when a successful response to an Observe=0 request made `peer` an observer. */
  exchangeId: number;
}

/** A handler's answer; `afterSend` runs once the response has been handed to the transport. */
export type HandlerResponse = OutgoingResponse & { afterSend?: () => void };

export type RequestHandler = (
  incoming: IncomingRequest,
) => HandlerResponse | Promise<HandlerResponse>;

export interface Observation {
  requestId: string;
  /** The first response (with the Observe option when the observation was established). */
  result: RequestResult;
  /** True when the peer accepted the observation. */
  established: boolean;
}

export interface ObservationCallbacks {
  onNotification(response: CoapMessage): void;
  onEnd?(reason: string): void;
}

export interface CoapEngineOptions {
  params?: Partial<CoapParams>;
  /** Monotonic milliseconds; default performance.now(). */
  clock?: () => number;
  ids?: CoapIds;
  onDrop?: (peer: Peer, reason: DropReason, detail?: string) => void;
  onObserverAdded?: (observerId: number, peer: Peer, request: CoapMessage) => void;
  onObserverRemoved?: (observerId: number, peer: Peer, reason: string) => void;
  onHandlerError?: (error: unknown, incoming: IncomingRequest) => void;
}

const COAP_500_INTERNAL_SERVER_ERROR = 160;

/**
 * Default ids: WebCrypto randomness drawn from a pool refilled 4 KiB at a time (one
 * getRandomValues call per request cost about 4 µs per Read in bench/lwm2m). Each byte is used
 * once, so tokens stay unpredictable.
 */
export const cryptoIds: CoapIds = (() => {
  let pool = new Uint8Array(0);
  let at = 0;
  /** Fresh random bytes; a refill makes a new pool, so earlier subarrays never change. */
  const take = (n: number): Uint8Array => {
    if (at + n > pool.length) {
      pool = crypto.getRandomValues(new Uint8Array(4096));
      at = 0;
    }
    at += n;
    return pool.subarray(at - n, at);
  };
  return {
    token: (length) => take(length),
    random() {
      const b = take(4);
      return (((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3]) / 0x1_0000_0000;
    },
  };
})();

export class CoapEngine {
  readonly state: CoapState;
  readonly #transport: DatagramTransport;
  readonly #clock: () => number;
  readonly #options: CoapEngineOptions;
  readonly #handlers = new Map<string, RequestHandler>();
  readonly #pending = new Map<string, (result: RequestResult) => void>();
  readonly #observations = new Map<string, ObservationCallbacks>();
  #nextRequestId = 1;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAtMs = Infinity;
  #closed = false;
  /** Drops counted by reason (exported as a metric by the gateway). */
  readonly drops = new Map<DropReason, number>();

  constructor(codec: Codec, transport: DatagramTransport, options: CoapEngineOptions = {}) {
    this.#transport = transport;
    this.#clock = options.clock ?? (() => performance.now());
    this.#options = options;
    this.state = createCoapState(codec, options.ids ?? cryptoIds, {
      params: options.params,
      routes: [],
    });
    transport.start((peer, data) => {
      if (this.#closed) return;
      this.#run(receive(this.state, peer, data, this.#clock()));
    });
  }

  get port(): number {
    return this.#transport.port;
  }

  /** Serves requests whose first Uri-Path segment is `segment` ("*" = every path). */
  handle(segment: string, handler: RequestHandler): void {
    this.#handlers.set(segment, handler);
    (this.state.routes as Set<string>).add(segment);
  }

  /** Sends a request and resolves with its final result (never rejects for protocol outcomes). */
  request(peer: Peer, request: OutgoingRequest, timeoutMs?: number): Promise<RequestResult> {
    const requestId = `r${this.#nextRequestId++}`;
    const done = new Promise<RequestResult>((resolve) => this.#pending.set(requestId, resolve));
    this.#run(sendRequest(this.state, requestId, peer, request, { timeoutMs }, this.#clock()));
    return done;
  }

  /**
   * Observes a resource: GET with Observe=0. Resolves with the first response; notifications then
   * go to `callbacks` until the observation ends or `cancelObservation` is called.
   */
  async observe(
    peer: Peer,
    request: OutgoingRequest,
    callbacks: ObservationCallbacks,
    timeoutMs?: number,
  ) {
    const requestId = `r${this.#nextRequestId++}`;
    const done = new Promise<RequestResult>((resolve) => this.#pending.set(requestId, resolve));
    this.#observations.set(requestId, callbacks);
    this.#run(
      sendRequest(
        this.state,
        requestId,
        peer,
        request,
        { observe: true, timeoutMs },
        this.#clock(),
      ),
    );
    const result = await done;
    const established = this.state.clients.get(requestId)?.state === "observing";
    if (!established) this.#observations.delete(requestId);
    return { requestId, result, established } satisfies Observation;
  }

  /** The token (hex) of an established observation, to persist it across restarts. */
  observationToken(requestId: string): string | null {
    const x = this.state.clients.get(requestId);
    return x?.state === "observing" ? x.observeTokenKey : null;
  }

  /** Re-creates an observation persisted before a restart; returns its new request id. */
  restoreObservation(
    peer: Peer,
    tokenHex: string,
    request: OutgoingRequest,
    callbacks: ObservationCallbacks,
  ): string {
    const requestId = `r${this.#nextRequestId++}`;
    restoreObservation(this.state, requestId, peer, tokenHex, request);
    this.#observations.set(requestId, callbacks);
    return requestId;
  }

  /** Cancels an observation; `active` sends GET Observe=1 and waits for its response. */
  async cancelObservation(requestId: string, active = true): Promise<RequestResult | null> {
    const cancelId = active ? `r${this.#nextRequestId++}` : undefined;
    const done = cancelId
      ? new Promise<RequestResult>((resolve) => this.#pending.set(cancelId, resolve))
      : Promise.resolve(null);
    this.#run(cancelRequest(this.state, requestId, this.#clock(), cancelId));
    this.#observations.delete(requestId);
    return await done;
  }

  /** Cancels a pending request; it resolves with `{kind: "cancelled"}`. */
  cancel(requestId: string): void {
    this.#run(cancelRequest(this.state, requestId, this.#clock()));
  }

  /** Observed role: forgets an observer without telling the peer (e.g. after a reboot). */
  removeObserver(observerId: number): void {
    this.#run((() => {
      const effects: CoapEffect[] = [];
      removeObserver(this.state, observerId, "removed", effects);
      return effects;
    })());
  }

  /** Observed role: sends a notification to an observer. */
  notify(observerId: number, response: OutgoingResponse, confirmable = false): void {
    this.#run(notify(this.state, observerId, response, confirmable, this.#clock()));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const resolve of this.#pending.values()) resolve({ kind: "cancelled" });
    this.#pending.clear();
    await this.#transport.close();
  }

  #run(effects: CoapEffect[]): void {
    for (const e of effects) this.#execute(e);
    this.#arm();
  }

  #execute(e: CoapEffect): void {
    switch (e.kind) {
      case "send":
        this.#transport.send(e.peer, e.bytes);
        break;
      case "request":
        this.#dispatch({
          peer: e.peer,
          request: e.request,
          observe: e.observe,
          exchangeId: e.exchangeId,
        });
        break;
      case "response": {
        const resolve = this.#pending.get(e.requestId);
        this.#pending.delete(e.requestId);
        resolve?.(e.result);
        break;
      }
      case "notification":
        this.#observations.get(e.requestId)?.onNotification(e.response);
        break;
      case "observationEnded": {
        const callbacks = this.#observations.get(e.requestId);
        this.#observations.delete(e.requestId);
        callbacks?.onEnd?.(e.reason);
        break;
      }
      case "observerAdded":
        this.#options.onObserverAdded?.(e.observerId, e.peer, e.request);
        break;
      case "observerRemoved":
        this.#options.onObserverRemoved?.(e.observerId, e.peer, e.reason);
        break;
      case "drop":
        this.drops.set(e.reason, (this.drops.get(e.reason) ?? 0) + 1);
        this.#options.onDrop?.(e.peer, e.reason, e.detail);
        break;
    }
  }

  #dispatch(incoming: IncomingRequest): void {
    const segment = uriPath(incoming.request)[0] ?? "";
    const handler = this.#handlers.get(segment) ?? this.#handlers.get("*");
    const answer = (response: HandlerResponse) => {
      if (this.#closed) return;
      const { afterSend, ...plain } = response;
      this.#run(respond(this.state, incoming.exchangeId, plain, this.#clock()));
      afterSend?.();
    };
    const fail = (error: unknown) => {
      this.#options.onHandlerError?.(error, incoming);
      answer({ code: COAP_500_INTERNAL_SERVER_ERROR });
    };
    if (!handler) return answer({ code: 132 });
    try {
      const result = handler(incoming);
      if (result instanceof Promise) result.then(answer, fail);
      else answer(result); // synchronous handlers answer piggybacked, in this same turn
    } catch (error) {
      fail(error);
    }
  }

  #arm(): void {
    if (this.#closed) return;
    const next = nextDeadlineMs(this.state);
    if (next === null || next === this.#timerAtMs) return;
    clearTimeout(this.#timer);
    this.#timerAtMs = next;
    this.#timer = setTimeout(() => {
      this.#timerAtMs = Infinity;
      this.#run(tick(this.state, this.#clock()));
    }, Math.max(0, next - this.#clock()));
  }
}
