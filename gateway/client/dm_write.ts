/**
 * Write (replace and partial update), Write-Composite, Create and Delete answered by the client
 * (LwM2M Core §6.3.4, §6.3.5, §6.3.6, §6.3.10; spec digest lwm2m-interfaces.md §3.3, §3.5, §3.6,
 * §6): payloads decoded through the object models, every value checked (writable 4.05, type and
 * DDF range 4.00, format 4.15) before anything is stored, write handlers run, ACL instances made
 * and removed with the instances. Also the create-or-update writes of the Bootstrap interface
 * (§1.3), which skip the operation and ACL checks. Errors are CoAP codes, never throws.
 */

import { ContentError, decodeCompositeValues, decodeContent } from "../lwm2m/content/mod.ts";
import { parseRange } from "../lwm2m/json_values.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import type { Lwm2mValue, Lwm2mValues } from "../lwm2m/values.ts";
import type { ResourceModel } from "../../objects/model.ts";
import { OPTION } from "../../codec-wasm/coap_registry.ts";
import { CodecError } from "../../codec-wasm/status.ts";
import { aclEnforced, addAclInstance, allowed, removeAclInstance } from "./access_control.ts";
import {
  type ClientResponse,
  COAP_201_CREATED,
  COAP_202_DELETED,
  COAP_204_CHANGED,
  COAP_400_BAD_REQUEST,
  COAP_401_UNAUTHORIZED,
  COAP_404_NOT_FOUND,
  COAP_405_METHOD_NOT_ALLOWED,
  COAP_415_UNSUPPORTED_CONTENT_FORMAT,
  errorResponse,
} from "./codes.ts";
import { isWritable, type ResourceValue } from "./definitions.ts";
import { checkTarget, type DmContext, handlerContext } from "./dm_values.ts";
import { isCompositeValueFormat } from "./formats.ts";

const te = new TextEncoder();

/** The CoAP code for a payload the content codecs refused. */
export function contentErrorCode(e: ContentError): number {
  return e.code === "unsupported_format" || e.code === "not_single_value"
    ? COAP_415_UNSUPPORTED_CONTENT_FORMAT
    : COAP_400_BAD_REQUEST;
}

/** Decodes a body; a ContentError becomes the error response. */
export function decodeBody(
  ctx: DmContext,
  format: number,
  payload: Uint8Array,
  target: Lwm2mPath,
): Lwm2mValues | ClientResponse {
  try {
    return decodeContent(format, payload, target, ctx.store.definitions.models, ctx.codec);
  } catch (e) {
    if (e instanceof ContentError) return errorResponse(contentErrorCode(e), e.message);
    if (e instanceof RangeError) return errorResponse(COAP_400_BAD_REQUEST, e.message);
    throw e;
  }
}

/** Values of one instance: resource id -> single value or instances of a multiple resource. */
type InstanceValues = Map<number, { single?: Lwm2mValue; multi?: Map<number, Lwm2mValue> }>;

/** Groups flat values by instance ("o/i" -> resources). */
export function groupByInstance(
  values: Lwm2mValues,
): Map<string, { o: number; i: number; values: InstanceValues }> {
  const out = new Map<string, { o: number; i: number; values: InstanceValues }>();
  for (const [path, v] of values) {
    const [o, i, r, ri] = Lwm2mPath.parse(path).ids;
    const k = `${o}/${i}`;
    let g = out.get(k);
    if (!g) out.set(k, g = { o, i, values: new Map() });
    let entry = g.values.get(r);
    if (!entry) g.values.set(r, entry = {});
    if (ri === undefined) entry.single = v;
    else (entry.multi ??= new Map()).set(ri, v);
  }
  return out;
}

function inRange(model: ResourceModel, value: Lwm2mValue): boolean {
  const range = parseRange(model.range);
  if (!range || model.type === "time") return true;
  let n: number;
  if (typeof value === "number" || typeof value === "bigint") n = Number(value);
  else if (typeof value === "string") n = te.encode(value).length;
  else if (value instanceof Uint8Array) n = value.length;
  else return true;
  if (range.set) return range.set.includes(n);
  return (range.min === undefined || n >= range.min) && (range.max === undefined || n <= range.max);
}

export type WriteMode = "replace" | "update" | "create" | "bootstrap";

/**
 * Checks the values of one instance for `mode`; returns the entries to store or an error code.
 * Unknown resources are dropped; read-only ones too when creating; executables always.
 */
