/**
 * The event bus between the LwM2M server and its consumers (SSE/WebSocket in the HTTP bridge,
 * logs, tests): every event gets a sequence number and an ISO time (DESIGN.md §6 "Events"); each
 * subscriber filters by endpoint and type. Delivery is synchronous and in order; a subscriber that
 * throws is reported and does not disturb the others.
 */

export type EventType =
  | "registered"
  | "updated"
  | "deregistered"
  | "expired"
  | "sleeping"
  | "awake"
  | "notification"
  | "send"
  | "requestCompleted"
  | "requestExpired"
  | "bootstrapStarted"
  | "bootstrapStep"
  | "bootstrapFinished"
  | "bootstrapFailed"
  | "firmwareProgress"
  | "dropped";

export interface GatewayEvent {
  type: EventType;
  endpoint: string;
  /** ISO-8601 */
  time: string;
  /** Sequence number, increasing per gateway process. */
  seq: number;
  [key: string]: unknown;
}

export interface EventFilter {
  endpoints?: ReadonlySet<string>;
  types?: ReadonlySet<string>;
}

type Listener = (event: GatewayEvent) => void;

export class EventBus {
  #seq = 0;
  readonly #listeners = new Set<{ filter: EventFilter; listener: Listener }>();
  readonly #clock: () => number;
  readonly #onListenerError: (error: unknown) => void;

  constructor(
    clock: () => number = Date.now,
    onListenerError: (error: unknown) => void = () => {},
  ) {
    this.#clock = clock;
    this.#onListenerError = onListenerError;
  }

  emit(type: EventType, endpoint: string, data: Record<string, unknown> = {}): GatewayEvent {
    return this.#deliver({
      ...data,
      type,
      endpoint,
      time: new Date(this.#clock()).toISOString(),
      seq: ++this.#seq,
    });
  }

  /**
   * Delivers an event that happened on another gateway node (gateway/cluster, issue 10): its type,
   * endpoint, time and data as they were, with a sequence number of this process.
   */
  relay(event: { type: EventType; endpoint: string; time: string }): GatewayEvent {
    return this.#deliver({ ...event, seq: ++this.#seq });
  }

  #deliver(event: GatewayEvent): GatewayEvent {
    for (const { filter, listener } of this.#listeners) {
      if (filter.endpoints && !filter.endpoints.has(event.endpoint)) continue;
      if (filter.types && !filter.types.has(event.type)) continue;
      try {
        listener(event);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
    return event;
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: Listener, filter: EventFilter = {}): () => void {
    const entry = { filter, listener };
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }
}
