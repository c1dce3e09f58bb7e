/**
 * The LwM2M server shell (LwM2M Core §6.2-§6.4): wires the pure registry and operation builders
 * to the CoAP engine, the Store and the event bus. Public API: registrations, `perform` for every
 * Device Management / Information Reporting operation (with content-format fallback and queue
 * mode), observations that are re-issued after each Register and survive restarts, and Send.
 * With several nodes on one Redis (issue 10, `options.cluster`), operations run on the node that
 * holds the device's session, and cluster_sync.ts keeps this node's registry a mirror of the store.
 */

import type { Codec } from "../../codec-wasm/mod.ts";
import { CONTENT_FORMAT } from "../../codec-wasm/coap_registry.ts";
import type { ModelRegistry } from "../../objects/model.ts";
import type { CoapEngine } from "../coap_engine.ts";
import { ContentError } from "../lwm2m/content/mod.ts";
import {
  buildRequest,
  formatCandidates,
  interpretResponse,
  isFormatRefusal,
  type Lwm2mResult,
  type Operation,
  usesFormat,
} from "../lwm2m/operations.ts";
import type { Registration } from "../lwm2m/registration.ts";
import * as registry from "../lwm2m/registry.ts";
import { NAMESPACES, type Store } from "../store/store.ts";
import { SortedKeys } from "../store/sorted_keys.ts";
import type { EventBus } from "./events.ts";
import type { ServerCluster } from "./cluster_hooks.ts";
import { adoptDevice, expireOnce } from "./cluster_sync.ts";
import { Observations } from "./observations.ts";
import { handleRd } from "./registrations.ts";
import { registrationJson } from "./json.ts";
import { RequestQueue } from "./request_queue.ts";
import { handleSend } from "./send.ts";

export interface Lwm2mServerOptions {
  codec: Codec;
  models: ModelRegistry;
  store: Store;
  events: EventBus;
  /** Wall-clock milliseconds (registrations outlive the process). */
  clock?: () => number;
  /** Unguessable registration ids (default: 80 random bits, hex). */
  newRegistrationId?: () => string;
  expiryGraceMs?: number;
  queueWindowMs?: number;
  /** Queued requests per sleeping client, and how long each may wait. */
  queueLimit?: number;
  queueExpiryMs?: number;
  /** Default time an operation waits for the device. */
  requestTimeoutMs?: number;
  /** The endpoint bound to the DTLS identity of a peer, if the peer authenticated (issue 8). */
  /**
   * The endpoint bound to the DTLS identity of a peer (issue 8): undefined for NoSec peers, null
   * for a peer authenticated with credentials of another role (a bootstrap PSK may not register).
   */
  authenticatedEndpoint?: (peer: string) => string | null | undefined;
  /** Several nodes on one store (issue 10); absent on a single node. */
  cluster?: ServerCluster;
  log?: (level: "info" | "warn" | "debug", message: string) => void;
}

export interface PerformOptions {
  /** Force one content format (no fallback). */
  format?: number;
  timeoutMs?: number;
  /** Queue the request when the client sleeps (default true); false answers at once. */
  queue?: boolean;
}

