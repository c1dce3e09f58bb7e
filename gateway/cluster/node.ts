/**
 * ClusterNode: one gateway node among several sharing a Redis store (issue 10). It implements the
 * LwM2M server's ServerCluster hooks (gateway/server/cluster_hooks.ts):
 *   - ownership: the node that served a device's latest Register/Update holds its CoAP session;
 *     `{P:cluster}:owner` (a hash endpoint -> node id) records it, an `owner` broadcast tells the
 *     previous owner to let go; operations made elsewhere are forwarded to the owner (bus.ts
 *     request/ack/answer, bounded). An owner that does not ack and whose `{P:cluster}:alive:ID`
 *     heartbeat key has expired is dead: this node takes the device over and runs the operation.
 *   - events: every local event is published, remote ones are relayed into the local EventBus
 *     (never republished: the relay is synchronous and flagged), so any node's SSE/WebSocket
 *     consumers see all of them.
 *   - mirrors: store changes announced by change_feed.ts are applied by cluster_sync.ts; after a
 *     reconnect of the subscriber the registry is resynchronised from the store.
 *   - expiry once: a per-registration claim (SET NX PX through Coordination.claimOnce).
 */

import type { Registration } from "../lwm2m/registration.ts";
import type { RemoteAnswers, RemoteRequest, ServerCluster } from "../server/cluster_hooks.ts";
import { adoptDevice, applyRemoteChange, resync } from "../server/cluster_sync.ts";
import type { EventBus } from "../server/events.ts";
import type { Lwm2mServer } from "../server/lwm2m_server.ts";
import type { RequestStatus } from "../server/request_queue.ts";
import type { RedisStore } from "../store/redis.ts";
import { type Namespace, NAMESPACES } from "../store/store.ts";
import { ClusterBus } from "./bus.ts";
import { AnnouncingStore } from "./change_feed.ts";
import { failedAnswer, serveRequest } from "./serve.ts";
import {
  answerFromWire,
  type Broadcast,
  requestToWire,
  statusFromWire,
  statusToWire,
  timeoutAnswer,
} from "./wire.ts";

export interface ClusterOptions {
  /** How long a forwarded request waits for the owner's ack (default 1000 ms). */
  ackTimeoutMs?: number;
  /** Heartbeat period; a node is dead 3 periods after its last beat (default 5000 ms). */
  heartbeatMs?: number;
  /** How long GET /api/requests/{id} asks the other nodes (default 1000 ms). */
  askTimeoutMs?: number;
  /** Added to an operation's timeout while waiting for the owner's answer (default 2000 ms). */
  forwardMarginMs?: number;
  log?: (level: "info" | "warn" | "debug", message: string) => void;
}

/** Owners remembered per node (a cache; the hash in Redis is the truth). */
const OWNER_CACHE_MAX = 100_000;
/** A won expiry claim outlives any retry of the same expiry. */
const EXPIRY_CLAIM_TTL_MS = 10 * 60_000;

function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

