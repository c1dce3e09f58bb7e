/**
 * The per-client operations shared by /api/clients/{ep}/{path} (clients.ts) and the fleet routes
 * /api/groups/{name}/{path} (groups.ts), so both answer the same status and body (DESIGN.md §6).
 * An operation is prepared once from the route input (bad paths, values or queries are a 400
 * before any device is asked) and then run per endpoint, giving an Outcome: the HTTP status and
 * JSON body the single-client route answers. Failures are HttpErrors; `failureOutcome` turns one
 * into the error Outcome a fleet result carries.
 */

import type { Context } from "hono";
import { z } from "zod";
import { formatName } from "../lwm2m/content/mod.ts";
import { valuesToJson } from "../lwm2m/json_values.ts";
import type { Lwm2mResult, Operation } from "../lwm2m/operations.ts";
import type { Lwm2mPath } from "../lwm2m/path.ts";
import type { PerformOptions } from "../server/lwm2m_server.ts";
import {
  type ApiDeps,
  bodyValues,
  type OperationQuery,
  parsePath,
  performOptions,
  performResult,
  queuedBody,
  requireClient,
  serverOf,
} from "./api_context.ts";
import { badRequest, errorBody, HttpError, resultError } from "./errors.ts";

/** What a route answers: the status and the JSON body (null: no content). */
export interface Outcome {
  status: number;
  body: unknown;
}

/** An operation ready to run on one endpoint. */
export type PreparedOperation = (endpoint: string) => Promise<Outcome>;

export const writeBody = z.object({
  value: z.unknown().optional(),
  values: z.record(z.string(), z.unknown()).optional(),
}).strict();

export type WriteBody = z.infer<typeof writeBody>;

/** The Hono response of an outcome. */
export function outcomeResponse(c: Context, outcome: Outcome): Response {
  if (outcome.body === null) return c.body(null, outcome.status as 204);
  return c.json(outcome.body, outcome.status as 200);
}

/** The outcome an error stands for: HttpErrors keep their status; others are a 500. */
export function failureOutcome(error: unknown): Outcome {
  if (error instanceof HttpError) return { status: error.status, body: errorBody(error) };
  return { status: 500, body: { error: { code: "internal_error", message: "internal error" } } };
}

/** `{"path","format","values"}` of a content result (+`"value"` for one resource). */
export function contentBody(path: Lwm2mPath, result: Lwm2mResult, deps: ApiDeps) {
  if (result.kind !== "content") {
    throw new HttpError(502, "failed", `unexpected result ${result.kind}`);
  }
  const values = valuesToJson(result.values, deps.models);
  const body: Record<string, unknown> = {
    path: path.toString(),
    format: formatName(result.format),
    values,
  };
  const key = path.toString();
  if (path.ids.length >= 3 && key in values) body.value = values[key];
  return body;
}

/** Runs `op`: 202 when queued for a sleeping client, an HttpError on failure. */
export async function performOutcome(
  deps: ApiDeps,
  endpoint: string,
  op: Operation,
  options: PerformOptions,
  onSuccess: (result: Lwm2mResult) => Outcome,
): Promise<Outcome> {
  const result = await performResult(deps, endpoint, op, options);
  if (result.kind === "queued") return { status: 202, body: queuedBody(result) };
  const error = resultError(result);
  if (error) throw error;
  return onSuccess(result);
}

export function prepareRead(
  deps: ApiDeps,
  pathText: string,
  query: OperationQuery,
): PreparedOperation {
  const path = parsePath(pathText);
  const options = performOptions(query);
  return (endpoint) =>
    performOutcome(deps, endpoint, { kind: "read", path }, options, (r) => ({
      status: 200,
      body: contentBody(path, r, deps),
    }));
}

/** Write: PUT replaces, PATCH updates (LwM2M Core §6.3.3). */
export function prepareWrite(
  deps: ApiDeps,
  pathText: string,
  method: "put" | "patch",
  query: OperationQuery,
  body: WriteBody,
): PreparedOperation {
  const path = parsePath(pathText);
  if (path.ids.length < 2) throw badRequest("Write needs an instance or resource path");
  const values = bodyValues(deps.models, path, body);
  const mode = method === "put" ? "replace" as const : "update" as const;
  const options = performOptions(query);
  return (endpoint) =>
    performOutcome(
      deps,
      endpoint,
      { kind: "write", mode, path, values },
      options,
      () => ({ status: 204, body: null }),
    );
}

/** Execute; the text body is the argument list (LwM2M Core §6.3.5). */
export function prepareExecute(
  deps: ApiDeps,
  pathText: string,
  query: OperationQuery,
  args: string,
): PreparedOperation {
  const path = parsePath(pathText);
  if (path.ids.length !== 3) throw badRequest("Execute needs a resource path /O/I/R");
  const options = performOptions(query);
  return (endpoint) =>
    performOutcome(
      deps,
      endpoint,
      { kind: "execute", path, arguments: args || undefined },
      options,
      () => ({ status: 204, body: null }),
    );
}

/** Observe: a kept observation; answers its id and the first values. */
export function prepareObserve(
  deps: ApiDeps,
  pathText: string,
  query: OperationQuery,
): PreparedOperation {
  const path = parsePath(pathText);
  const options = performOptions(query);
  return async (endpoint) => {
    requireClient(deps, endpoint);
    const { observationId, result } = await serverOf(deps).observations.observe(
      endpoint,
      [path],
      false,
      options.format,
    );
    const error = resultError(result);
    if (error) throw error;
    return { status: 200, body: { observationId, ...contentBody(path, result, deps) } };
  };
}
