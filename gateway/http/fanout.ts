/**
 * Fleet fan-out (DESIGN.md §6 /api/groups/{name}/...): runs one prepared operation on every
 * member with bounded parallelism and answers `{"results":[{"endpoint","status","body"}],
 * "succeeded","failed"}`, or, with `Accept: application/x-ndjson`, streams one result a line as
 * each finishes (the progress of a long group operation). A result is exactly what the
 * single-client route would answer for that endpoint (client_ops.ts).
 */

import type { Context } from "hono";
import { z } from "zod";
import { GroupStore, resolveMembers } from "../server/groups.ts";
import { type ApiDeps, serverOf } from "./api_context.ts";
import { failureOutcome, type PreparedOperation } from "./client_ops.ts";
import { badRequest, HttpError } from "./errors.ts";

export const DEFAULT_CONCURRENCY = 32;
export const MAX_CONCURRENCY = 1024;

export const concurrencyQuery = z.string().regex(/^\d+$/, "concurrency must be a number")
  .optional().describe(`members run in parallel, 1..${MAX_CONCURRENCY}, default 32`);

export interface FleetResult {
  endpoint: string;
  status: number;
  body: unknown;
}

export const NDJSON = "application/x-ndjson";

/** The parallelism of `?concurrency=` (validated by the route's schema as digits). */
export function concurrencyOf(text: string | undefined): number {
  const n = text === undefined ? DEFAULT_CONCURRENCY : Number(text);
  if (n < 1 || n > MAX_CONCURRENCY) {
    throw badRequest(`query.concurrency: must be 1..${MAX_CONCURRENCY}`);
  }
  return n;
}

/** Runs `task` on each endpoint, at most `concurrency` at a time, reporting each result. */
export async function runAll(
  endpoints: readonly string[],
  concurrency: number,
  task: PreparedOperation,
  onResult: (result: FleetResult, index: number) => void,
  cancelled: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < endpoints.length && !cancelled()) {
      const index = next++;
      const endpoint = endpoints[index];
      let outcome;
      try {
        outcome = await task(endpoint);
      } catch (error) {
        outcome = failureOutcome(error);
      }
      onResult({ endpoint, status: outcome.status, body: outcome.body }, index);
    }
  };
  const workers = Math.max(1, Math.min(concurrency, endpoints.length));
  await Promise.all(Array.from({ length: workers }, worker));
}

const succeeded = (r: FleetResult) => r.status >= 200 && r.status < 300;

/** True when the request asks for a stream of results. */
export function wantsNdjson(c: Context): boolean {
  return (c.req.header("accept") ?? "").toLowerCase().includes(NDJSON);
}

/**
 * The fleet response: a JSON summary after every member finished, or an NDJSON stream of results
 * as they finish. `extra` adds fields to the JSON summary (e.g. notRegistered).
 */
export async function fleetResponse(
  c: Context,
  endpoints: readonly string[],
  concurrency: number,
  task: PreparedOperation,
  extra: Record<string, unknown> = {},
): Promise<Response> {
  if (wantsNdjson(c)) return ndjsonResponse(endpoints, concurrency, task);
  const results: FleetResult[] = new Array(endpoints.length);
  await runAll(endpoints, concurrency, task, (r, i) => results[i] = r);
  const ok = results.filter(succeeded).length;
  return c.json({ results, succeeded: ok, failed: results.length - ok, ...extra });
}

function ndjsonResponse(
  endpoints: readonly string[],
  concurrency: number,
  task: PreparedOperation,
): Response {
  const te = new TextEncoder();
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      runAll(endpoints, concurrency, task, (r) => {
        if (!cancelled) controller.enqueue(te.encode(JSON.stringify(r) + "\n"));
      }, () => cancelled).then(
        () => cancelled || controller.close(),
        (error) => cancelled || controller.error(error),
      );
    },
    cancel() {
      cancelled = true;
    },
  });
  return new Response(stream, {
    status: 200,
    headers: { "content-type": NDJSON, "cache-control": "no-store" },
  });
}

/**
 * Runs an operation on a group's members registered now: the group must exist (404), the
 * operation is prepared once (a 400 stops it before any device is asked), then fanned out.
 */
export async function groupFanOut(
  c: Context,
  deps: ApiDeps,
  name: string,
  concurrencyText: string | undefined,
  prepare: () => PreparedOperation | Promise<PreparedOperation>,
): Promise<Response> {
  const concurrency = concurrencyOf(concurrencyText);
  const group = await new GroupStore(deps.store).get(name);
  if (!group) throw new HttpError(404, "not_found", `no group "${name}"`);
  const task = await prepare();
  const { members, notRegistered } = resolveMembers(serverOf(deps), group);
  return await fleetResponse(c, members, concurrency, task, { notRegistered });
}