function checkInstanceValues(
  ctx: DmContext,
  o: number,
  values: InstanceValues,
  mode: WriteMode,
): Map<number, ResourceValue> | number {
  const out = new Map<number, ResourceValue>();
  for (const [r, entry] of values) {
    const model = ctx.store.definitions.models.resource(o, r);
    if (!model || model.type === "none") continue;
    if (!isWritable(model.operations)) {
      if (mode === "replace" || mode === "update") return COAP_405_METHOD_NOT_ALLOWED;
      if (mode === "create") continue;
    }
    if (model.multiple ? entry.single !== undefined : entry.multi !== undefined) {
      return COAP_400_BAD_REQUEST;
    }
    const list = entry.multi ? [...entry.multi.values()] : [entry.single!];
    if (!list.every((v) => inRange(model, v))) return COAP_400_BAD_REQUEST;
    out.set(r, entry.multi ?? entry.single!);
  }
  return out;
}

/** Stores one resource through its write handler; returns an error code or null. */
function store(
  ctx: DmContext,
  o: number,
  i: number,
  r: number,
  value: ResourceValue,
): number | null {
  const handler = ctx.store.definitions.get(o)?.resources?.[r]?.write;
  let v: ResourceValue | null = value;
  if (handler) {
    const outcome = handler(handlerContext(ctx, o, i, r), value);
    if (typeof outcome === "number" && outcome >= 128) return outcome;
    if (outcome && typeof outcome === "object") v = outcome.store;
  }
  if (v !== null) ctx.store.set(o, i, r, v);
  return null;
}

/** Applies checked values to an instance (which exists or is created). */
function applyInstance(
  ctx: DmContext,
  o: number,
  i: number,
  checked: Map<number, ResourceValue>,
  mode: WriteMode,
  wholeInstance: boolean,
): number | null {
  if (!ctx.store.hasInstance(o, i)) ctx.store.createInstance(o, i);
  for (const [r, v] of checked) {
    let value = v;
    if (v instanceof Map && mode === "update") {
      const before = ctx.store.get(o, i, r);
      value = new Map([...(before instanceof Map ? before : []), ...v]);
    }
    const code = store(ctx, o, i, r, value);
    if (code !== null) return code;
  }
  if (mode === "replace" && wholeInstance) {
    const def = ctx.store.definitions.get(o);
    for (const r of ctx.store.resourceIds(o, i)) {
      const model = def?.model.resources[r];
      if (model && isWritable(model.operations) && !model.mandatory && !checked.has(r)) {
        ctx.store.deleteResource(o, i, r);
      }
    }
  }
  return null;
}

/** Write replace (PUT) or partial update (POST) on /O/I, /O/I/R or /O/I/R/RI (§3.3). */
export function write(
  ctx: DmContext,
  ids: readonly number[],
  mode: "replace" | "update",
  format: number | undefined,
  payload: Uint8Array,
): ClientResponse {
  if (ids.length < 2) {
    return errorResponse(COAP_405_METHOD_NOT_ALLOWED, "write needs an instance or resource");
  }
  const denied = checkTarget(ctx, ids.slice(0, 2), "write");
  if (denied !== null) return errorResponse(denied);
  if (format === undefined) {
    return errorResponse(COAP_415_UNSUPPORTED_CONTENT_FORMAT, "Content-Format missing");
  }
  const [o, i, r, ri] = ids;
  const model = r === undefined ? undefined : ctx.store.definitions.models.resource(o, r);
  if (r !== undefined) {
    if (!model) return errorResponse(COAP_404_NOT_FOUND);
    if (!isWritable(model.operations)) {
      return errorResponse(COAP_405_METHOD_NOT_ALLOWED, "resource is not writable");
    }
    if (ri !== undefined && !model.multiple) return errorResponse(COAP_404_NOT_FOUND);
  }
  const decoded = decodeBody(ctx, format, payload, new Lwm2mPath(ids));
  if (!(decoded instanceof Map)) return decoded;
  const group = groupByInstance(decoded).get(`${o}/${i}`)?.values ?? new Map();
  if (r !== undefined && model?.multiple && ri === undefined && !group.has(r)) {
    group.set(r, { multi: new Map() }); // an empty Multiple-Resource: replace with no instances
  }
  const checked = checkInstanceValues(ctx, o, group, mode);
  if (typeof checked === "number") return errorResponse(checked);
  if (ri !== undefined) {
    const before = ctx.store.get(o, i, r!);
    if (!(before instanceof Map) || !before.has(ri)) return errorResponse(COAP_404_NOT_FOUND);
    const given = checked.get(r!);
    if (!(given instanceof Map)) return errorResponse(COAP_400_BAD_REQUEST);
    checked.set(r!, new Map([...before, ...given]));
  }
  const code = applyInstance(
    ctx,
    o,
    i,
    checked,
    ri !== undefined ? "replace" : mode,
    r === undefined,
  );
  return code === null ? { code: COAP_204_CHANGED } : errorResponse(code);
}

