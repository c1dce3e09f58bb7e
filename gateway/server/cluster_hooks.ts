/**
 * What the LwM2M server shell asks of the cluster layer (gateway/cluster, issue 10) when several
 * gateway nodes share a Redis store. A single node has no cluster and every hook is skipped. The
 * node holding a device's CoAP/DTLS session ("owner": the node that served its latest Register or
 * Update) performs its operations; other nodes forward them there. The cluster layer implements
 * this interface and calls the server's `*Here` methods for requests forwarded to this node.
 */

import type { Lwm2mResult, Operation } from "../lwm2m/operations.ts";
import type { Registration } from "../lwm2m/registration.ts";
import type { PerformOptions } from "./lwm2m_server.ts";
import type { RequestStatus } from "./request_queue.ts";

/** An operation forwarded to the owner node of `endpoint`. */
export type RemoteRequest =
  | { kind: "perform"; endpoint: string; op: Operation; options: PerformOptions }
  | {
    kind: "observe";
    endpoint: string;
    paths: string[];
    composite: boolean;
    format?: number;
    timeoutMs?: number;
  }
  | { kind: "cancelObservation"; endpoint: string; observationId: string; active: boolean };

/** The answer to each RemoteRequest kind. */
export interface RemoteAnswers {
  perform: Lwm2mResult;
  observe: { observationId: string | null; result: Lwm2mResult };
  cancelObservation: boolean;
}

export interface ServerCluster {
  readonly nodeId: string;
  /** Whether this node holds the device's session (sync, from memory). */
  isLocal(endpoint: string): boolean;
  /**
   * This node served the device's Register/Update: it becomes the owner. Resolves true when the
   * ownership moved here (the server then adopts the device's observations and queued requests).
   */
  claimDevice(endpoint: string): Promise<boolean>;
  /** The device is gone (de-registered, expired): forget its owner. */
  forgetDevice(endpoint: string): void;
  /**
   * Runs the request on the owner node and returns its answer, or undefined when this node is to
   * run it (it is the owner, or no live node is: this node then takes the device over).
   */
  forward<K extends RemoteRequest["kind"]>(
    request: Extract<RemoteRequest, { kind: K }>,
    timeoutMs: number,
  ): Promise<RemoteAnswers[K] | undefined>;
  /** Asks the other nodes for a queued request this node does not know. */
  queueStatus(requestId: string): Promise<RequestStatus | undefined>;
  /**
   * The registration's lifetime ran out here: true for exactly one node in the cluster, which
   * then removes it and emits `expired`. Others remove it quietly.
   */
  claimExpiry(registration: Registration): Promise<boolean>;
}
