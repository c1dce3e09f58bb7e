/**
 * What gateway nodes say to each other over Redis pub/sub (issue 10), and its text form: the
 * store's document codec (gateway/store/codec.ts, so bytes and 64-bit integers survive) over JSON
 * forms of operations (request_queue.ts operationToJson) and results (value maps as entries).
 */

import type { Lwm2mResult } from "../lwm2m/operations.ts";
import type { RemoteAnswers, RemoteRequest } from "../server/cluster_hooks.ts";
import { operationFromJson, operationToJson } from "../server/request_queue.ts";
import type { RequestStatus } from "../server/request_queue.ts";
import type { Namespace } from "../store/store.ts";

/** Messages to every node (channel `P:cluster`). */
export type Broadcast =
  | { k: "event"; from: string; event: Record<string, unknown> }
  | { k: "change"; from: string; ns: Namespace; key: string }
  | { k: "owner"; from: string; endpoint: string }
  | { k: "ask"; from: string; id: string; requestId: string }
  | { k: "bye"; from: string };

/** Messages to one node (channel `P:node:ID`). */
export type Direct =
  | { k: "req"; from: string; id: string; request: unknown; timeoutMs: number }
  | { k: "ack"; from: string; id: string }
  | { k: "res"; from: string; id: string; answer?: unknown; error?: string };

export function resultToWire(result: Lwm2mResult): unknown {
  return result.kind === "content" ? { ...result, values: [...result.values] } : result;
}

export function resultFromWire(wire: unknown): Lwm2mResult {
  const result = wire as Lwm2mResult & { values?: unknown };
  if (result.kind === "content") {
    return { ...result, values: new Map(result.values as unknown as [string, never][]) };
  }
  return result;
}

export function requestToWire(request: RemoteRequest): unknown {
  return request.kind === "perform" ? { ...request, op: operationToJson(request.op) } : request;
}

export function requestFromWire(wire: unknown): RemoteRequest {
  const request = wire as RemoteRequest;
  if (request.kind !== "perform") return request;
  return { ...request, op: operationFromJson(request.op as unknown as Record<string, unknown>) };
}

export function answerToWire(kind: RemoteRequest["kind"], answer: unknown): unknown {
  if (kind === "perform") return resultToWire(answer as Lwm2mResult);
  if (kind === "observe") {
    const a = answer as RemoteAnswers["observe"];
    return { ...a, result: resultToWire(a.result) };
  }
  return answer;
}

export function answerFromWire<K extends RemoteRequest["kind"]>(
  kind: K,
  wire: unknown,
): RemoteAnswers[K] {
  if (kind === "perform") return resultFromWire(wire) as RemoteAnswers[K];
  if (kind === "observe") {
    const a = wire as { observationId: string | null; result: unknown };
    return { ...a, result: resultFromWire(a.result) } as RemoteAnswers[K];
  }
  return wire as RemoteAnswers[K];
}

/** The answer when the owner node did not answer in time. */
export function timeoutAnswer<K extends RemoteRequest["kind"]>(kind: K): RemoteAnswers[K] {
  const timeout: Lwm2mResult = { kind: "timeout" };
  if (kind === "perform") return timeout as RemoteAnswers[K];
  if (kind === "observe") return { observationId: null, result: timeout } as RemoteAnswers[K];
  return false as RemoteAnswers[K];
}

export function statusToWire(status: RequestStatus): unknown {
  const { requestId, endpoint, state, expiresAtMs, result } = status;
  return { requestId, endpoint, state, expiresAtMs, result: result && resultToWire(result) };
}

export function statusFromWire(wire: unknown): RequestStatus {
  const status = wire as RequestStatus;
  return status.result ? { ...status, result: resultFromWire(status.result) } : status;
}
