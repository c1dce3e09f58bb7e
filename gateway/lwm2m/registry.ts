/**
 * The registration registry, a sans-IO state machine (LwM2M Core §6.2 Client Registration
 * interface; spec digest lwm2m-interfaces.md §2.4-§2.5): Register replaces any registration of the
 * same endpoint, Update refreshes and changes it, De-register and lifetime expiry (lt + grace)
 * remove it, and queue-mode clients fall asleep a window after their last message. Functions
 * return decisions and events; the shell persists, answers and emits them in order.
 */

import { DeadlineHeap } from "../coap/timers.ts";
import type { ObjectList, RegisterParams, Registration, UpdateParams } from "./registration.ts";

export type RegistryEventType =
  | "registered"
  | "updated"
  | "deregistered"
  | "expired"
  | "sleeping"
  | "awake";

export interface RegistryEvent {
  type: RegistryEventType;
  endpoint: string;
  registration: Registration;
}

export interface RegistryOptions {
  /** Extra time after lt before a silent registration is removed (issue 4: default 15 s). */
  expiryGraceMs?: number;
  /** Queue mode: a client sleeps this long after its last message (default MAX_TRANSMIT_WAIT). */
  queueWindowMs?: number;
}

export interface RegistryState {
  readonly byEndpoint: Map<string, Registration>;
  readonly byId: Map<string, string>;
  readonly sleeping: Set<string>;
  readonly timers: DeadlineHeap<"expire" | "sleep">;
  readonly expiryGraceMs: number;
  readonly queueWindowMs: number;
}

export function createRegistry(options: RegistryOptions = {}): RegistryState {
  return {
    byEndpoint: new Map(),
    byId: new Map(),
    sleeping: new Set(),
    timers: new DeadlineHeap(),
    expiryGraceMs: options.expiryGraceMs ?? 15_000,
    queueWindowMs: options.queueWindowMs ?? 93_000,
  };
}

/** When the registration's lifetime ends (without grace). */
export function expiresAtMs(r: Registration): number {
  return r.updatedAtMs + r.lifetimeSec * 1000;
}

export function isSleeping(state: RegistryState, endpoint: string): boolean {
  return state.sleeping.has(endpoint);
}

function arm(state: RegistryState, r: Registration): void {
  state.timers.push({
    atMs: expiresAtMs(r) + state.expiryGraceMs,
    kind: "expire",
    key: r.endpoint,
  });
  if (r.queueMode) {
    state.timers.push({
      atMs: r.lastSeenAtMs + state.queueWindowMs,
      kind: "sleep",
      key: r.endpoint,
    });
  }
}

/**
 * The registration as one object literal with every field in place: built by spreads, it kept
 * most fields in a separate property array (about 300 bytes more per registration, measured by
 * bench/lwm2m). Optional fields follow only when set.
 */
function compact(r: Registration): Registration {
  const out: Registration = {
    endpoint: r.endpoint,
    lwm2mVersion: r.lwm2mVersion,
    lifetimeSec: r.lifetimeSec,
    binding: r.binding,
    queueMode: r.queueMode,
    additionalAttributes: r.additionalAttributes,
    registrationId: r.registrationId,
    address: r.address,
    secure: r.secure,
    rootPath: r.rootPath,
    objectLinks: r.objectLinks,
    supportedFormats: r.supportedFormats,
    registeredAtMs: r.registeredAtMs,
    updatedAtMs: r.updatedAtMs,
    lastSeenAtMs: r.lastSeenAtMs,
  };
  if (r.smsNumber !== undefined) out.smsNumber = r.smsNumber;
  if (r.profileIds !== undefined) out.profileIds = r.profileIds;
  if (r.preferredFormat !== undefined) out.preferredFormat = r.preferredFormat;
  return out;
}

/** Compile-time guard: a field added to Registration must be copied by `compact` too. */
type Compacted =
  | "endpoint"
  | "lwm2mVersion"
  | "lifetimeSec"
  | "binding"
  | "queueMode"
  | "additionalAttributes"
  | "registrationId"
  | "address"
  | "secure"
  | "rootPath"
  | "objectLinks"
  | "supportedFormats"
  | "registeredAtMs"
  | "updatedAtMs"
  | "lastSeenAtMs"
  | "smsNumber"
  | "profileIds"
  | "preferredFormat";
const _everyFieldCompacted: Record<Exclude<keyof Registration, Compacted>, never> = {};

