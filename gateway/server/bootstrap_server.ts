/**
 * The Bootstrap server shell (LwM2M Core §6.1; spec digest lwm2m-interfaces.md §1): answers
 * Bootstrap-Request `POST /bs?ep=..[&pct=..]` on the gateway's CoAP port, then drives the session
 * decided by the pure state machine (gateway/lwm2m/bootstrap.ts) with CoAP requests to the client.
 * On success the PSKs it wrote are recorded as the endpoint's credentials (server and bootstrap
 * roles kept apart) so the device can then use DTLS. Events: bootstrapStarted, bootstrapStep
 * (never with key material), bootstrapFinished, bootstrapFailed.
 */

import type { Codec } from "../../codec-wasm/mod.ts";
import { CONTENT_FORMAT, OPTION } from "../../codec-wasm/coap_registry.ts";
import type { CoapOption } from "../../codec-wasm/types.ts";
import type { ModelRegistry } from "../../objects/model.ts";
import type { OutgoingRequest } from "../coap/state.ts";
import { uintOptionOf, uriPath, uriQuery } from "../coap/wire.ts";
import type { CoapEngine, HandlerResponse, IncomingRequest } from "../coap_engine.ts";
import {
  BOOTSTRAP_FORMATS,
  type BootstrapDecision,
  type BootstrapStep,
  firstDecision,
  onStepResponse,
  onStepTimeout,
  startSession,
} from "../lwm2m/bootstrap.ts";
import { encodeContent } from "../lwm2m/content/mod.ts";
import { valuesFromJson } from "../lwm2m/json_values.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import { queryPairs } from "../lwm2m/registration.ts";
import type { Lwm2mValues } from "../lwm2m/values.ts";
import type { BootstrapConfig, BootstrapConfigStore } from "./bootstrap_config.ts";
import type { SecurityStore } from "./credentials.ts";
import type { EventBus } from "./events.ts";

export interface BootstrapServerOptions {
  codec: Codec;
  models: ModelRegistry;
  configs: BootstrapConfigStore;
  security: SecurityStore;
  events: EventBus;
  /**
   * The endpoint bound to a peer's DTLS bootstrap identity (issue 8): undefined for NoSec peers,
   * null for a peer authenticated with LwM2M-server credentials (they may not bootstrap).
   */
  authenticatedEndpoint?: (peer: string) => string | null | undefined;
  /** How long each step may wait for the client (default: the CoAP engine's default). */
  stepTimeoutMs?: number;
  clock?: () => number;
  log?: (level: "info" | "warn", message: string) => void;
}

const te = new TextEncoder();
const td = new TextDecoder();
const COAP = { GET: 1, POST: 2, PUT: 3, DELETE: 4 } as const;
const COAP_204_CHANGED = 68;
const COAP_400_BAD_REQUEST = 128;
const COAP_415_UNSUPPORTED = 143;

function pathOptions(path: string): CoapOption[] {
  return path.split("/").filter((s) => s).map((s) => ({
    number: OPTION.URI_PATH,
    value: te.encode(s),
  }));
}

/** A step as events show it: paths and resource ids, never values (keys are among them). */
function describeStep(step: BootstrapStep): Record<string, unknown> {
  if (step.kind === "write") {
    return {
      kind: step.kind,
      path: step.path,
      resources: [...step.values.keys()].map((p) => p.split("/").pop()),
    };
  }
  return { ...step };
}

export class BootstrapServer {
  readonly #engine: CoapEngine;
  readonly #o: BootstrapServerOptions;
  /** Endpoints with a session in progress (concurrent sessions are refused). */
  readonly #active = new Set<string>();

