/**
 * Read, Discover and Read-Composite answered by the client (LwM2M Core §6.3.1, §6.3.3, §6.3.9;
 * spec digest lwm2m-interfaces.md §3.1-§3.2, §3.7, §6): the answer's content format from Accept,
 * the values of the target encoded through the object models, link-format with the attributes
 * this server assigned, and best-effort composite reads. Errors are CoAP codes, never throws.
 */

import { formatLinkFormat, type Link } from "../../codec-wasm/link_format.ts";
import { CONTENT_FORMAT_LINK, ContentError, encodeContent } from "../lwm2m/content/mod.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import type { Lwm2mValues } from "../lwm2m/values.ts";
import { allowed } from "./access_control.ts";
import { attributeParams } from "./attributes.ts";
import {
  type ClientResponse,
  COAP_205_CONTENT,
  COAP_404_NOT_FOUND,
  COAP_405_METHOD_NOT_ALLOWED,
  COAP_406_NOT_ACCEPTABLE,
  COAP_500_INTERNAL_SERVER_ERROR,
  contentFormatOption,
  errorResponse,
} from "./codes.ts";
import {
  checkTarget,
  collectValues,
  DM_FORBIDDEN_OBJECTS,
  type DmContext,
  presentResources,
  readResource,
  resourceReadable,
} from "./dm_values.ts";
import { compositeFormat, readFormat } from "./formats.ts";

const te = new TextEncoder();

/** A 2.05 with the values encoded, or 4.06/5.00 when the format cannot carry them. */
export function encodeValues(
  ctx: DmContext,
  format: number,
  values: Lwm2mValues,
  target: Lwm2mPath,
): ClientResponse {
  try {
    const payload = encodeContent(format, values, target, ctx.store.definitions.models, ctx.codec);
    return { code: COAP_205_CONTENT, options: [contentFormatOption(format)], payload };
  } catch (e) {
    if (e instanceof ContentError) {
      const code = e.code === "not_single_value" || e.code === "unsupported_format"
        ? COAP_406_NOT_ACCEPTABLE
        : COAP_500_INTERNAL_SERVER_ERROR;
      return errorResponse(code, e.message);
    }
    throw e;
  }
}

/** The values of a Read/Observe target with the chosen format, or the error response. */
export function readTarget(
  ctx: DmContext,
  ids: readonly number[],
  accept: number | undefined,
): { response: ClientResponse; values?: Lwm2mValues; format?: number } {
  const denied = checkTarget(ctx, ids, "read");
  if (denied !== null) return { response: errorResponse(denied) };
  const [o, , r] = ids;
  if (r !== undefined && !resourceReadable(ctx.store, o, r)) {
    return { response: errorResponse(COAP_405_METHOD_NOT_ALLOWED, "resource is not readable") };
  }
  const model = r === undefined ? undefined : ctx.store.definitions.models.resource(o, r);
  const singleValue = ids.length === 4 || (ids.length === 3 && !(model?.multiple ?? false) &&
    !(readResource(ctx, o, ids[1], r!) instanceof Map));
  const format = readFormat(accept, {
    depth: ids.length,
    singleValue,
    opaque: model?.type === "opaque",
  });
  if (format === null) {
    return {
      response: errorResponse(COAP_406_NOT_ACCEPTABLE, `cannot answer in format ${accept}`),
    };
  }
  const values = collectValues(ctx, ids);
  if (singleValue && values.size === 0) return { response: errorResponse(COAP_404_NOT_FOUND) };
  const response = encodeValues(ctx, format, values, new Lwm2mPath(ids));
  return { response, values, format };
}

export function read(
  ctx: DmContext,
  ids: readonly number[],
  accept: number | undefined,
): ClientResponse {
  return readTarget(ctx, ids, accept).response;
}

/** Link parameters assigned by this server at `path`, plus dim/ver properties. */
function linkFor(ctx: DmContext, ids: readonly number[]): Link {
  const path = "/" + ids.join("/");
  const params: Record<string, string | true> = {};
  const [o, i, r] = ids;
  if (ids.length === 1) {
    const version = ctx.store.definitions.get(o)?.model.version;
    if (version && version !== "1.0") params.ver = version;
  }
  if (ids.length === 3) {
    const v = readResource(ctx, o, i, r);
    if (v instanceof Map) params.dim = String(v.size);
  }
  if (ctx.ssid !== null) {
    Object.assign(params, attributeParams(ctx.attributeTable(ctx.ssid).get(path)));
  }
  return { uri: path, params };
}

function children(ctx: DmContext, ids: readonly number[]): number[][] {
  const [o, i, r] = ids;
  if (ids.length === 1) return ctx.store.instanceIds(o).map((x) => [o, x]);
  if (ids.length === 2) return presentResources(ctx.store, o, i).map((x) => [o, i, x]);
  if (ids.length === 3) {
    const v = readResource(ctx, o, i, r);
    return v instanceof Map ? [...v.keys()].sort((a, b) => a - b).map((x) => [o, i, r, x]) : [];
  }
  return [];
}

/** Discover (§3.7): default depth 2 for an object, 1 below; `?depth=0..3` (LwM2M 1.2). */
export function discover(
  ctx: DmContext,
  ids: readonly number[],
  query: readonly string[],
): ClientResponse {
  if (ids.length === 0 || ids.length > 3) return errorResponse(COAP_405_METHOD_NOT_ALLOWED);
  const denied = checkTarget(ctx, ids, null);
  if (denied !== null) return errorResponse(denied);
  let depth = ids.length === 1 ? 2 : 1;
  for (const q of query) {
    const m = /^depth=([0-3])$/.exec(q);
    if (m) depth = Number(m[1]);
    else if (q.startsWith("depth")) return errorResponse(128, "depth must be 0..3");
  }
  const links: Link[] = [];
  const walk = (at: readonly number[], left: number) => {
    links.push(linkFor(ctx, at));
    if (left > 0) { for (const c of children(ctx, at)) walk(c, left - 1); }
  };
  walk(ids, depth);
  return {
    code: COAP_205_CONTENT,
    options: [contentFormatOption(CONTENT_FORMAT_LINK)],
    payload: te.encode(formatLinkFormat(links)),
  };
}

/**
 * Values of several paths (Read-/Observe-Composite, Send): best effort, paths that cannot be read
 * are left out; "/" means every object a server may reach.
 */
export function compositeValues(ctx: DmContext, paths: readonly Lwm2mPath[]): Lwm2mValues {
  const out: Lwm2mValues = new Map();
  for (const p of paths) {
    if (p.ids.length === 0) {
      for (const o of ctx.store.objectIdsWithInstances()) {
        if (!DM_FORBIDDEN_OBJECTS.has(o)) collectValues(ctx, [o], out);
      }
      continue;
    }
    if (checkTarget(ctx, p.ids, "read") !== null) continue;
    const [o, i, r] = p.ids;
    if (r !== undefined && !resourceReadable(ctx.store, o, r)) continue;
    if (i !== undefined && !allowed(ctx.store, ctx.ssid, "read", o, i)) continue;
    collectValues(ctx, p.ids, out);
  }
  return out;
}

/** Read-Composite (§6): `requestFormat` is the body's format, the answer's from Accept. */
export function readComposite(
  ctx: DmContext,
  paths: readonly Lwm2mPath[],
  accept: number | undefined,
  requestFormat: number,
): ClientResponse {
  const format = compositeFormat(accept, requestFormat);
  if (format === null) return errorResponse(COAP_406_NOT_ACCEPTABLE);
  return encodeValues(ctx, format, compositeValues(ctx, paths), new Lwm2mPath([]));
}
