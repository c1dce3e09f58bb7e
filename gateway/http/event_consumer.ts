/**
 * Per-consumer event buffers of the HTTP event streams (DESIGN.md §6 "Events"): each SSE or
 * WebSocket consumer gets a bounded FIFO (10,000 events by default) filled synchronously by the
 * EventBus. A slow consumer never stalls the gateway: when its buffer is full the oldest event is
 * dropped, and the next thing the consumer reads is one `dropped` event with the count (placed
 * where the gap is). `EventStreams` keeps the consumers for metrics and shutdown.
 */

import type { GatewayMetrics } from "../metrics.ts";
import type { EventFilter, GatewayEvent } from "../server/events.ts";
import type { ApiDeps } from "./api_context.ts";
import { eventJson } from "./event_json.ts";

/** DESIGN.md §6: each consumer buffers at most 10,000 events. */
export const DEFAULT_BUFFER_EVENTS = 10_000;
/** SSE keep-alive comment period (below the usual 30-60 s idle timeouts of proxies). */
export const DEFAULT_KEEP_ALIVE_MS = 15_000;

/** One serialized event (shared by every consumer that receives it). */
export interface EventFrame {
  seq: number;
  type: string;
  /** The event as one line of JSON. */
  json: string;
}

/** A bounded FIFO of frames with drop accounting and one async waiter. */
export class EventConsumer {
  readonly capacity: number;
  #items: EventFrame[] = [];
  #head = 0;
  #dropped = 0;
  #droppedFirstSeq = 0;
  #droppedLastSeq = 0;
  #waiter: (() => void) | null = null;
  #closed = false;
  #nudged = false;
  readonly #onDrop: () => void;
  readonly #nowMs: () => number;
  /** Runs once when the consumer is closed (unsubscribe, timers). */
  onClose: () => void = () => {};

  constructor(capacity: number, nowMs: () => number, onDrop: () => void = () => {}) {
    if (!(capacity >= 1)) throw new RangeError("an event buffer holds at least one event");
    this.capacity = capacity;
    this.#nowMs = nowMs;
    this.#onDrop = onDrop;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Events waiting (not counting a pending `dropped` event). */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Events dropped and not reported yet. */
  get pendingDrops(): number {
    return this.#dropped;
  }

  push(frame: EventFrame): void {
    if (this.#closed) return;
    if (this.size >= this.capacity) {
      const oldest = this.#items[this.#head++];
      if (this.#dropped++ === 0) this.#droppedFirstSeq = oldest.seq;
      this.#droppedLastSeq = oldest.seq;
      this.#onDrop();
      this.#compact();
    }
    this.#items.push(frame);
    this.#wake();
  }

  /**
   * Up to `max` frames in order: first the `dropped` event if events were lost since the last
   * take (its `seq` is the last lost one, so a resume from it skips nothing it has not reported),
   * then buffered events.
   */
  take(max: number): EventFrame[] {
    const out: EventFrame[] = [];
    if (this.#dropped > 0) {
      const event = {
        type: "dropped",
        endpoint: "",
        time: new Date(this.#nowMs()).toISOString(),
        seq: this.#droppedLastSeq,
        count: this.#dropped,
        firstSeq: this.#droppedFirstSeq,
        lastSeq: this.#droppedLastSeq,
      };
      out.push({ seq: event.seq, type: event.type, json: JSON.stringify(event) });
      this.#dropped = 0;
    }
    const n = Math.min(max - out.length, this.size);
    for (let i = 0; i < n; i++) out.push(this.#items[this.#head + i]);
    this.#head += n;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else this.#compact();
    return out;
  }

  /**
   * Resolves when frames are waiting, on `nudge()` (returns "nudged") or on close; "ready"
   * otherwise. Only one waiter at a time (the consumer's own writer loop).
   */
  async wait(): Promise<"ready" | "nudged" | "closed"> {
    if (!this.#closed && this.size === 0 && this.#dropped === 0 && !this.#nudged) {
      await new Promise<void>((resolve) => this.#waiter = resolve);
    }
    if (this.#closed) return "closed";
    if (this.size === 0 && this.#dropped === 0 && this.#nudged) {
      this.#nudged = false;
      return "nudged";
    }
    return "ready";
  }

  /** Wakes the waiter without an event (keep-alive timer). */
  nudge(): void {
    this.#nudged = true;
    this.#wake();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#items = [];
    this.#head = 0;
    this.#wake();
    this.onClose();
  }

  #wake(): void {
    const w = this.#waiter;
    if (w) {
      this.#waiter = null;
      w();
    }
  }

  /** Drops consumed slots once they are the larger half of the array (amortised O(1)). */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}

export interface EventStreamOptions {
  /** Events buffered per consumer (default 10,000). */
  bufferEvents?: number;
  /** SSE keep-alive comment period in ms (default 15,000). */
  keepAliveMs?: number;
}

/**
 * The live consumers of one gateway: subscribes each to the EventBus with its filter, serializes
 * every event once for all of them, counts consumers, deliveries and drops in the metrics, and
 * closes every stream on shutdown.
 */
export class EventStreams {
  readonly bufferEvents: number;
  readonly keepAliveMs: number;
  readonly #deps: ApiDeps;
  readonly #consumers = new Set<EventConsumer>();
  /** Serialized form of each event, shared by the consumers it goes to. */
  readonly #frames = new WeakMap<GatewayEvent, EventFrame>();

  constructor(deps: ApiDeps, options: EventStreamOptions = {}) {
    this.#deps = deps;
    this.bufferEvents = options.bufferEvents ?? DEFAULT_BUFFER_EVENTS;
    this.keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
  }

  get size(): number {
    return this.#consumers.size;
  }

  /** A new consumer receiving the events that pass `filter` from now on. */
  open(filter: EventFilter): EventConsumer {
    const metrics: GatewayMetrics = this.#deps.metrics;
    const consumer = new EventConsumer(
      this.bufferEvents,
      this.#deps.nowMs,
      () => metrics.eventsDropped++,
    );
    const unsubscribe = this.#deps.events.subscribe((e) => consumer.push(this.frame(e)), filter);
    this.#consumers.add(consumer);
    metrics.eventConsumers = this.#consumers.size;
    consumer.onClose = () => {
      unsubscribe();
      this.#consumers.delete(consumer);
      metrics.eventConsumers = this.#consumers.size;
    };
    return consumer;
  }

  /** Counts frames handed to a transport. */
  delivered(count: number): void {
    this.#deps.metrics.eventsDelivered += count;
  }

  frame(event: GatewayEvent): EventFrame {
    let frame = this.#frames.get(event);
    if (!frame) {
      frame = {
        seq: event.seq,
        type: event.type,
        json: JSON.stringify(eventJson(event, this.#deps)),
      };
      this.#frames.set(event, frame);
    }
    return frame;
  }

  /** Ends every stream (gateway shutdown). */
  close(): void {
    for (const c of [...this.#consumers]) c.close();
  }
}
