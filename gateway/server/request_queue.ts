/**
 * Queue mode on the server side (LwM2M Core §6.4 Queue Mode; lwm2m-interfaces.md §2.5): requests
 * to a sleeping client wait here (bounded per client, each with an expiry), go out in order once
 * the client is awake, and end as a requestCompleted or requestExpired event. Queued requests are
 * persisted, so a restart keeps them. Every request has a status for GET /api/requests/{id}.
 * In a cluster (issue 10) the requests of a device are held by its owner node: a node that takes a
 * device over adopts them from the store, the node that lost it drops its copies.
 */

import { NAMESPACES } from "../store/store.ts";
import type { Lwm2mResult, Operation } from "../lwm2m/operations.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import type { Lwm2mValue } from "../lwm2m/values.ts";
import type { Lwm2mServer, PerformOptions } from "./lwm2m_server.ts";
import { resultToJson } from "./json.ts";

export type RequestState = "queued" | "sent" | "done" | "expired" | "failed";

export interface QueuedRequest {
  requestId: string;
  endpoint: string;
  op: Operation;
  options: PerformOptions;
  state: RequestState;
  createdAtMs: number;
  expiresAtMs: number;
  result?: Lwm2mResult;
}

/** What GET /api/requests/{id} shows of a request (also when another node holds it). */
export type RequestStatus = Pick<
  QueuedRequest,
  "requestId" | "endpoint" | "state" | "expiresAtMs" | "result"
>;

/** How long finished requests stay visible to GET /api/requests/{id}. */
const KEEP_FINISHED_MS = 3600_000;
const MAX_FINISHED = 100_000;

/** JSON form of an operation for the store (paths as strings, value maps as entries). */
export function operationToJson(op: Operation): Record<string, unknown> {
  const out: Record<string, unknown> = { ...op };
  if ("path" in op) out.path = op.path.toString();
  if ("paths" in op) out.paths = op.paths.map((p) => p.toString());
  if ("values" in op) out.values = [...op.values.entries()];
  return out;
}

export function operationFromJson(json: Record<string, unknown>): Operation {
  const op: Record<string, unknown> = { ...json };
  if (typeof json.path === "string") op.path = Lwm2mPath.parse(json.path);
  if (Array.isArray(json.paths)) op.paths = (json.paths as string[]).map((p) => Lwm2mPath.parse(p));
  if (Array.isArray(json.values)) op.values = new Map(json.values as [string, Lwm2mValue][]);
  return op as unknown as Operation;
}

export class RequestQueue {
  readonly #server: Lwm2mServer;
  readonly #limit: number;
  readonly #expiryMs: number;
  readonly #byEndpoint = new Map<string, QueuedRequest[]>();
  readonly #all = new Map<string, QueuedRequest>();
  readonly #flushing = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #nextId = 1;

  constructor(server: Lwm2mServer, limit: number, expiryMs: number) {
    this.#server = server;
    this.#limit = limit;
    this.#expiryMs = expiryMs;
  }

