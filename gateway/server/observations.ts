/**
 * Observations requested by users (LwM2M Core §6.4.1 Observe / Observe-Composite): kept per
 * endpoint in the Store, issued to the device (with content-format fallback), re-issued after
 * every new Register (the device forgets them, lwm2m-interfaces.md §5) and restored after a
 * restart of the gateway with their tokens, so notifications keep flowing without a re-Register.
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

function storeKey(o: ObservationRecord): string {
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
    this.#records.delete(observationId);
    await this.#server.options.store.delete(NAMESPACES.observation, storeKey(o));
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
      const r = server.get(o.endpoint);
      if (!r) {
        await server.options.store.delete(NAMESPACES.observation, storeKey(o));
        continue;
      }
      this.#records.set(o.observationId, o);
      if (o.active && o.active.peer === r.address) {
        const coapRequestId = server.engine.restoreObservation(
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
    }
  }
}
