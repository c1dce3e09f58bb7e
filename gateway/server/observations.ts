/**
 * Observations requested by users (LwM2M Core §6.4.1 Observe / Observe-Composite): kept per
 * endpoint in the Store, issued to the device (with content-format fallback), re-issued after
 * every new Register (the device forgets them, lwm2m-interfaces.md §5) and restored after a
 * restart of the gateway with their tokens, so notifications keep flowing without a re-Register.
 * In a cluster (issue 10) every node knows every record; only the device's owner node holds the
 * live CoAP side, and observe/cancel requests made on other nodes are forwarded to it.
 */

import type { CoapMessage } from "../../codec-wasm/types.ts";
import type { OutgoingRequest } from "../coap/state.ts";
import {
  buildRequest,
  decodeValues,
  formatCandidates,
  interpretResponse,
  isFormatRefusal,
  type Lwm2mResult,
  type Operation,
} from "../lwm2m/operations.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import { NAMESPACES } from "../store/store.ts";
import type { Lwm2mServer } from "./lwm2m_server.ts";
import { valuesToJson } from "./json.ts";
import { encodeBase64 } from "../lwm2m/content/mod.ts";

export interface ObservationRecord {
  observationId: string;
  endpoint: string;
  composite: boolean;
  paths: string[];
  /** Forced content format, if the user asked for one. */
  format?: number;
  /** Set while the device holds the observation. */
  active?: { peer: string; tokenHex: string; format: number; request: OutgoingRequest };
}

interface Live {
  coapRequestId: string;
  format: number;
}

function storeKey(o: Pick<ObservationRecord, "endpoint" | "observationId">): string {
  return `${o.endpoint}|${o.observationId}`;
}

export class Observations {
  readonly #server: Lwm2mServer;
  readonly #records = new Map<string, ObservationRecord>();
  readonly #live = new Map<string, Live>();

  constructor(server: Lwm2mServer) {
    this.#server = server;
  }

  get(observationId: string): ObservationRecord | undefined {
    return this.#records.get(observationId);
  }

  forEndpoint(endpoint: string): ObservationRecord[] {
    return [...this.#records.values()].filter((o) => o.endpoint === endpoint);
  }

  #op(o: ObservationRecord): Operation {
    const paths = o.paths.map((p) => Lwm2mPath.parse(p));
    return o.composite ? { kind: "observeComposite", paths } : { kind: "observe", path: paths[0] };
  }

  /** Starts an observation; the first response's values come back with its id. */
  async observe(
    endpoint: string,
    paths: Lwm2mPath[],
    composite: boolean,
    format?: number,
    timeoutMs?: number,
  ): Promise<{ observationId: string | null; result: Lwm2mResult }> {
    const server = this.#server;
    const forwarded = await server.options.cluster?.forward(
      { kind: "observe", endpoint, paths: paths.map(String), composite, format, timeoutMs },
      server.timeoutOf({ timeoutMs }),
    );
    if (forwarded === undefined) {
      return await this.observeHere(endpoint, paths, composite, format, timeoutMs);
    }
    if (forwarded.observationId) await this.applyRemote(`${endpoint}|${forwarded.observationId}`);
    return forwarded;
  }

  /** observe() on this node (the device's owner), also for requests forwarded to it. */
  async observeHere(
    endpoint: string,
    paths: Lwm2mPath[],
    composite: boolean,
    format?: number,
    timeoutMs?: number,
  ): Promise<{ observationId: string | null; result: Lwm2mResult }> {
    const observationId = crypto.randomUUID();
    const record: ObservationRecord = {
      observationId,
      endpoint,
      composite,
      paths: paths.map(String),
      format,
    };
    const result = await this.#issue(record, timeoutMs);
    // A 2.05 without the Observe option is a plain read: the device will not notify (RFC 7641 §3.1).
    if (result.kind !== "content" || !this.#live.has(observationId)) {
      return { observationId: null, result };
    }
    this.#records.set(observationId, record);
    await this.#save(record);
    return { observationId, result };
  }

