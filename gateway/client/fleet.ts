/**
 * A fleet of simulated LwM2M clients in one process (the engine of `deno task simulate`,
 * DESIGN.md §6): N streetlights on one ClientHost, started at a ramp rate with a bound on
 * registrations in flight, counted as they register or give up, changed at random to exercise
 * observations, and de-registered with bounded concurrency at the end. Memory per client is the
 * RSS growth from before the first client to after the last registration.
 */

import type { CoapParams } from "../coap/params.ts";
import { type ClientEvent, Lwm2mClient, type Lwm2mClientOptions } from "./client.ts";
import { ClientHost } from "./host.ts";
import {
  randomChange,
  streetlightDefinitions,
  streetlightFactory,
  streetlightObjects,
} from "./streetlight.ts";

export interface FleetOptions {
  server?: string;
  bootstrap?: string;
  count: number;
  prefix: string;
  /** Client starts per second (0: as fast as `concurrency` allows). */
  ratePerSec: number;
  lifetimeSec: number;
  queue: boolean;
  /** Clients per UDP socket (> 1: alternate root paths; see docs/client.md). */
  clientsPerSocket: number;
  bindHost: string;
  /** Mean seconds between random value changes of one client (0: none). */
  changeIntervalSec: number;
  /** Registrations in flight at most. */
  concurrency: number;
  coapParams?: Partial<CoapParams>;
  requestTimeoutMs?: number;
  queueAwakeMs?: number;
  random?: () => number;
  onProgress?: (p: FleetProgress) => void;
}

export interface FleetProgress {
  started: number;
  registered: number;
  failed: number;
  elapsedMs: number;
}

export interface FleetSummary extends FleetProgress {
  count: number;
  ratePerSec: number;
  rssBytes: number;
  baselineRssBytes: number;
  heapUsedBytes: number;
  /** RSS growth over all clients / clients. */
  bytesPerClient: number;
  /** JS heap growth / clients (after a GC when exposed). */
  heapBytesPerClient: number;
  /** RSS growth per client from 10% registered to the end (JIT and pools already warm). */
  marginalBytesPerClient: number | null;
  sockets: number;
}

export const FLEET_DEFAULTS: Omit<FleetOptions, "count" | "prefix"> = {
  ratePerSec: 0,
  lifetimeSec: 300,
  queue: false,
  clientsPerSocket: 1,
  bindHost: "0.0.0.0",
  changeIntervalSec: 30,
  concurrency: 256,
};

