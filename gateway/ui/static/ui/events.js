/**
 * The live event stream of a page: an EventSource on `api/events` (Server-Sent Events, docs/api.md
 * "Events") with `?type=` and `?endpoint=` filters and the token as `?access_token=` (browsers
 * cannot set headers on EventSource). The browser reconnects by itself after a dropped connection
 * (the stream says `retry: 2000`); when it gives up (an HTTP error such as 401, or the gateway is
 * down) this module checks the token through the REST API and reopens with a growing delay (at
 * most 15 s). Events are not replayed, so after every reconnect `onReconnect` lets the page
 * re-read what it shows.
 */

import { api, apiUrl, token } from "./api.js";

/** Every event type of the API (DESIGN.md §6): SSE frames are named, so each needs a listener. */
export const EVENT_TYPES = [
  "registered",
  "updated",
  "deregistered",
  "expired",
  "sleeping",
  "awake",
  "notification",
  "send",
  "requestCompleted",
  "requestExpired",
  "bootstrapStarted",
  "bootstrapStep",
  "bootstrapFinished",
  "bootstrapFailed",
  "firmwareProgress",
  "dropped",
];

const MAX_DELAY_MS = 15_000;

/** @typedef {"connecting"|"live"|"reconnecting"|"closed"} StreamState */

/** @type {Set<(state: StreamState) => void>} */
const stateListeners = new Set();
/** @type {StreamState} */
let lastState = "closed";

/** The state of the newest stream, for the header's indicator. @param {(state: StreamState) => void} fn */
export function onStreamState(fn) {
  stateListeners.add(fn);
  fn(lastState);
  return () => stateListeners.delete(fn);
}

export class EventStream {
  /**
   * @param {{ types?: string[], endpoints?: string[],
   *   onEvent: (event: any) => void, onReconnect?: () => void }} options
   */
  constructor(options) {
    this.options = options;
    /** @type {EventSource|null} */
    this.source = null;
    this.closed = false;
    this.everOpen = false;
    this.lostSinceOpen = false;
    this.delayMs = 1000;
    /** @type {number|undefined} */
    this.timer = undefined;
    /** Events received (tests and the header read it). */
    this.count = 0;
    this.open();
  }

  /** @param {StreamState} state */
  setState(state) {
    this.state = state;
    lastState = state;
    for (const fn of stateListeners) fn(state);
  }

  url() {
    const params = new URLSearchParams();
    if (this.options.types?.length) params.set("type", this.options.types.join(","));
    if (this.options.endpoints?.length) params.set("endpoint", this.options.endpoints.join(","));
    const t = token();
    if (t) params.set("access_token", t);
    const query = params.toString();
    return apiUrl("api/events") + (query ? `?${query}` : "");
  }

  open() {
    if (this.closed) return;
    this.setState(this.everOpen ? "reconnecting" : "connecting");
    const source = new EventSource(this.url());
    this.source = source;
    source.onopen = () => {
      this.delayMs = 1000;
      this.setState("live");
      if (this.everOpen && this.lostSinceOpen) this.options.onReconnect?.();
      this.everOpen = true;
      this.lostSinceOpen = false;
    };
    source.onerror = () => {
      if (this.closed) return;
      this.lostSinceOpen = true;
      if (source.readyState === EventSource.CONNECTING) {
        this.setState("reconnecting"); // the browser retries on its own
        return;
      }
      source.close(); // the browser gave up: find out why, then reopen later
      this.setState("reconnecting");
      this.timer = setTimeout(() => this.retry(), this.delayMs);
      this.delayMs = Math.min(MAX_DELAY_MS, this.delayMs * 2);
    };
    const deliver = (/** @type {MessageEvent} */ message) => {
      this.count++;
      try {
        this.options.onEvent(JSON.parse(message.data));
      } catch (e) {
        console.error("event handler failed", e);
      }
    };
    const types = this.options.types?.length
      ? new Set([...this.options.types, "dropped"])
      : EVENT_TYPES;
    for (const type of types) source.addEventListener(type, deliver);
  }

  async retry() {
    if (this.closed) return;
    try {
      // A cheap authorized call: a 401 asks for the token before the stream is reopened.
      await api("GET", "api/clients?limit=1");
    } catch { /* gateway unreachable: reopen anyway, the next error schedules another try */ }
    this.open();
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.source?.close();
    this.setState("closed");
  }
}