/** Write-Composite (iPATCH /): atomic partial updates of several instances (§6). */
export function writeComposite(
  ctx: DmContext,
  format: number | undefined,
  payload: Uint8Array,
): ClientResponse {
  if (format === undefined || !isCompositeValueFormat(format)) {
    return errorResponse(COAP_415_UNSUPPORTED_CONTENT_FORMAT);
  }
  let values: Lwm2mValues;
  try {
    values = decodeCompositeValues(format, payload, ctx.store.definitions.models);
  } catch (e) {
    if (e instanceof ContentError) return errorResponse(contentErrorCode(e), e.message);
    throw e;
  }
  const plan: [number, number, Map<number, ResourceValue>][] = [];
  for (const g of groupByInstance(values).values()) {
    const denied = checkTarget(ctx, [g.o, g.i], "write");
    if (denied !== null) return errorResponse(denied, `/${g.o}/${g.i}`);
    const checked = checkInstanceValues(ctx, g.o, g.values, "update");
    if (typeof checked === "number") return errorResponse(checked, `/${g.o}/${g.i}`);
    plan.push([g.o, g.i, checked]);
  }
  for (const [o, i, checked] of plan) {
    const code = applyInstance(ctx, o, i, checked, "update", false);
    if (code !== null) return errorResponse(code);
  }
  return { code: COAP_204_CHANGED };
}

/** The instance id a Create payload names, "none" when it names none, or an error response. */
function createInstanceId(
  ctx: DmContext,
  o: number,
  format: number,
  payload: Uint8Array,
): number | "none" | ClientResponse {
  if (payload.length === 0) return "none";
  if (format === 11542 || format === 1542) {
    const tree = ctx.codec.tryDecodeTlv(payload);
    if (tree instanceof CodecError) {
      return errorResponse(COAP_400_BAD_REQUEST, `malformed TLV: ${tree.message}`);
    }
    const instances = tree.filter((e) => e.kind === "objectInstance");
    if (instances.length === 0) return "none";
    if (instances.length !== tree.length || instances.length > 1) {
      return errorResponse(COAP_400_BAD_REQUEST);
    }
    return instances[0].id;
  }
  const decoded = decodeBody(ctx, format, payload, new Lwm2mPath([o]));
  if (!(decoded instanceof Map)) return decoded;
  const ids = new Set([...decoded.keys()].map((p) => Lwm2mPath.parse(p).ids[1]));
  if (ids.size > 1) return errorResponse(COAP_400_BAD_REQUEST, "Create carries one instance");
  return ids.size === 1 ? [...ids][0] : "none";
}