  constructor(engine: CoapEngine, options: BootstrapServerOptions) {
    this.#engine = engine;
    this.#o = options;
    engine.handle("bs", (incoming) => this.#onBootstrapRequest(incoming));
  }

  #now(): number {
    return (this.#o.clock ?? Date.now)();
  }

  isActive(endpoint: string): boolean {
    return this.#active.has(endpoint);
  }

  async #onBootstrapRequest(incoming: IncomingRequest): Promise<HandlerResponse> {
    const { request, peer } = incoming;
    const refuse = (code: number, message: string): HandlerResponse => {
      this.#o.log?.("info", `bootstrap request from ${peer} refused: ${message}`);
      return { code, payload: te.encode(message) };
    };
    if (request.code !== COAP.POST || uriPath(request).length !== 1) {
      return refuse(133, "use POST /bs");
    }
    const params = new Map(queryPairs(uriQuery(request)));
    const authenticated = this.#o.authenticatedEndpoint?.(peer);
    if (authenticated === null) {
      return refuse(COAP_400_BAD_REQUEST, "these DTLS credentials are not for bootstrap");
    }
    const endpoint = params.get("ep") ?? authenticated;
    if (!endpoint) return refuse(COAP_400_BAD_REQUEST, "ep is required");
    if (authenticated !== undefined && endpoint !== authenticated) {
      return refuse(COAP_400_BAD_REQUEST, "ep does not match the DTLS identity");
    }
    let pct: number | undefined;
    if (params.has("pct")) {
      pct = Number(params.get("pct"));
      if (!BOOTSTRAP_FORMATS.includes(pct as never)) {
        return refuse(COAP_415_UNSUPPORTED, `pct ${params.get("pct")} is not a bootstrap format`);
      }
    }
    const config = await this.#o.configs.get(endpoint);
    if (!config) return refuse(COAP_400_BAD_REQUEST, `no bootstrap configuration for ${endpoint}`);
    if (this.#active.has(endpoint)) {
      return refuse(COAP_400_BAD_REQUEST, "a bootstrap session is already running");
    }
    this.#active.add(endpoint);
    return {
      code: COAP_204_CHANGED,
      afterSend: () => {
        this.#run(peer, endpoint, config, pct)
          .catch((e) =>
            this.#fail(endpoint, `internal error: ${e instanceof Error ? e.message : e}`)
          )
          .finally(() => this.#active.delete(endpoint));
      },
    };
  }

  #buildRequest(step: BootstrapStep, format: number): OutgoingRequest {
    switch (step.kind) {
      case "discover":
        return {
          code: COAP.GET,
          options: [uintOptionOf(OPTION.ACCEPT, CONTENT_FORMAT.LINK_FORMAT)],
        };
      case "delete":
        return { code: COAP.DELETE, options: pathOptions(step.path) };
      case "write":
        return {
          code: COAP.PUT,
          options: [...pathOptions(step.path), uintOptionOf(OPTION.CONTENT_FORMAT, format)],
          payload: encodeContent(
            format,
            step.values,
            Lwm2mPath.parse(step.path),
            this.#o.models,
            this.#o.codec,
          ),
        };
      case "finish":
        return { code: COAP.POST, options: pathOptions("/bs") };
    }
  }

  async #run(
    peer: string,
    endpoint: string,
    config: BootstrapConfig,
    pct: number | undefined,
  ): Promise<void> {
    const { events } = this.#o;
    events.emit("bootstrapStarted", endpoint, { address: peer });
    let objects: Lwm2mValues;
    try {
      objects = valuesFromJson(config.objects ?? {}, this.#o.models);
    } catch (e) {
      return this.#fail(endpoint, `configuration objects: ${(e as Error).message}`);
    }
    const session = startSession(endpoint, config, pct, this.#now());
    let decision: BootstrapDecision = firstDecision(session);
    while (decision.kind === "continue") {
      const { step, format } = decision;
      events.emit("bootstrapStep", endpoint, { step: describeStep(step), format });
      let request: OutgoingRequest;
      try {
        request = this.#buildRequest(step, format);
      } catch (e) {
        return this.#fail(
          endpoint,
          `cannot encode ${"path" in step ? step.path : step.kind}: ${(e as Error).message}`,
        );
      }
      const result = await this.#engine.request(peer, request, this.#o.stepTimeoutMs);
      decision = result.kind === "response"
        ? onStepResponse(
          session,
          result.response.code,
          td.decode(result.response.payload),
          objects,
          this.#now(),
        )
        : onStepTimeout(session);
    }
    if (decision.kind === "failed") return this.#fail(endpoint, decision.reason);
    const recorded = await this.#recordCredentials(endpoint, config);
    events.emit("bootstrapFinished", endpoint, {
      servers: config.servers.map((s) => s.uri),
      credentials: recorded,
    });
  }

  /** Records the PSKs written to the device, so it can use DTLS with them (issue 7). */
  async #recordCredentials(endpoint: string, config: BootstrapConfig): Promise<string[]> {
    const recorded: string[] = [];
    const psk = config.servers.find((s) => s.securityMode === "psk" && s.identity && s.key);
    const accounts = [
      ...(psk ? [{ role: "server" as const, identity: psk.identity!, key: psk.key! }] : []),
      ...(config.bootstrapServer?.securityMode === "psk" && config.bootstrapServer.identity &&
          config.bootstrapServer.key
        ? [{
          role: "bootstrap" as const,
          identity: config.bootstrapServer.identity,
          key: config.bootstrapServer.key,
        }]
        : []),
    ];
    for (const a of accounts) {
      try {
        const key = Uint8Array.from(a.key.match(/../g)!.map((h) => parseInt(h, 16)));
        await this.#o.security.put(endpoint, { mode: "psk", identity: a.identity, key }, a.role);
        recorded.push(a.role);
      } catch (e) {
        this.#o.log?.(
          "warn",
          `bootstrap of ${endpoint}: ${a.role} credential not recorded: ${(e as Error).message}`,
        );
      }
    }
    return recorded;
  }

  #fail(endpoint: string, reason: string): void {
    this.#o.log?.("warn", `bootstrap of ${endpoint} failed: ${reason}`);
    this.#o.events.emit("bootstrapFailed", endpoint, { reason });
  }
}
