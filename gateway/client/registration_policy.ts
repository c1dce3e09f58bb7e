/**
 * The client's registration lifecycle as pure decisions (LwM2M Core §6.2.1-§6.2.3 Register,
 * Update, De-register, and §6.2.1.1 registration retries with the Server object resources 14-20;
 * spec digest lwm2m-interfaces.md §2.1-§2.6): when to Register (after the Initial Registration
 * Delay), how to retry (Communication Retry Timer × 2^(attempt−1) within a sequence of Retry Count
 * attempts, Sequence Delay between Sequence Retry Count sequences, then bootstrap or give up),
 * when an Update is due (before the lifetime ends), and the Register/Update query and payload.
 * Times are literal milliseconds in and out.
 */

import { formatLinkFormat, type Link } from "../../codec-wasm/link_format.ts";

/** Server object resources of §2.6, with their defaults when absent. */
export interface RetryPolicy {
  initialDelayMs: number;
  retryCount: number;
  retryTimerMs: number;
  sequenceDelayMs: number;
  sequenceRetryCount: number;
  bootstrapOnFailure: boolean;
  failureBlock: boolean;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = {
  initialDelayMs: 0, // /1/x/14 Initial Registration Delay Timer: 0 s
  retryCount: 5, // /1/x/17 Communication Retry Count
  retryTimerMs: 60_000, // /1/x/18 Communication Retry Timer: 60 s
  sequenceDelayMs: 86_400_000, // /1/x/19 Communication Sequence Delay Timer: 24 h
  sequenceRetryCount: 1, // /1/x/20 Communication Sequence Retry Count
  bootstrapOnFailure: true, // /1/x/16 Bootstrap on Registration Failure
  failureBlock: false, // /1/x/15 Registration Failure Block
};

type Num = number | bigint | undefined;

function n(v: unknown): number | undefined {
  return typeof v === "number" || typeof v === "bigint" ? Number(v) : undefined;
}

/** The retry policy from a Server instance's resources (id -> value); absent ones default. */
export function retryPolicyOf(get: (resourceId: number) => unknown): RetryPolicy {
  const sec = (r: number, d: number) => {
    const v: Num = n(get(r));
    return v === undefined ? d : v * 1000;
  };
  const count = (r: number, d: number) => Math.max(1, n(get(r)) ?? d);
  const flag = (r: number, d: boolean) => {
    const v = get(r);
    return typeof v === "boolean" ? v : d;
  };
  return {
    initialDelayMs: sec(14, DEFAULT_RETRY.initialDelayMs),
    retryCount: count(17, DEFAULT_RETRY.retryCount),
    retryTimerMs: sec(18, DEFAULT_RETRY.retryTimerMs),
    sequenceDelayMs: sec(19, DEFAULT_RETRY.sequenceDelayMs),
    sequenceRetryCount: count(20, DEFAULT_RETRY.sequenceRetryCount),
    bootstrapOnFailure: flag(16, DEFAULT_RETRY.bootstrapOnFailure),
    failureBlock: flag(15, DEFAULT_RETRY.failureBlock),
  };
}

export type RegistrationPhase = "waiting" | "registering" | "registered" | "updating" | "failed";

export interface RegistrationState {
  phase: RegistrationPhase;
  /** 1-based attempt of the current sequence (the one in flight or next). */
  attempt: number;
  /** 1-based sequence. */
  sequence: number;
  /** Location of the registration ("/rd/abc") once registered. */
  location: string | null;
  /** When the last Register/Update succeeded. */
  lastSuccessMs: number;
}

export type RegistrationDecision =
  /** Send a Register now. */
  | { kind: "register"; state: RegistrationState }
  /** Send an Update now. */
  | { kind: "update"; state: RegistrationState }
  /** Call back `onTimer` at `atMs` (retry wait, or the next Update when registered). */
  | { kind: "wait"; atMs: number; state: RegistrationState }
  /** Every sequence failed and the policy asks for a bootstrap. */
  | { kind: "bootstrap"; state: RegistrationState }
  /** Every sequence failed; no more attempts. */
  | { kind: "failed"; state: RegistrationState };

/** When an Update must go out: before the lifetime ends with a margin of 10% (5..10 s min). */
export function updateDueAtMs(lastSuccessMs: number, lifetimeSec: number): number {
  const margin = Math.min(lifetimeSec * 0.5, Math.max(lifetimeSec * 0.1, 10));
  return lastSuccessMs + (lifetimeSec - margin) * 1000;
}

/** The delay before attempt `attempt + 1` after attempt `attempt` failed. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  return policy.retryTimerMs * 2 ** (attempt - 1);
}

/** Starting (or restarting) registration with a server. */
export function startRegistration(policy: RetryPolicy, nowMs: number): RegistrationDecision {
  const state: RegistrationState = {
    phase: "waiting",
    attempt: 1,
    sequence: 1,
    location: null,
    lastSuccessMs: 0,
  };
  if (policy.initialDelayMs > 0) {
    return { kind: "wait", atMs: nowMs + policy.initialDelayMs, state };
  }
  return { kind: "register", state: { ...state, phase: "registering" } };
}

/** A timer set by a `wait` decision fired. */
export function onTimer(
  state: RegistrationState,
  lifetimeSec: number,
  nowMs: number,
): RegistrationDecision {
  if (state.phase === "waiting") {
    return { kind: "register", state: { ...state, phase: "registering" } };
  }
  if (state.phase === "registered") {
    const due = updateDueAtMs(state.lastSuccessMs, lifetimeSec);
    if (nowMs >= due) return { kind: "update", state: { ...state, phase: "updating" } };
    return { kind: "wait", atMs: due, state };
  }
  return { kind: "wait", atMs: nowMs, state };
}

/** An Update is wanted now (objects or binding changed, Registration Update Trigger, wake-up). */
export function requestUpdate(state: RegistrationState): RegistrationDecision | null {
  return state.phase === "registered"
    ? { kind: "update", state: { ...state, phase: "updating" } }
    : null;
}

/** The answer to a Register: the location on 2.01, else a failure (timeout or error code). */
export function onRegisterResult(
  state: RegistrationState,
  policy: RetryPolicy,
  location: string | null,
  lifetimeSec: number,
  nowMs: number,
): RegistrationDecision {
  if (location !== null) {
    const next: RegistrationState = {
      phase: "registered",
      attempt: 1,
      sequence: 1,
      location,
      lastSuccessMs: nowMs,
    };
    return { kind: "wait", atMs: updateDueAtMs(nowMs, lifetimeSec), state: next };
  }
  if (state.attempt < policy.retryCount) {
    return {
      kind: "wait",
      atMs: nowMs + retryDelayMs(policy, state.attempt),
      state: { ...state, phase: "waiting", attempt: state.attempt + 1 },
    };
  }
  if (state.sequence < policy.sequenceRetryCount) {
    return {
      kind: "wait",
      atMs: nowMs + policy.sequenceDelayMs,
      state: { ...state, phase: "waiting", attempt: 1, sequence: state.sequence + 1 },
    };
  }
  const failed: RegistrationState = { ...state, phase: "failed" };
  return policy.bootstrapOnFailure
    ? { kind: "bootstrap", state: failed }
    : { kind: "failed", state: failed };
}

/**
 * The answer to an Update: on success the next one is planned; on any failure (4.04: the server
 * forgot us; timeout) the client registers again (§2.4).
 */
export function onUpdateResult(
  state: RegistrationState,
  ok: boolean,
  lifetimeSec: number,
  nowMs: number,
): RegistrationDecision {
  if (ok) {
    const next: RegistrationState = { ...state, phase: "registered", lastSuccessMs: nowMs };
    return { kind: "wait", atMs: updateDueAtMs(nowMs, lifetimeSec), state: next };
  }
  return {
    kind: "register",
    state: { phase: "registering", attempt: 1, sequence: 1, location: null, lastSuccessMs: 0 },
  };
}

// ---- Register / Update content (§2.1-§2.3) ----

/** Binding letters of /1/x/7 without Q, and whether Q (queue mode, 1.0 style) was in it. */
export function splitBinding(binding: string): { binding: string; queue: boolean } {
  const queue = binding.includes("Q");
  return { binding: binding.replace(/Q/g, "") || "U", queue };
}

export interface RegisterParams {
  endpoint: string;
  lifetimeSec: number;
  lwm2mVersion: string;
  binding: string;
  queue: boolean;
}

/** Register query (lwm2m-interfaces.md §2.2; 1.1: Q without value for queue mode). */
export function registerQuery(p: RegisterParams): string[] {
  const q = [
    `ep=${p.endpoint}`,
    `lt=${p.lifetimeSec}`,
    `lwm2m=${p.lwm2mVersion}`,
    `b=${p.binding}`,
  ];
  if (p.queue) q.push("Q");
  return q;
}

/** Update query: only what changed (§2.4). */
export function updateQuery(
  changed: { lifetimeSec?: number; binding?: string; queue?: boolean },
): string[] {
  const q: string[] = [];
  if (changed.lifetimeSec !== undefined) q.push(`lt=${changed.lifetimeSec}`);
  if (changed.binding !== undefined) q.push(`b=${changed.binding}`);
  if (changed.queue) q.push("Q");
  return q;
}

export interface ObjectEntry {
  objectId: number;
  version: string;
  instances: number[];
}

/** Objects never listed in Register (§2.3): Security, OSCORE, and /23 (1.2.1). */
const UNLISTED = new Set([0, 21, 23]);

/**
 * The Register/Update payload: the root link with the content formats (`</>;ct="..."`, or the
 * alternate root `</p>;rt="oma.lwm2m";ct=...`), then each object with instances as `</O/I>`,
 * objects without as `</O>`, with `ver=` when the object version is not 1.0.
 */
export function objectListPayload(
  objects: readonly ObjectEntry[],
  formats: readonly number[],
  rootPath = "/",
): string {
  const prefix = rootPath === "/" ? "" : rootPath;
  const root: Link = prefix
    ? { uri: prefix, params: { rt: "oma.lwm2m", ct: formats.join(" ") } }
    : { uri: "/", params: { ct: formats.join(" ") } };
  const links: Link[] = [root];
  for (const o of objects) {
    if (UNLISTED.has(o.objectId)) continue;
    const ver: Record<string, string> = o.version !== "1.0" ? { ver: o.version } : {};
    if (o.instances.length === 0) links.push({ uri: `${prefix}/${o.objectId}`, params: ver });
    else {
      o.instances.forEach((i, k) =>
        links.push({ uri: `${prefix}/${o.objectId}/${i}`, params: k === 0 ? ver : {} })
      );
    }
  }
  return formatLinkFormat(links);
}

/** A coap:// (or coaps://) server URI: scheme, host (IPv6 without brackets) and port. */
export function parseServerUri(uri: string): { scheme: string; host: string; port: number } | null {
  const m = /^(coaps?|https?):\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d{1,5}))?(\/[^?#]*)?(?:\?.*)?$/.exec(
    uri.trim(),
  );
  if (!m) return null;
  const scheme = m[1];
  const host = m[2].startsWith("[") ? m[2].slice(1, -1) : m[2];
  const defaultPort = scheme === "coap"
    ? 5683
    : scheme === "coaps"
    ? 5684
    : scheme === "http"
    ? 80
    : 443;
  const port = m[3] ? Number(m[3]) : defaultPort;
  return port > 0 && port <= 65535 ? { scheme, host, port } : null;
}
