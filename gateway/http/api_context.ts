/**
 * What the HTTP routes need from the rest of the gateway, and the shared helpers that turn route
 * input into LwM2M operations and LwM2M results into HTTP responses (DESIGN.md §6).
 */

import type { Context } from "hono";
import { z } from "zod";
import type { ModelRegistry } from "../../objects/model.ts";
import { parseFormat } from "../lwm2m/content/mod.ts";
import { fromJson, JsonValueError } from "../lwm2m/json_values.ts";
import type { Lwm2mResult, Operation } from "../lwm2m/operations.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import type { Registration } from "../lwm2m/registration.ts";
import type { Lwm2mValues } from "../lwm2m/values.ts";
import type { GatewayMetrics } from "../metrics.ts";
import type { EventBus } from "../server/events.ts";
import type { SecurityStore } from "../server/credentials.ts";
import type { FirmwareService } from "../server/firmware.ts";
import type { Lwm2mServer, PerformOptions } from "../server/lwm2m_server.ts";
import type { Store } from "../store/store.ts";
import { badRequest, clientNotFound, HttpError, resultError } from "./errors.ts";

export interface ApiDeps {
  server: Lwm2mServer | null;
  models: ModelRegistry;
  events: EventBus;
  store: Store;
  metrics: GatewayMetrics;
  nowMs: () => number;
  /** Bearer token for /api/*, or null when the API is open. */
  apiToken: string | null;
  /** DTLS credentials (issue 6/8); services.ts makes one over `store` when absent. */
  security?: SecurityStore;
  /** Firmware updates (issue 6); services.ts makes one when absent. */
  firmware?: FirmwareService;
  /** `--public-uri`: how devices reach the gateway (firmware pull URIs). */
  publicUri?: string | null;
}

/** DESIGN.md §6: ?timeout= in milliseconds, default 30000, max 300000. */
export const DEFAULT_TIMEOUT_MS = 30_000;
export const MAX_TIMEOUT_MS = 300_000;

export const operationQuery = z.object({
  format: z.string().optional().describe(
    "text|opaque|tlv|cbor|senml-json|senml-cbor|lwm2m-cbor|json or a number",
  ),
  timeout: z.string().regex(/^\d+$/, "timeout must be milliseconds").optional().describe(
    "milliseconds, default 30000, max 300000",
  ),
});

export type OperationQuery = z.infer<typeof operationQuery>;

export function serverOf(deps: ApiDeps): Lwm2mServer {
  if (!deps.server) {
    throw new HttpError(503, "failed", "the LwM2M server is disabled (--coap-port off)");
  }
  return deps.server;
}

export function requireClient(deps: ApiDeps, endpoint: string): Registration {
  const r = serverOf(deps).get(endpoint);
  if (!r) throw clientNotFound(endpoint);
  return r;
}

export function parsePath(text: string): Lwm2mPath {
  try {
    return Lwm2mPath.parse(text.startsWith("/") ? text : "/" + text);
  } catch (e) {
    throw badRequest(`bad LwM2M path: ${(e as Error).message}`);
  }
}

export function performOptions(q: OperationQuery): PerformOptions {
  const options: PerformOptions = {};
  if (q.format !== undefined) {
    const format = parseFormat(q.format);
    if (format === undefined) throw badRequest(`unknown format "${q.format}"`);
    options.format = format;
  }
  if (q.timeout !== undefined) {
    const ms = Number(q.timeout);
    if (ms < 1 || ms > MAX_TIMEOUT_MS) throw badRequest(`timeout must be 1..${MAX_TIMEOUT_MS} ms`);
    options.timeoutMs = ms;
  } else options.timeoutMs = DEFAULT_TIMEOUT_MS;
  return options;
}

/**
 * Values of a write body under `target`: `{"value": x}` for one resource (or resource
 * instance), or `{"values": {...}}` keyed by full paths ("/3/0/14") or paths relative to the
 * target ("14", "7/0"). Each value is checked against the object model.
 */
export function bodyValues(
  models: ModelRegistry,
  target: Lwm2mPath,
  body: { value?: unknown; values?: Record<string, unknown> },
): Lwm2mValues {
  const values: Lwm2mValues = new Map();
  const put = (path: Lwm2mPath, json: unknown) => {
    if (!target.contains(path)) throw badRequest(`${path} is not under ${target}`);
    if (path.ids.length < 3) throw badRequest(`${path} is not a resource path`);
    const model = models.resource(path.ids[0], path.ids[2]);
    try {
      values.set(path.toString(), fromJson(json, model));
    } catch (e) {
      if (e instanceof JsonValueError) throw badRequest(`${path}: ${e.message}`);
      throw e;
    }
  };
  if (body.value !== undefined && body.values !== undefined) {
    throw badRequest('give "value" or "values", not both');
  }
  if (body.value !== undefined) {
    if (target.ids.length < 3) {
      throw badRequest('"value" needs a resource path; use "values" for an instance');
    }
    put(target, body.value);
  } else if (body.values !== undefined) {
    for (const [key, json] of Object.entries(body.values)) {
      put(
        key.startsWith("/") ? parsePath(key) : parsePath(`${target}/${key}`.replace("//", "/")),
        json,
      );
    }
  } else throw badRequest('the body needs "value" or "values"');
  if (values.size === 0) throw badRequest("no values to write");
  return values;
}

/** Runs an operation on a registered client (404 when it is not) and records its metrics. */
export async function performResult(
  deps: ApiDeps,
  endpoint: string,
  op: Operation,
  options: PerformOptions,
): Promise<Lwm2mResult> {
  requireClient(deps, endpoint);
  const started = performance.now();
  const result = await serverOf(deps).perform(endpoint, op, options);
  deps.metrics.recordRequest?.(op.kind, result.kind, performance.now() - started);
  return result;
}

/** The 202 body of a request queued for a sleeping client (DESIGN.md §6). */
export function queuedBody(result: { requestId: string; expiresAtMs: number }) {
  return {
    requestId: result.requestId,
    state: "queued" as const,
    expiresAt: new Date(result.expiresAtMs).toISOString(),
  };
}

/** Runs an operation; queued ones answer 202, failures become HttpErrors. */
export async function perform(
  c: Context,
  deps: ApiDeps,
  endpoint: string,
  op: Operation,
  options: PerformOptions,
  onSuccess: (result: Lwm2mResult) => Response,
): Promise<Response> {
  const result = await performResult(deps, endpoint, op, options);
  if (result.kind === "queued") return c.json(queuedBody(result), 202);
  const error = resultError(result);
  if (error) throw error;
  return onSuccess(result);
}

export { registrationJson } from "../server/json.ts";
