/**
 * The owner's side of a forwarded operation (issue 10): a node that holds a device's session runs
 * requests other nodes forwarded to it (gateway/cluster/bus.ts) with the server's `*Here` methods,
 * which never forward again, and answers in wire form (wire.ts).
 */

import { Lwm2mPath } from "../lwm2m/path.ts";
import type { RemoteAnswers, RemoteRequest } from "../server/cluster_hooks.ts";
import type { Lwm2mServer } from "../server/lwm2m_server.ts";
import { answerToWire, requestFromWire } from "./wire.ts";

export async function serveRequest(server: Lwm2mServer, wire: unknown): Promise<unknown> {
  const request = requestFromWire(wire);
  switch (request.kind) {
    case "perform":
      return answerToWire(
        "perform",
        await server.performHere(request.endpoint, request.op, request.options),
      );
    case "observe": {
      const answer = await server.observations.observeHere(
        request.endpoint,
        request.paths.map((p) => Lwm2mPath.parse(p)),
        request.composite,
        request.format,
        request.timeoutMs,
      );
      return answerToWire("observe", answer);
    }
    case "cancelObservation":
      return await server.observations.cancelHere(
        request.endpoint,
        request.observationId,
        request.active,
      );
  }
}

/** The answer when the owner node reported an error. */
export function failedAnswer<K extends RemoteRequest["kind"]>(
  kind: K,
  message: string,
): RemoteAnswers[K] {
  const failed = { kind: "failed" as const, message };
  if (kind === "perform") return failed as RemoteAnswers[K];
  if (kind === "observe") return { observationId: null, result: failed } as RemoteAnswers[K];
  return false as RemoteAnswers[K];
}