  async #issue(o: ObservationRecord, timeoutMs?: number): Promise<Lwm2mResult> {
    const server = this.#server;
    const r = server.get(o.endpoint);
    if (!r) return { kind: "notRegistered" };
    const { codec, models } = server.options;
    const op = this.#op(o);
    const formats = o.format !== undefined ? [o.format] : formatCandidates(r, op);
    let last: Lwm2mResult = { kind: "failed", message: "no content format accepted" };
    for (const format of formats) {
      let request: OutgoingRequest;
      try {
        request = buildRequest(op, r, format, models, codec);
      } catch (e) {
        last = { kind: "failed", message: (e as Error).message };
        continue;
      }
      const observation = await server.engine.observe(r.address, request, {
        onNotification: (n) => this.#onNotification(o, n),
        onEnd: (reason) => this.#onEnd(o, reason),
      }, timeoutMs ?? server.options.requestTimeoutMs);
      if (observation.result.kind !== "response") {
        return observation.result.kind === "timeout"
          ? { kind: "timeout" }
          : { kind: "failed", message: observation.result.kind };
      }
      server.touch(o.endpoint);
      const response = observation.result.response;
      if (isFormatRefusal(response) && o.format === undefined) {
        last = interpretResponse(op, response, format, models, codec, r.rootPath);
        continue;
      }
      const result = interpretResponse(op, response, format, models, codec, r.rootPath);
      if (observation.established) {
        this.#live.set(o.observationId, { coapRequestId: observation.requestId, format });
        const tokenHex = server.engine.observationToken(observation.requestId);
        if (tokenHex) o.active = { peer: r.address, tokenHex, format, request };
      }
      return result;
    }
    return last;
  }

  #onNotification(o: ObservationRecord, n: CoapMessage): void {
    const server = this.#server;
    server.touch(o.endpoint);
    const live = this.#live.get(o.observationId);
    const format = live?.format ?? o.active?.format ?? 0;
    const path = o.composite ? null : Lwm2mPath.parse(o.paths[0]);
    const result = n.code < 128
      ? decodeValues(n, path, format, server.options.models, server.options.codec)
      : { kind: "deviceError" as const, coapCode: n.code, message: "" };
    const data: Record<string, unknown> = { observationId: o.observationId };
    if (result.kind === "content") data.values = valuesToJson(result.values, server.options.models);
    else {
      data.error = result;
      data.payload = encodeBase64(n.payload);
    }
    server.events.emit("notification", o.endpoint, data);
  }

  #onEnd(o: ObservationRecord, reason: string): void {
    this.#live.delete(o.observationId);
    if (o.active) {
      delete o.active;
      this.#save(o).catch((e) => this.#server.log("warn", `store: ${e}`));
    }
    this.#server.log("debug", `observation ${o.observationId} of ${o.endpoint} ended: ${reason}`);
  }

  /** Cancels an observation (actively with GET Observe=1 unless the client is gone). */
  async cancel(observationId: string, active = true): Promise<boolean> {
    const o = this.#records.get(observationId);
    if (!o) return false;
    const server = this.#server;
    const forwarded = await server.options.cluster?.forward(
      { kind: "cancelObservation", endpoint: o.endpoint, observationId, active },
      server.timeoutOf({}),
    );
    if (forwarded === undefined) return await this.cancelHere(o.endpoint, observationId, active);
    this.#records.delete(observationId);
    return forwarded;
  }

  /** cancel() on this node (the device's owner), also for requests forwarded to it. */
  async cancelHere(endpoint: string, observationId: string, active = true): Promise<boolean> {
    const o = this.#records.get(observationId);
    const key = storeKey(o ?? { endpoint, observationId });
    await this.#server.options.store.delete(NAMESPACES.observation, key);
    if (!o) return false;
    this.#records.delete(observationId);
    const live = this.#live.get(observationId);
    this.#live.delete(observationId);
    if (live) {
      const canReach = active && this.#server.get(o.endpoint) !== undefined &&
        !this.#server.isSleeping(o.endpoint);
      await this.#server.engine.cancelObservation(live.coapRequestId, canReach);
    }
    return true;
  }

  /** The device forgot its observations (new Register, de-registration, expiry). */
  dropDeviceSide(endpoint: string): void {
    for (const o of this.forEndpoint(endpoint)) {
      const live = this.#live.get(o.observationId);
      this.#live.delete(o.observationId);
      if (live) this.#server.engine.cancelObservation(live.coapRequestId, false);
      delete o.active;
    }
  }

  /** Re-issues every observation of an endpoint (after a new Register). */
  reissue(endpoint: string): void {
    for (const o of this.forEndpoint(endpoint)) {
      this.#issue(o)
        .then((result) => {
          if (result.kind !== "content") {
            this.#server.log("warn", `re-observing ${o.paths} on ${endpoint}: ${result.kind}`);
          }
          return this.#save(o);
        })
        .catch((e) => this.#server.log("warn", `re-observing on ${endpoint}: ${e}`));
    }
  }

  async #save(o: ObservationRecord): Promise<void> {
    await this.#server.options.store.put(NAMESPACES.observation, storeKey(o), o);
  }

  /** Restores observations from the store; live ones get their tokens back in the CoAP engine. */
  async load(): Promise<void> {
    const server = this.#server;
    for (
      const { value: o } of await server.options.store.list<ObservationRecord>(
        NAMESPACES.observation,
      )
    ) {
      if (!server.get(o.endpoint)) {
        await server.options.store.delete(NAMESPACES.observation, storeKey(o));
        continue;
      }
      this.#records.set(o.observationId, o);
      this.#restoreLive(o);
    }
  }

  /** Gives a stored observation the device still holds its token back in the CoAP engine. */
  #restoreLive(o: ObservationRecord): void {
    const r = this.#server.get(o.endpoint);
    if (!r || !o.active || o.active.peer !== r.address || this.#live.has(o.observationId)) return;
    const coapRequestId = this.#server.engine.restoreObservation(
      o.active.peer,
      o.active.tokenHex,
      o.active.request,
      {
        onNotification: (n) => this.#onNotification(o, n),
        onEnd: (reason) => this.#onEnd(o, reason),
      },
    );
    this.#live.set(o.observationId, { coapRequestId, format: o.active.format });
  }

  /**
   * Cluster (issue 10): the device's session moved to this node. Its records are read again from
   * the store; with `live` (it sent an Update, so it still holds its observations) their tokens are
   * restored here, otherwise (a new Register) they are re-issued by `reissue`.
   */
  async adopt(endpoint: string, live: boolean): Promise<void> {
    const rows = await this.#server.options.store.list<ObservationRecord>(
      NAMESPACES.observation,
      { prefix: `${endpoint}|` },
    );
    for (const { value: o } of rows) {
      if (o.endpoint !== endpoint || this.#live.has(o.observationId)) continue;
      if (!live) delete o.active;
      this.#records.set(o.observationId, o);
      if (live) this.#restoreLive(o);
    }
  }

  /** Cluster: another node changed the stored record `key`; follow it (records only). */
  async applyRemote(key: string): Promise<void> {
    const o = await this.#server.options.store.get<ObservationRecord>(NAMESPACES.observation, key);
    const observationId = key.slice(key.lastIndexOf("|") + 1);
    if (o) {
      if (!this.#live.has(observationId)) this.#records.set(observationId, o);
      return;
    }
    this.#records.delete(observationId);
    const live = this.#live.get(observationId);
    this.#live.delete(observationId);
    if (live) this.#server.engine.cancelObservation(live.coapRequestId, false);
  }

  /** Cluster: reads every record again (after missed change announcements); live ones stay. */
  async reloadRecords(): Promise<void> {
    const rows = await this.#server.options.store.list<ObservationRecord>(NAMESPACES.observation);
    const seen = new Set<string>();
    for (const { value: o } of rows) {
      seen.add(o.observationId);
      if (!this.#live.has(o.observationId)) this.#records.set(o.observationId, o);
    }
    for (const id of [...this.#records.keys()]) {
      if (!seen.has(id) && !this.#live.has(id)) this.#records.delete(id);
    }
  }
}