export class ClusterNode implements ServerCluster {
  readonly nodeId = `n${Deno.pid}-${randomHex(4)}`;
  /** The store for the rest of this node: changes to mirrored namespaces are announced. */
  readonly store: AnnouncingStore;
  readonly #redis: RedisStore;
  readonly #events: EventBus;
  readonly #bus: ClusterBus;
  readonly #options: Required<Omit<ClusterOptions, "log">>;
  readonly #log: NonNullable<ClusterOptions["log"]>;
  readonly #local = new Set<string>();
  readonly #owners = new Map<string, string>();
  readonly #gone = new Set<string>();
  #server: Lwm2mServer | null = null;
  /** Who applies another node's change, by namespace (cluster_sync.ts for the server's). */
  readonly #followers = new Map<Namespace, (key: string) => Promise<void>>();
  #backlog: Extract<Broadcast, { k: "change" }>[] = [];
  readonly #resyncs: (() => Promise<void>)[] = [];
  #relaying = false;
  #unsubscribe: () => void = () => {};
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(redis: RedisStore, events: EventBus, options: ClusterOptions = {}) {
    this.#redis = redis;
    this.#events = events;
    this.#log = options.log ?? (() => {});
    this.#options = {
      ackTimeoutMs: options.ackTimeoutMs ?? 1000,
      heartbeatMs: options.heartbeatMs ?? 5000,
      askTimeoutMs: options.askTimeoutMs ?? 1000,
      forwardMarginMs: options.forwardMarginMs ?? 2000,
    };
    this.#bus = new ClusterBus(redis.link, redis.prefix, this.nodeId, (m) => this.#log("warn", m));
    this.store = new AnnouncingStore(redis, (ns, key) => {
      this.#bus.broadcast({ k: "change", ns, key }).catch((e) =>
        this.#log("warn", `announce: ${e}`)
      );
    });
  }

  #key(suffix: string): string {
    return `{${this.#redis.prefix}:cluster}:${suffix}`;
  }

  /** Joins the cluster: heartbeat, subscriptions, event publishing. */
  async start(): Promise<void> {
    await this.#beat();
    this.#heartbeat = setInterval(
      () => this.#beat().catch((e) => this.#log("warn", `heartbeat: ${e}`)),
      this.#options.heartbeatMs,
    );
    this.#bus.serve((request) => this.#serve(request));
    await this.#bus.start((message) => this.#onBroadcast(message));
    this.#redis.link.onResubscribed(() => {
      this.#log("info", "cluster bus reconnected: reloading the mirrored state");
      for (const reload of this.#resyncs) reload().catch((e) => this.#log("warn", `resync: ${e}`));
    });
    this.#unsubscribe = this.#events.subscribe((event) => {
      if (this.#relaying) return;
      const { seq: _seq, ...rest } = event;
      this.#bus.broadcast({ k: "event", event: rest }).catch((e) =>
        this.#log("warn", `publishing a ${event.type} event: ${e}`)
      );
    });
    this.#log("info", `cluster node ${this.nodeId} joined (redis ${this.#redis.link.description})`);
  }

  /** The LwM2M server of this node, once it loaded the store. */
  attach(server: Lwm2mServer): void {
    this.#server = server;
    this.#resyncs.push(() => resync(server));
    for (const ns of [NAMESPACES.registration, NAMESPACES.observation]) {
      this.follow(ns, (key) => applyRemoteChange(server, ns, key));
    }
  }

  /**
   * Applies other nodes' changes of `ns` with `apply` (changes held back so far apply now);
   * `reload` rereads everything after the subscriber reconnected (announcements may be lost).
   */
  follow(
    ns: Namespace,
    apply: (key: string) => Promise<void>,
    reload?: () => Promise<void>,
  ): void {
    if (reload) this.#resyncs.push(reload);
    this.#followers.set(ns, apply);
    const held = this.#backlog.filter((c) => c.ns === ns);
    this.#backlog = this.#backlog.filter((c) => c.ns !== ns);
    for (const { key } of held) this.#applyChange(ns, key);
  }

  async #beat(): Promise<void> {
    const ttl = String(this.#options.heartbeatMs * 3);
    const key = this.#key(`alive:${this.nodeId}`);
    await this.#redis.link.command(["SET", key, "1", "PX", ttl], key);
  }

  async #alive(node: string): Promise<boolean> {
    const key = this.#key(`alive:${node}`);
    return Number(await this.#redis.link.command(["EXISTS", key], key)) === 1;
  }

  #applyChange(ns: Namespace, key: string): void {
    const apply = this.#followers.get(ns);
    if (!apply) {
      if (this.#backlog.length < 100_000) this.#backlog.push({ k: "change", from: "", ns, key });
      return;
    }
    apply(key).catch((e) => this.#log("warn", `following a ${ns} change: ${e}`));
  }

  #onBroadcast(message: Broadcast): void {
    switch (message.k) {
      case "event":
        this.#relaying = true;
        try {
          this.#events.relay(message.event as Parameters<EventBus["relay"]>[0]);
        } finally {
          this.#relaying = false;
        }
        return;
      case "change":
        this.#applyChange(message.ns, message.key);
        return;
      case "owner":
        this.#gone.delete(message.from);
        this.#cacheOwner(message.endpoint, message.from);
        if (this.#local.delete(message.endpoint)) this.#server?.releaseDevice(message.endpoint);
        return;
      case "ask": {
        const status = this.#server?.queue.status(message.requestId);
        this.#bus.answer(message.from, message.id, status ? statusToWire(status) : null);
        return;
      }
      case "bye":
        this.#gone.add(message.from);
        return;
    }
  }

  #serve(wire: unknown): Promise<unknown> {
    if (!this.#server) return Promise.reject(new Error(`node ${this.nodeId} is starting`));
    return serveRequest(this.#server, wire);
  }

  #cacheOwner(endpoint: string, node: string): void {
    this.#owners.delete(endpoint);
    this.#owners.set(endpoint, node);
    if (this.#owners.size > OWNER_CACHE_MAX) {
      this.#owners.delete(this.#owners.keys().next().value!);
    }
  }

  async #ownerOf(endpoint: string): Promise<string | null> {
    const cached = this.#owners.get(endpoint);
    if (cached !== undefined) return cached;
    const key = this.#key("owner");
    const owner = await this.#redis.link.command<string | null>(["HGET", key, endpoint], key);
    if (owner) this.#cacheOwner(endpoint, owner);
    return owner ?? null;
  }

  // ---- ServerCluster ----

  isLocal(endpoint: string): boolean {
    return this.#local.has(endpoint);
  }

  async claimDevice(endpoint: string): Promise<boolean> {
    if (this.#local.has(endpoint)) return false;
    this.#local.add(endpoint);
    this.#cacheOwner(endpoint, this.nodeId);
    const key = this.#key("owner");
    await this.#redis.link.command(["HSET", key, endpoint, this.nodeId], key);
    await this.#bus.broadcast({ k: "owner", endpoint });
    return true;
  }

  forgetDevice(endpoint: string): void {
    this.#local.delete(endpoint);
    this.#owners.delete(endpoint);
    const key = this.#key("owner");
    this.#redis.link.command(["HDEL", key, endpoint], key)
      .catch((e) => this.#log("warn", `forgetting the owner of ${endpoint}: ${e}`));
  }

  async forward<K extends RemoteRequest["kind"]>(
    request: Extract<RemoteRequest, { kind: K }>,
    timeoutMs: number,
  ): Promise<RemoteAnswers[K] | undefined> {
    const server = this.#server;
    const endpoint = request.endpoint;
    if (!server || this.#local.has(endpoint)) return undefined;
    let owner: string | null;
    try {
      owner = await this.#ownerOf(endpoint);
    } catch (e) {
      this.#log("warn", `owner of ${endpoint} unknown (${e}): running the request here`);
      return undefined;
    }
    if (owner === this.nodeId) return undefined;
    if (owner === null || this.#gone.has(owner)) {
      await adoptDevice(server, endpoint, true); // nobody holds it: this node takes it
      return undefined;
    }
    const kind = request.kind as K;
    const reply = await this.#bus.request(
      owner,
      requestToWire(request),
      timeoutMs + this.#options.forwardMarginMs,
      this.#options.ackTimeoutMs,
    );
    switch (reply.kind) {
      case "answer":
        return answerFromWire(kind, reply.answer);
      case "error":
        return failedAnswer(kind, `node ${owner}: ${reply.message}`);
      case "timeout":
        return timeoutAnswer(kind);
      case "noAck":
        if (await this.#alive(owner)) return timeoutAnswer(kind);
        this.#gone.add(owner);
        this.#log("info", `node ${owner} is gone: taking ${endpoint} over`);
        await adoptDevice(server, endpoint, true);
        return undefined;
    }
  }

  async queueStatus(requestId: string): Promise<RequestStatus | undefined> {
    const answer = await this.#bus.ask(requestId, this.#options.askTimeoutMs);
    return answer === null ? undefined : statusFromWire(answer);
  }

  claimExpiry(r: Registration): Promise<boolean> {
    return this.#redis.coordination.claimOnce(
      `expire:${r.endpoint}`,
      `${r.registrationId}:${r.updatedAtMs}`,
      EXPIRY_CLAIM_TTL_MS,
    );
  }

  /** Leaves the cluster (before the store closes): others stop forwarding here at once. */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.#unsubscribe();
    const key = this.#key(`alive:${this.nodeId}`);
    await this.#bus.broadcast({ k: "bye" }).catch(() => {});
    await this.#redis.link.command(["DEL", key], key).catch(() => {});
    this.#bus.close();
  }
}