function randomId(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(10)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

export class Lwm2mServer {
  readonly registry: registry.RegistryState;
  readonly engine: CoapEngine;
  readonly options: Lwm2mServerOptions;
  readonly observations: Observations;
  readonly queue: RequestQueue;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAtMs = Infinity;
  #closed = false;
  /** Endpoint names in order, for paged listing of 100,000 clients. */
  readonly #names = new SortedKeys();
  /** Peer address -> endpoint, a cache for Send (POST /dp comes from an address). */
  readonly #byAddress = new Map<string, string>();

  constructor(engine: CoapEngine, options: Lwm2mServerOptions) {
    this.engine = engine;
    this.options = options;
    this.registry = registry.createRegistry({
      expiryGraceMs: options.expiryGraceMs,
      queueWindowMs: options.queueWindowMs,
    });
    this.observations = new Observations(this);
    this.queue = new RequestQueue(
      this,
      options.queueLimit ?? 100,
      options.queueExpiryMs ?? 24 * 3600_000,
    );
    engine.handle("rd", (incoming) => handleRd(this, incoming));
    engine.handle("dp", (incoming) => handleSend(this, incoming));
  }

  get events(): EventBus {
    return this.options.events;
  }

  now(): number {
    return (this.options.clock ?? Date.now)();
  }

  log(level: "info" | "warn" | "debug", message: string): void {
    this.options.log?.(level, message);
  }

  newRegistrationId(): string {
    return (this.options.newRegistrationId ?? randomId)();
  }

  authenticatedEndpoint(peer: string): string | null | undefined {
    return this.options.authenticatedEndpoint?.(peer);
  }

  isSecure(peer: string): boolean {
    return this.authenticatedEndpoint(peer) !== undefined;
  }

  /**
   * Loads registrations, observations and queued requests from the store (restart). A cluster
   * node owns no device yet: it adopts a device's queued requests when it serves its Register or
   * Update (their expiry timers would otherwise run on every node).
   */
  async start(): Promise<void> {
    const now = this.now();
    const cluster = this.options.cluster;
    for (const { value } of await this.options.store.list<Registration>(NAMESPACES.registration)) {
      if (registry.expiresAtMs(value) + this.registry.expiryGraceMs <= now) {
        if (cluster) {
          if (await cluster.claimExpiry(value)) await this.#expireStored(value);
          continue;
        }
        await this.#expireStored(value);
        continue;
      }
      this.restoreRegistration(value);
    }
    await this.observations.load();
    if (!cluster) await this.queue.load();
    this.#arm();
  }

  async #expireStored(r: Registration): Promise<void> {
    await this.unpersist(r.endpoint);
    this.options.cluster?.forgetDevice(r.endpoint);
    this.events.emit("expired", r.endpoint, { registrationId: r.registrationId });
  }

  /** Puts a registration read from the store into the registry (replacing this endpoint's). */
  restoreRegistration(r: Registration): void {
    registry.remove(this.registry, r.endpoint);
    registry.restore(this.registry, r);
    this.#names.insert(r.endpoint);
    this.#arm();
  }

  /** Drops a registration removed elsewhere (another node), without events. */
  removeQuietly(endpoint: string): void {
    registry.remove(this.registry, endpoint);
    this.#names.delete(endpoint);
    const cluster = this.options.cluster;
    if (cluster?.isLocal(endpoint)) {
      // This node held the device: its queued requests end here (once), as on a single node.
      this.queue.failAll(endpoint, { kind: "notRegistered" });
      cluster.forgetDevice(endpoint);
    }
    this.releaseDevice(endpoint);
  }

  /** Another node now holds the device's session: forget the local CoAP side of it. */
  releaseDevice(endpoint: string): void {
    this.observations.dropDeviceSide(endpoint);
    this.queue.dropEndpoint(endpoint);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.queue.close();
    await this.options.store.flush();
  }

  // ---- registrations ----

  get(endpoint: string): Registration | undefined {
    return this.registry.byEndpoint.get(endpoint);
  }

  /** Registrations by endpoint name, `limit` after `cursor` (exclusive), optionally by prefix. */
  list(
    prefix = "",
    limit = 100,
    cursor?: string,
  ): { registrations: Registration[]; nextCursor: string | null } {
    const registrations: Registration[] = [];
    const start = cursor !== undefined && cursor > prefix ? cursor : prefix;
    for (const name of this.#names.from(start, start === cursor)) {
      if (!name.startsWith(prefix)) break;
      if (registrations.length === limit) {
        return { registrations, nextCursor: registrations[registrations.length - 1].endpoint };
      }
      const r = this.registry.byEndpoint.get(name);
      if (r) registrations.push(r);
    }
    return { registrations, nextCursor: null };
  }

  isSleeping(endpoint: string): boolean {
    return registry.isSleeping(this.registry, endpoint);
  }

  async persist(r: Registration): Promise<void> {
    await this.options.store.put(NAMESPACES.registration, r.endpoint, r);
  }

  async unpersist(endpoint: string): Promise<void> {
    await this.options.store.delete(NAMESPACES.registration, endpoint);
  }

  /** Forced de-registration (HTTP DELETE /api/clients/{ep}). */
  async deregister(endpoint: string): Promise<Registration | undefined> {
    const r = registry.remove(this.registry, endpoint);
    if (!r) return undefined;
    await this.unpersist(endpoint);
    this.onRemoved(r, "deregistered");
    return r;
  }

  /** The device's CoAP state tied to an old registration (its observations) is gone. */
  forgetDeviceState(old: Registration): void {
    this.observations.dropDeviceSide(old.endpoint);
  }

  onRegistered(r: Registration, replaced: boolean): void {
    this.#names.insert(r.endpoint);
    this.events.emit("registered", r.endpoint, {
      registration: registrationJson(r, false),
      replaced,
    });
    this.#arm();
    if (this.options.cluster) {
      adoptDevice(this, r.endpoint, false)
        .catch((e) => this.log("warn", `adopting ${r.endpoint}: ${e}`))
        .then(() => {
          this.observations.reissue(r.endpoint);
          this.queue.flush(r.endpoint);
        });
      return;
    }
    this.observations.reissue(r.endpoint);
    this.queue.flush(r.endpoint);
  }

  onUpdated(r: Registration, wasSleeping: boolean): void {
    this.events.emit("updated", r.endpoint, {
      registration: registrationJson(r, this.isSleeping(r.endpoint)),
    });
    this.touch(r.endpoint);
    if (this.options.cluster) {
      adoptDevice(this, r.endpoint, true).then(
        () => this.queue.flush(r.endpoint),
        (e) => this.log("warn", `adopting ${r.endpoint}: ${e}`),
      );
    } else if (wasSleeping && !this.isSleeping(r.endpoint)) this.queue.flush(r.endpoint);
    this.#arm();
  }

  onRemoved(r: Registration, type: "deregistered" | "expired"): void {
    this.options.cluster?.forgetDevice(r.endpoint);
    this.#names.delete(r.endpoint);
    this.events.emit(type, r.endpoint, { registrationId: r.registrationId });
    this.observations.dropDeviceSide(r.endpoint);
    this.queue.failAll(r.endpoint, { kind: "notRegistered" });
  }

  /** Any message from the client: queue-mode clients are awake (and get their queued requests). */
  touch(endpoint: string): void {
    const event = registry.touch(this.registry, endpoint, this.now());
    if (event) {
      this.events.emit("awake", endpoint, {});
      this.queue.flush(endpoint);
    }
    this.#arm();
  }

  /** The registration a peer address belongs to, if any (cached; checked on every hit). */
  byPeer(peer: string): Registration | undefined {
    const cached = this.registry.byEndpoint.get(this.#byAddress.get(peer) ?? "");
    if (cached?.address === peer) return cached;
    for (const r of this.registry.byEndpoint.values()) {
      if (r.address === peer) {
        this.#byAddress.set(peer, r.endpoint);
        return r;
      }
    }
    this.#byAddress.delete(peer);
    return undefined;
  }

  // ---- operations ----

  /**
   * Performs an operation on a registered client. A sleeping queue-mode client gets the request
   * queued (result `queued`; the outcome follows as a requestCompleted/requestExpired event).
   */
  async perform(
    endpoint: string,
    op: Operation,
    options: PerformOptions = {},
  ): Promise<Lwm2mResult> {
    if (!this.get(endpoint)) return { kind: "notRegistered" };
    const forwarded = await this.options.cluster?.forward(
      { kind: "perform", endpoint, op, options },
      this.timeoutOf(options),
    );
    return forwarded ?? await this.performHere(endpoint, op, options);
  }

  /** How long an operation may take (the cluster adds a margin when forwarding). */
  timeoutOf(options: { timeoutMs?: number }): number {
    return options.timeoutMs ?? this.options.requestTimeoutMs ?? 30_000;
  }

  /** perform() on this node (the owner), also for requests forwarded by other nodes. */
  async performHere(
    endpoint: string,
    op: Operation,
    options: PerformOptions = {},
  ): Promise<Lwm2mResult> {
    const r = this.get(endpoint);
    if (!r) return { kind: "notRegistered" };
    if (r.queueMode && this.isSleeping(endpoint) && options.queue !== false) {
      return await this.queue.enqueue(endpoint, op, options);
    }
    return await this.send(r, op, options);
  }

  /**
   * Sends an operation now, trying content formats in order until one is accepted. Observe and
   * Observe-Composite become kept observations (GET/FETCH with Observe=0, re-issued after each
   * Register); their content result carries the `observationId`.
   */
  async send(r: Registration, op: Operation, options: PerformOptions): Promise<Lwm2mResult> {
    if (op.kind === "observe" || op.kind === "observeComposite") {
      const paths = op.kind === "observe" ? [op.path] : op.paths;
      const composite = op.kind === "observeComposite";
      const { observationId, result } = await this.observations.observe(
        r.endpoint,
        paths,
        composite,
        options.format,
        options.timeoutMs,
      );
      return result.kind === "content" && observationId ? { ...result, observationId } : result;
    }
    const { codec, models } = this.options;
    const formats = options.format !== undefined
      ? [options.format]
      : usesFormat(op)
      ? formatCandidates(r, op)
      : [CONTENT_FORMAT.LINK_FORMAT];
    let last: Lwm2mResult = {
      kind: "failed",
      message: "no content format could carry this request",
    };
    for (const format of formats) {
      let request;
      try {
        request = buildRequest(op, r, format, models, codec);
      } catch (e) {
        if (e instanceof ContentError) {
          last = { kind: "failed", message: e.message };
          continue;
        }
        throw e;
      }
      const result = await this.engine.request(
        r.address,
        request,
        options.timeoutMs ?? this.options.requestTimeoutMs,
      );
      if (result.kind === "timeout" || result.kind === "reset") {
        const event = registry.markSleeping(this.registry, r.endpoint);
        if (event) this.events.emit("sleeping", r.endpoint, {});
        return result.kind === "timeout"
          ? { kind: "timeout" }
          : { kind: "failed", message: "device reset the request" };
      }
      if (result.kind !== "response") {
        return { kind: "failed", message: result.kind === "failed" ? result.reason : result.kind };
      }
      this.touch(r.endpoint);
      if (isFormatRefusal(result.response) && usesFormat(op) && options.format === undefined) {
        last = interpretResponse(op, result.response, format, models, codec, r.rootPath);
        continue;
      }
      if (format !== formats[0] && usesFormat(op) && result.response.code < 128) {
        r.preferredFormat = format;
        this.persist(r).catch((e) => this.log("warn", `persisting ${r.endpoint}: ${e}`));
      }
      return interpretResponse(op, result.response, format, models, codec, r.rootPath);
    }
    return last;
  }

  #arm(): void {
    if (this.#closed) return;
    const next = registry.nextDeadlineMs(this.registry);
    if (next === null || next === this.#timerAtMs) return;
    clearTimeout(this.#timer);
    this.#timerAtMs = next;
    this.#timer = setTimeout(() => {
      this.#timerAtMs = Infinity;
      this.#tick();
    }, Math.min(Math.max(0, next - this.now()), 2 ** 31 - 1));
  }

  #tick(): void {
    const cluster = this.options.cluster;
    for (const e of registry.tick(this.registry, this.now())) {
      if (e.type === "expired" && cluster) {
        expireOnce(this, cluster, e.registration).catch((err) =>
          this.log("warn", `expiry: ${err}`)
        );
      } else if (e.type === "expired") {
        this.unpersist(e.endpoint).catch((err) => this.log("warn", `store: ${err}`));
        this.onRemoved(e.registration, "expired");
      } else if (!cluster || cluster.isLocal(e.endpoint)) this.events.emit(e.type, e.endpoint, {});
    }
    this.#arm();
  }
}