/** Adds a registration loaded from the store (restart), re-arming its timers. */
export function restore(state: RegistryState, r: Registration): void {
  state.byEndpoint.set(r.endpoint, r);
  state.byId.set(r.registrationId, r.endpoint);
  arm(state, r);
}

/** Register: a new registration (replacing any previous one of that endpoint). */
export function register(
  state: RegistryState,
  params: RegisterParams,
  objects: ObjectList,
  peer: string,
  secure: boolean,
  registrationId: string,
  nowMs: number,
): { registration: Registration; replaced: Registration | undefined } {
  const replaced = state.byEndpoint.get(params.endpoint);
  if (replaced) state.byId.delete(replaced.registrationId);
  state.sleeping.delete(params.endpoint);
  const registration = compact({
    ...params,
    registrationId,
    address: peer,
    secure,
    rootPath: objects.rootPath,
    objectLinks: objects.objectLinks,
    supportedFormats: objects.supportedFormats,
    registeredAtMs: nowMs,
    updatedAtMs: nowMs,
    lastSeenAtMs: nowMs,
  });
  state.byEndpoint.set(registration.endpoint, registration);
  state.byId.set(registrationId, registration.endpoint);
  arm(state, registration);
  return { registration, replaced };
}

export function byRegistrationId(
  state: RegistryState,
  registrationId: string,
): Registration | undefined {
  const endpoint = state.byId.get(registrationId);
  return endpoint === undefined ? undefined : state.byEndpoint.get(endpoint);
}

/** Update: refreshes the lifetime and applies changed parameters and object list. */
export function update(
  state: RegistryState,
  registration: Registration,
  params: UpdateParams,
  objects: ObjectList | null,
  peer: string,
  nowMs: number,
): Registration {
  const updated: Registration = compact({
    ...registration,
    ...params,
    address: peer,
    updatedAtMs: nowMs,
    lastSeenAtMs: nowMs,
    ...(objects
      ? {
        rootPath: objects.rootPath,
        objectLinks: objects.objectLinks,
        supportedFormats: objects.supportedFormats,
      }
      : {}),
  });
  if (objects && objects.supportedFormats.length === 0) {
    updated.supportedFormats = registration.supportedFormats;
  }
  state.byEndpoint.set(updated.endpoint, updated);
  arm(state, updated);
  return updated;
}

/** De-register or forced removal. */
export function remove(state: RegistryState, endpoint: string): Registration | undefined {
  const r = state.byEndpoint.get(endpoint);
  if (!r) return undefined;
  state.byEndpoint.delete(endpoint);
  state.byId.delete(r.registrationId);
  state.sleeping.delete(endpoint);
  return r;
}

/**
 * Any message from the client: it is awake (queue mode) until the window passes again.
 * Returns an "awake" event when it had been sleeping.
 */
export function touch(state: RegistryState, endpoint: string, nowMs: number): RegistryEvent | null {
  const r = state.byEndpoint.get(endpoint);
  if (!r) return null;
  r.lastSeenAtMs = nowMs;
  if (!r.queueMode) return null;
  state.timers.push({ atMs: nowMs + state.queueWindowMs, kind: "sleep", key: endpoint });
  if (!state.sleeping.delete(endpoint)) return null;
  return { type: "awake", endpoint, registration: r };
}

/** Marks a queue-mode client asleep at once (e.g. a request to it timed out, §2.5). */
export function markSleeping(state: RegistryState, endpoint: string): RegistryEvent | null {
  const r = state.byEndpoint.get(endpoint);
  if (!r || !r.queueMode || state.sleeping.has(endpoint)) return null;
  state.sleeping.add(endpoint);
  return { type: "sleeping", endpoint, registration: r };
}

/** Runs due timers: expiries remove registrations, sleep timers put queue-mode clients to sleep. */
export function tick(state: RegistryState, nowMs: number): RegistryEvent[] {
  const events: RegistryEvent[] = [];
  for (let d = state.timers.popDue(nowMs); d; d = state.timers.popDue(nowMs)) {
    const r = state.byEndpoint.get(d.key);
    if (!r) continue;
    if (d.kind === "expire") {
      if (expiresAtMs(r) + state.expiryGraceMs > nowMs) continue;
      remove(state, r.endpoint);
      events.push({ type: "expired", endpoint: r.endpoint, registration: r });
    } else if (r.queueMode && r.lastSeenAtMs + state.queueWindowMs <= nowMs) {
      const e = markSleeping(state, r.endpoint);
      if (e) events.push(e);
    }
  }
  return events;
}

export function nextDeadlineMs(state: RegistryState): number | null {
  return state.timers.peek()?.atMs ?? null;
}
