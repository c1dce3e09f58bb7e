/**
 * Reading the client's values for Device Management and Information Reporting (LwM2M Core §6.3.1
 * Read, §6.4 Observe; spec digest lwm2m-interfaces.md §3.2): the context every DM operation runs
 * in, resource values through their read handlers, the resources present on an instance, and the
 * flat values of a target (/O, /O/I, /O/I/R, /O/I/R/RI) with unreadable resources skipped and
 * the access checks (4.01 for Security and OSCORE, 4.04, ACL) in one place.
 */

import type { Codec } from "../../codec-wasm/mod.ts";
import type { Lwm2mValues } from "../lwm2m/values.ts";
import { type AccessKind, allowed } from "./access_control.ts";
import type { AttributeTable } from "./attributes.ts";
import { COAP_401_UNAUTHORIZED, COAP_404_NOT_FOUND, COAP_405_METHOD_NOT_ALLOWED } from "./codes.ts";
import { type HandlerContext, isReadable, type ResourceValue } from "./definitions.ts";
import { type ObjectStore, putFlat } from "./store.ts";

/** Objects never reachable through Device Management (lwm2m-interfaces.md §0): Security, OSCORE. */
export const DM_FORBIDDEN_OBJECTS: ReadonlySet<number> = new Set([0, 21]);

/** What a DM operation needs from the client. */
export interface DmContext {
  readonly store: ObjectStore;
  readonly codec: Codec;
  /** The client object handed to resource handlers. */
  readonly client: unknown;
  /** The requesting server's Short Server ID (null: bootstrap server or local). */
  readonly ssid: number | null;
  /** Alternate root path segments, for Location-Path of Create. */
  readonly rootSegments: readonly string[];
  /** Attributes assigned by a server (created on first use). */
  attributeTable(ssid: number): AttributeTable;
  /** Runs once the response was sent (Execute side effects, Update after Create/Delete). */
  after(fn: () => void): void;
  /** The object list changed (Create, Delete): a Registration Update is due. */
  objectsChanged(): void;
  /** A server's attributes changed: its observations re-evaluate. */
  attributesChanged(ssid: number): void;
}

export function handlerContext(ctx: DmContext, o: number, i: number, r: number): HandlerContext {
  return {
    client: ctx.client,
    objectId: o,
    instanceId: i,
    resourceId: r,
    ssid: ctx.ssid,
    after: ctx.after,
  };
}

/** A resource's current value: its read handler's, else the stored one. */
export function readResource(
  ctx: DmContext,
  o: number,
  i: number,
  r: number,
): ResourceValue | undefined {
  const handler = ctx.store.definitions.get(o)?.resources?.[r]?.read;
  if (handler) {
    const v = handler(handlerContext(ctx, o, i, r));
    if (v !== undefined) return v;
  }
  return ctx.store.get(o, i, r);
}

/** Resources present on an instance: stored ones and those with a handler. */
export function presentResources(store: ObjectStore, o: number, i: number): number[] {
  const ids = new Set(store.resourceIds(o, i).filter((r) => r < PRIVATE_RESOURCE_BASE));
  const handlers = store.definitions.get(o)?.resources;
  if (handlers) {
    for (const [r, h] of Object.entries(handlers)) {
      if (h.read || h.write || h.execute) ids.add(Number(r));
    }
  }
  return [...ids].sort((a, b) => a - b);
}

export function isPresent(store: ObjectStore, o: number, i: number, r: number): boolean {
  if (r >= PRIVATE_RESOURCE_BASE) return false;
  if (store.has(o, i, r)) return true;
  const h = store.definitions.get(o)?.resources?.[r];
  return h !== undefined &&
    (h.read !== undefined || h.write !== undefined || h.execute !== undefined);
}

/**
 * Checks that `ids` exists and may be accessed for `kind` by the requesting server; returns the
 * CoAP error code or null. Object targets are checked for existence only (instances are filtered
 * one by one); `kind` null skips the access rights (Discover needs none, §7).
 */
export function checkTarget(
  ctx: DmContext,
  ids: readonly number[],
  kind: AccessKind | null,
): number | null {
  const [o, i, r, ri] = ids;
  if (o === undefined) return COAP_405_METHOD_NOT_ALLOWED;
  if (DM_FORBIDDEN_OBJECTS.has(o) && ctx.ssid !== null) return COAP_401_UNAUTHORIZED;
  const def = ctx.store.definitions.get(o);
  if (!def) return COAP_404_NOT_FOUND;
  if (i === undefined) return null;
  if (!ctx.store.hasInstance(o, i)) return COAP_404_NOT_FOUND;
  if (kind !== null && !allowed(ctx.store, ctx.ssid, kind, o, i)) return COAP_401_UNAUTHORIZED;
  if (r === undefined) return null;
  if (!isPresent(ctx.store, o, i, r)) return COAP_404_NOT_FOUND;
  if (ri !== undefined) {
    const model = def.model.resources[r];
    if (model && !model.multiple) return COAP_404_NOT_FOUND;
    const v = readResource(ctx, o, i, r);
    if (!(v instanceof Map) || !v.has(ri)) return COAP_404_NOT_FOUND;
  }
  return null;
}

/**
 * Is the resource readable by servers (R/RW in its model)? Resources outside the model are the
 * device's private state (ids from PRIVATE_RESOURCE_BASE) and never visible.
 */
export function resourceReadable(store: ObjectStore, o: number, r: number): boolean {
  const model = store.definitions.models.resource(o, r);
  return model !== undefined && isReadable(model.operations) && model.type !== "none";
}

/** Resource ids from here on hold a device's private state (never in a model, never served). */
export const PRIVATE_RESOURCE_BASE = 65000;

/**
 * Flat values of a checked target. Unreadable resources are skipped inside instances and
 * objects; instances the server may not read are skipped at the object level. A directly
 * targeted unreadable resource is the caller's 4.05.
 */
export function collectValues(
  ctx: DmContext,
  ids: readonly number[],
  out: Lwm2mValues = new Map(),
): Lwm2mValues {
  const [o, i, r, ri] = ids;
  const store = ctx.store;
  if (i === undefined) {
    for (const x of store.instanceIds(o)) {
      if (allowed(store, ctx.ssid, "read", o, x)) collectValues(ctx, [o, x], out);
    }
    return out;
  }
  if (r === undefined) {
    for (const res of presentResources(store, o, i)) {
      if (!resourceReadable(store, o, res)) continue;
      const v = readResource(ctx, o, i, res);
      if (v !== undefined) putFlat(out, o, i, res, v);
    }
    return out;
  }
  const v = readResource(ctx, o, i, r);
  if (v === undefined) return out;
  if (ri === undefined) putFlat(out, o, i, r, v);
  else if (v instanceof Map && v.has(ri)) out.set(`/${o}/${i}/${r}/${ri}`, v.get(ri)!);
  return out;
}