/** A full GC when V8 exposes it (`--v8-flags=--expose-gc`, as `deno task simulate` runs): the
 * memory figures then count what the clients hold, not the garbage of the registration burst. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const PENDING = 1;
const REGISTERED = 2;
const FAILED = 3;

export class Fleet {
  readonly host: ClientHost;
  readonly options: FleetOptions;
  readonly clients: Lwm2mClient[] = [];
  /** Per client (by index): 0 not started, 1 pending, 2 registered, 3 failed. */
  #state: Uint8Array;
  #registered = 0;
  #failed = 0;
  #inFlight = 0;
  #wake: (() => void) | null = null;
  #startedAtMs = 0;
  #doneAtMs = 0;
  #baselineRss = 0;
  #baselineHeap = 0;
  /** RSS and clients started when 10% had registered (code warm): the marginal cost's start. */
  #warm: { rss: number; started: number } | null = null;
  #changeTimer: ReturnType<typeof setInterval> | undefined;
  #stopping = false;
  deregistered = 0;

  private constructor(host: ClientHost, options: FleetOptions) {
    this.host = host;
    this.options = options;
    this.#state = new Uint8Array(options.count);
  }

  static async open(options: FleetOptions): Promise<Fleet> {
    const host = await ClientHost.open({
      bindHost: options.bindHost,
      clientsPerSocket: options.clientsPerSocket,
      coapParams: options.coapParams,
    });
    return new Fleet(host, options);
  }

  get registered(): number {
    return this.#registered;
  }

  get failed(): number {
    return this.#failed;
  }

  progress(): FleetProgress {
    return {
      started: this.clients.length,
      registered: this.#registered,
      failed: this.#failed,
      elapsedMs: (this.#doneAtMs || performance.now()) - this.#startedAtMs,
    };
  }

  #onEvent(e: ClientEvent): void {
    const k = Number(e.endpoint.slice(this.options.prefix.length));
    const before = this.#state[k];
    if (e.type === "registered" && before !== REGISTERED) {
      this.#state[k] = REGISTERED;
      this.#registered++;
      if (!this.#warm && this.#registered >= Math.ceil(this.options.count / 10)) {
        collectGarbage();
        this.#warm = { rss: Deno.memoryUsage().rss, started: this.clients.length };
      }
      if (before === FAILED) this.#failed--;
      else this.#settled();
    } else if (e.type === "registrationGaveUp" && before === PENDING) {
      this.#state[k] = FAILED;
      this.#failed++;
      this.#settled();
    } else if (e.type === "deregistered" && e.detail === "2.02") {
      this.deregistered++;
    }
  }

  #settled(): void {
    this.#inFlight--;
    if (this.#registered + this.#failed === this.options.count && !this.#doneAtMs) {
      this.#doneAtMs = performance.now();
    }
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Starts every client (paced) and resolves once each registered or gave up (or `timeoutMs`). */
  async run(timeoutMs = Infinity): Promise<FleetSummary> {
    const o = this.options;
    collectGarbage();
    const base = Deno.memoryUsage();
    this.#baselineRss = base.rss;
    this.#baselineHeap = base.heapUsed;
    const shared: Lwm2mClientOptions = {
      endpoint: "",
      // Without a bootstrap server every light has the same account: share it (no copy per light).
      definitions: streetlightDefinitions(
        o.server && !o.bootstrap
          ? { uri: o.server, lifetimeSec: o.lifetimeSec, binding: o.queue ? "UQ" : "U" }
          : undefined,
      ),
      factory: streetlightFactory({
        server: o.server,
        bootstrap: o.bootstrap,
        lifetimeSec: o.lifetimeSec,
        queue: o.queue,
      }),
      objects: (endpoint) => streetlightObjects(endpoint),
      requestTimeoutMs: o.requestTimeoutMs,
      queueAwakeMs: o.queueAwakeMs,
      onEvent: (e) => this.#onEvent(e),
    };
    this.#startedAtMs = performance.now();
    const deadline = this.#startedAtMs + timeoutMs;
    const progressTimer = o.onProgress
      ? setInterval(() => o.onProgress!(this.progress()), 1000)
      : undefined;
    try {
      for (let k = 0; k < o.count && !this.#stopping; k++) {
        while (this.#inFlight >= o.concurrency && performance.now() < deadline && !this.#stopping) {
          await this.#waitSettle(deadline);
        }
        if (o.ratePerSec > 0) {
          const due = this.#startedAtMs + (k * 1000) / o.ratePerSec;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        if (performance.now() >= deadline || this.#stopping) break;
        const endpoint = `${o.prefix}${k}`;
        this.#state[k] = PENDING;
        const client = new Lwm2mClient(this.host, shared, endpoint);
        this.clients.push(client);
        this.#inFlight++;
        client.start();
      }
      while (
        this.#registered + this.#failed < this.clients.length && performance.now() < deadline &&
        !this.#stopping
      ) {
        await this.#waitSettle(deadline);
      }
    } finally {
      clearInterval(progressTimer);
    }
    return this.summary();
  }

  #waitSettle(deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, Math.max(0, Math.min(1000, deadline - performance.now())));
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  summary(): FleetSummary {
    const p = this.progress();
    collectGarbage();
    const mem = Deno.memoryUsage();
    const n = Math.max(1, this.clients.length);
    return {
      ...p,
      count: this.options.count,
      ratePerSec: p.elapsedMs > 0 ? (p.registered * 1000) / p.elapsedMs : 0,
      rssBytes: mem.rss,
      baselineRssBytes: this.#baselineRss,
      heapUsedBytes: mem.heapUsed,
      bytesPerClient: Math.max(0, mem.rss - this.#baselineRss) / n,
      heapBytesPerClient: Math.max(0, mem.heapUsed - this.#baselineHeap) / n,
      marginalBytesPerClient: this.#warm && this.clients.length > this.#warm.started
        ? Math.max(0, mem.rss - this.#warm.rss) / (this.clients.length - this.#warm.started)
        : null,
      sockets: this.host.pool.size,
    };
  }

  /** Random value changes: about one per client every `changeIntervalSec`, on a 1 s tick. */
  startChanges(): void {
    const o = this.options;
    if (o.changeIntervalSec <= 0 || this.#changeTimer !== undefined) return;
    const random = o.random ?? Math.random;
    let carry = 0;
    this.#changeTimer = setInterval(() => {
      if (this.clients.length === 0) return;
      carry += this.clients.length / o.changeIntervalSec;
      for (; carry >= 1; carry--) {
        const c = this.clients[Math.floor(random() * this.clients.length)];
        if (c.running) randomChange(c, random);
      }
    }, 1000);
  }

  /** De-registers every client (`concurrency` at a time, each bounded) and closes the host. */
  async stop(
    options: { deregister?: boolean; timeoutMs?: number; concurrency?: number } = {},
  ): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#changeTimer);
    this.#wake?.();
    const queue = [...this.clients];
    const workers = Array.from(
      { length: Math.min(options.concurrency ?? 256, queue.length) },
      async () => {
        for (let c = queue.pop(); c; c = queue.pop()) {
          await c.stop({
            deregister: options.deregister ?? true,
            timeoutMs: options.timeoutMs ?? 5000,
          });
        }
      },
    );
    await Promise.all(workers);
    await this.host.close();
  }
}