  /** Requests waiting for sleeping clients. */
  depth(): number {
    let n = 0;
    for (const list of this.#byEndpoint.values()) n += list.length;
    return n;
  }

  status(requestId: string): QueuedRequest | undefined {
    return this.#all.get(requestId);
  }

  /** This node's view, or (in a cluster) the node's that holds the request. */
  async statusAnywhere(requestId: string): Promise<RequestStatus | undefined> {
    return this.status(requestId) ?? await this.#server.options.cluster?.queueStatus(requestId);
  }

  async load(endpoint?: string): Promise<void> {
    const rows = await this.#server.options.store.list<Record<string, unknown>>(
      NAMESPACES.queuedRequest,
      endpoint === undefined ? {} : { prefix: `${endpoint}|` },
    );
    for (const { value } of rows) {
      const q = {
        ...value,
        op: operationFromJson(value.op as Record<string, unknown>),
      } as unknown as QueuedRequest;
      if (endpoint !== undefined && q.endpoint !== endpoint) continue;
      if (this.#all.has(q.requestId)) continue;
      this.#all.set(q.requestId, q);
      const list = this.#byEndpoint.get(q.endpoint) ?? [];
      list.push(q);
      this.#byEndpoint.set(q.endpoint, list);
    }
    for (const list of this.#byEndpoint.values()) {
      list.sort((a, b) => a.createdAtMs - b.createdAtMs);
    }
    this.#arm();
  }

  /** Cluster: the device's session moved to this node; take over its requests from the store. */
  adopt(endpoint: string): Promise<void> {
    return this.load(endpoint);
  }

  /** Cluster: the device's session moved to another node, which holds its requests from now on. */
  dropEndpoint(endpoint: string): void {
    const list = this.#byEndpoint.get(endpoint);
    if (!list) return;
    this.#byEndpoint.delete(endpoint);
    for (const q of list) this.#all.delete(q.requestId);
    this.#arm();
  }

  async enqueue(endpoint: string, op: Operation, options: PerformOptions): Promise<Lwm2mResult> {
    const list = this.#byEndpoint.get(endpoint) ?? [];
    if (list.length >= this.#limit) {
      return { kind: "failed", message: `queue of ${endpoint} is full (${this.#limit} requests)` };
    }
    const now = this.#server.now();
    const q: QueuedRequest = {
      requestId: `q${now.toString(36)}${(this.#nextId++).toString(36)}${randomSuffix()}`,
      endpoint,
      op,
      options,
      state: "queued",
      createdAtMs: now,
      expiresAtMs: now + this.#expiryMs,
    };
    list.push(q);
    this.#byEndpoint.set(endpoint, list);
    this.#all.set(q.requestId, q);
    await this.#server.options.store.put(NAMESPACES.queuedRequest, `${endpoint}|${q.requestId}`, {
      ...q,
      op: operationToJson(op),
    });
    this.#arm();
    return { kind: "queued", requestId: q.requestId, expiresAtMs: q.expiresAtMs };
  }

  /** Sends the client's queued requests one at a time while it stays awake. */
  flush(endpoint: string): void {
    if (this.#flushing.has(endpoint) || !this.#byEndpoint.get(endpoint)?.length) return;
    this.#flushing.add(endpoint);
    this.#drain(endpoint).finally(() => this.#flushing.delete(endpoint));
  }

  async #drain(endpoint: string): Promise<void> {
    const list = this.#byEndpoint.get(endpoint) ?? [];
    // The list leaves #byEndpoint when another node takes the device over (dropEndpoint).
    while (
      list.length > 0 && !this.#server.isSleeping(endpoint) &&
      this.#byEndpoint.get(endpoint) === list
    ) {
      const q = list[0];
      const r = this.#server.get(endpoint);
      if (!r) return;
      q.state = "sent";
      const result = await this.#server.send(r, q.op, q.options);
      if (result.kind === "timeout" && this.#server.isSleeping(endpoint)) {
        q.state = "queued"; // asleep again: keep it for the next wake-up
        return;
      }
      list.shift();
      this.#finish(q, result.kind === "failed" ? "failed" : "done", result);
    }
  }

  /** Ends every queued request of an endpoint with `result` (e.g. it de-registered). */
  failAll(endpoint: string, result: Lwm2mResult): void {
    const list = this.#byEndpoint.get(endpoint) ?? [];
    this.#byEndpoint.delete(endpoint);
    for (const q of list) this.#finish(q, "failed", result);
  }

  #finish(q: QueuedRequest, state: RequestState, result: Lwm2mResult): void {
    q.state = state;
    q.result = result;
    q.expiresAtMs = this.#server.now() + KEEP_FINISHED_MS;
    this.#server.options.store.delete(NAMESPACES.queuedRequest, `${q.endpoint}|${q.requestId}`)
      .catch((e) => this.#server.log("warn", `store: ${e}`));
    const type = state === "expired" ? "requestExpired" : "requestCompleted";
    this.#server.events.emit(type, q.endpoint, {
      requestId: q.requestId,
      state,
      result: resultToJson(result, this.#server.options.models),
    });
    if (this.#all.size > MAX_FINISHED) this.#evictFinished(this.#server.now());
    this.#arm();
  }

  #evictFinished(now: number): void {
    for (const [id, q] of this.#all) {
      if (
        (q.state === "done" || q.state === "failed" || q.state === "expired") &&
        q.expiresAtMs <= now
      ) {
        this.#all.delete(id);
      }
    }
  }

  #arm(): void {
    clearTimeout(this.#timer);
    let next = Infinity;
    for (const q of this.#all.values()) {
      if (q.state === "queued") next = Math.min(next, q.expiresAtMs);
    }
    if (next === Infinity) return;
    this.#timer = setTimeout(
      () => this.#expire(),
      Math.min(Math.max(0, next - this.#server.now()), 2 ** 31 - 1),
    );
  }

  #expire(): void {
    const now = this.#server.now();
    for (const [endpoint, list] of this.#byEndpoint) {
      const keep = list.filter((q) => q.state !== "queued" || q.expiresAtMs > now);
      for (const q of list) {
        if (!keep.includes(q)) {
          this.#finish(q, "expired", { kind: "expired", requestId: q.requestId });
        }
      }
      if (keep.length > 0) this.#byEndpoint.set(endpoint, keep);
      else this.#byEndpoint.delete(endpoint);
    }
    this.#evictFinished(now);
    this.#arm();
  }

  close(): void {
    clearTimeout(this.#timer);
  }
}

function randomSuffix(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(6)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}