/** Create (POST /O, §3.5): 2.01 with Location-Path of the new instance. */
export function create(
  ctx: DmContext,
  o: number,
  format: number | undefined,
  payload: Uint8Array,
): ClientResponse {
  const denied = checkTarget(ctx, [o], null);
  if (denied !== null) return errorResponse(denied);
  const def = ctx.store.definitions.get(o)!;
  if (def.creatable === false) return errorResponse(COAP_405_METHOD_NOT_ALLOWED);
  if (!allowed(ctx.store, ctx.ssid, "create", o)) return errorResponse(COAP_401_UNAUTHORIZED);
  if (format === undefined && payload.length > 0) {
    return errorResponse(COAP_415_UNSUPPORTED_CONTENT_FORMAT);
  }
  const named = createInstanceId(ctx, o, format ?? 11542, payload);
  if (typeof named === "object") return named;
  let id: number;
  if (named === "none") {
    id = 0;
    const used = new Set(ctx.store.instanceIds(o));
    while (used.has(id)) id++;
  } else id = named;
  if (ctx.store.hasInstance(o, id)) {
    return errorResponse(COAP_400_BAD_REQUEST, `/${o}/${id} exists`);
  }
  if (!def.model.multiple && (id !== 0 || ctx.store.instanceIds(o).length > 0)) {
    return errorResponse(COAP_400_BAD_REQUEST, `object ${o} is single-instance`);
  }
  let values: Lwm2mValues = new Map();
  if (payload.length > 0) {
    const target = named === "none" ? new Lwm2mPath([o, id]) : new Lwm2mPath([o]);
    const decoded = decodeBody(ctx, format!, payload, target);
    if (!(decoded instanceof Map)) return decoded;
    values = decoded;
  }
  const group = groupByInstance(values).get(`${o}/${id}`)?.values ?? new Map();
  const checked = checkInstanceValues(ctx, o, group, "create");
  if (typeof checked === "number") return errorResponse(checked);
  const merged = new Map<number, ResourceValue>(
    Object.entries(def.defaults ?? {}).map(([r, v]) => [Number(r), v]),
  );
  for (const [r, v] of checked) merged.set(r, v);
  for (const res of Object.values(def.model.resources)) {
    const handled = def.resources?.[res.id]?.read;
    if (res.mandatory && res.type !== "none" && !merged.has(res.id) && !handled) {
      return errorResponse(COAP_400_BAD_REQUEST, `mandatory resource ${res.id} missing`);
    }
  }
  ctx.store.createInstance(o, id);
  const code = applyInstance(ctx, o, id, merged, "create", false);
  if (code !== null) {
    ctx.store.deleteInstance(o, id);
    return errorResponse(code);
  }
  if (ctx.ssid !== null && aclEnforced(ctx.store)) addAclInstance(ctx.store, o, id, ctx.ssid);
  ctx.after(() => ctx.objectsChanged());
  const location = [...ctx.rootSegments, String(o), String(id)].map((s) => ({
    number: OPTION.LOCATION_PATH,
    value: te.encode(s),
  }));
  return { code: COAP_201_CREATED, options: location };
}

/** Delete /O/I or a resource instance /O/I/R/RI (§3.6). */
export function remove(ctx: DmContext, ids: readonly number[]): ClientResponse {
  if (ids.length !== 2 && ids.length !== 4) return errorResponse(COAP_405_METHOD_NOT_ALLOWED);
  const denied = checkTarget(ctx, ids, "delete");
  if (denied !== null) return errorResponse(denied);
  const [o, i, r, ri] = ids;
  const def = ctx.store.definitions.get(o)!;
  if (ids.length === 4) {
    const model = def.model.resources[r];
    if (!model || !model.multiple || !isWritable(model.operations)) {
      return errorResponse(COAP_405_METHOD_NOT_ALLOWED);
    }
    const before = ctx.store.get(o, i, r) as ReadonlyMap<number, Lwm2mValue>;
    const after = new Map(before);
    after.delete(ri);
    ctx.store.set(o, i, r, after);
    return { code: COAP_202_DELETED };
  }
  if (
    o === 3 || def.deletable === false || (def.deletable === undefined && def.creatable === false)
  ) {
    return errorResponse(COAP_405_METHOD_NOT_ALLOWED, `/${o}/${i} cannot be deleted`);
  }
  ctx.store.deleteInstance(o, i);
  removeAclInstance(ctx.store, o, i);
  ctx.after(() => ctx.objectsChanged());
  return { code: COAP_202_DELETED };
}

/** Bootstrap-Write (§1.3): create-or-update of /O (several instances), /O/I or /O/I/R. */
export function bootstrapWrite(
  ctx: DmContext,
  ids: readonly number[],
  format: number | undefined,
  payload: Uint8Array,
): ClientResponse {
  if (ids.length === 0 || ids.length > 3) return errorResponse(COAP_400_BAD_REQUEST);
  if (format === undefined) return errorResponse(COAP_415_UNSUPPORTED_CONTENT_FORMAT);
  if (!ctx.store.definitions.has(ids[0])) return errorResponse(COAP_404_NOT_FOUND);
  const decoded = decodeBody(ctx, format, payload, new Lwm2mPath(ids));
  if (!(decoded instanceof Map)) {
    return decoded.code === COAP_415_UNSUPPORTED_CONTENT_FORMAT
      ? decoded
      : errorResponse(COAP_400_BAD_REQUEST);
  }
  const groups = [...groupByInstance(decoded).values()];
  if (groups.length === 0 && ids.length >= 2) {
    groups.push({ o: ids[0], i: ids[1], values: new Map() });
  }
  for (const g of groups) {
    const checked = checkInstanceValues(ctx, g.o, g.values, "bootstrap");
    if (typeof checked === "number") return errorResponse(checked);
    const code = applyInstance(ctx, g.o, g.i, checked, "bootstrap", false);
    if (code !== null) return errorResponse(code);
  }
  return { code: COAP_204_CHANGED };
}
