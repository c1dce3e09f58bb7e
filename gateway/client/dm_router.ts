/**
 * Maps a server's CoAP request to the Device Management / Information Reporting operation it is
 * (LwM2M Transport §6.3-§6.4 CoAP mapping; spec digest lwm2m-interfaces.md §3.1 and §5): GET is
 * Read, Discover (Accept 40) or Observe/Cancel; PUT is Write replace or Write-Attributes (no
 * payload, query); POST is Create (/O), partial Write or Execute; DELETE; FETCH is Read-/Observe-
 * Composite; iPATCH is Write-Composite. Paths that are not LwM2M ids get 4.04, other methods 4.05.
 */

import { OPTION } from "../../codec-wasm/coap_registry.ts";
import type { CoapMessage } from "../../codec-wasm/types.ts";
import { CONTENT_FORMAT_LINK, ContentError, decodeCompositePaths } from "../lwm2m/content/mod.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import type { Lwm2mValues } from "../lwm2m/values.ts";
import { type NotificationAttributes, parseAttributeQuery } from "./attributes.ts";
import {
  type ClientResponse,
  COAP_400_BAD_REQUEST,
  COAP_404_NOT_FOUND,
  COAP_405_METHOD_NOT_ALLOWED,
  COAP_406_NOT_ACCEPTABLE,
  COAP_415_UNSUPPORTED_CONTENT_FORMAT,
  DELETE,
  errorResponse,
  FETCH,
  GET,
  IPATCH,
  POST,
  PUT,
  uintOf,
} from "./codes.ts";
import { compositeValues, discover, encodeValues, read, readTarget } from "./dm_read.ts";
import { execute, writeAttributes } from "./dm_exec.ts";
import type { DmContext } from "./dm_values.ts";
import { create, remove, write, writeComposite } from "./dm_write.ts";
import { compositeFormat, isCompositePathFormat } from "./formats.ts";
import { contentErrorCode } from "./dm_write.ts";

const td = new TextDecoder();

/** An Observe / Observe-Composite the client accepted (the observer is added once it is sent). */
export interface ObserveRequest {
  composite: boolean;
  paths: number[][];
  format: number;
  /** Attributes given in the Observe query (LwM2M 1.2): only these apply. */
  queryAttributes?: NotificationAttributes;
  /** The values the first response carries (the first "last notified" values). */
  values: Lwm2mValues;
}

export interface RoutedResponse {
  response: ClientResponse | Promise<ClientResponse>;
  observe?: ObserveRequest;
}

/** LwM2M ids of Uri-Path segments (after the root path); null when one is not an id. */
export function pathIds(segments: readonly string[]): number[] | null {
  if (segments.length > 4) return null;
  const ids: number[] = [];
  for (const s of segments) {
    if (!/^\d{1,5}$/.test(s)) return null;
    const n = Number(s);
    if (n > 65534) return null;
    ids.push(n);
  }
  return ids;
}

function queryOf(request: CoapMessage): string[] {
  return request.options.filter((o) => o.number === OPTION.URI_QUERY).map((o) =>
    td.decode(o.value)
  );
}

function observeQuery(query: string[]): NotificationAttributes | undefined | ClientResponse {
  if (query.length === 0) return undefined;
  const parsed = parseAttributeQuery(query);
  if (!parsed.ok) return errorResponse(COAP_400_BAD_REQUEST, parsed.message);
  const out: NotificationAttributes = {};
  for (const [k, v] of Object.entries(parsed.value)) {
    if (v !== null) out[k as keyof NotificationAttributes] = v;
  }
  return out;
}

function isResponse(x: unknown): x is ClientResponse {
  return typeof x === "object" && x !== null && "code" in x;
}

/** Routes one DM/IR request; `segments` is the Uri-Path without the client's root path. */
export function routeDmRequest(
  ctx: DmContext,
  request: CoapMessage,
  segments: readonly string[],
  observe: 0 | 1 | null,
): RoutedResponse {
  const ids = pathIds(segments);
  if (ids === null) return { response: errorResponse(COAP_404_NOT_FOUND) };
  const accept = uintOf(request, OPTION.ACCEPT);
  const format = uintOf(request, OPTION.CONTENT_FORMAT);
  const query = queryOf(request);
  switch (request.code) {
    case GET: {
      if (accept === CONTENT_FORMAT_LINK && observe === null) {
        return { response: discover(ctx, ids, query) };
      }
      if (ids.length === 0) return { response: errorResponse(COAP_405_METHOD_NOT_ALLOWED) };
      if (observe !== 0) return { response: read(ctx, ids, accept) };
      const attrs = observeQuery(query);
      if (isResponse(attrs)) return { response: attrs };
      const r = readTarget(ctx, ids, accept);
      if (r.format === undefined || r.response.code >= 128) return { response: r.response };
      return {
        response: r.response,
        observe: {
          composite: false,
          paths: [ids],
          format: r.format,
          queryAttributes: attrs,
          values: r.values!,
        },
      };
    }
    case PUT:
      if (format === undefined && request.payload.length === 0 && query.length > 0) {
        return { response: writeAttributes(ctx, ids, query) };
      }
      return { response: write(ctx, ids, "replace", format, request.payload) };
    case POST:
      if (ids.length === 1) return { response: create(ctx, ids[0], format, request.payload) };
      if (ids.length === 3) {
        const model = ctx.store.definitions.models.resource(ids[0], ids[2]);
        if (model?.operations === "E" || format === undefined || format === 0) {
          return { response: execute(ctx, ids, request.payload) };
        }
        return { response: write(ctx, ids, "update", format, request.payload) };
      }
      if (ids.length === 2) {
        if (format === undefined) return { response: errorResponse(COAP_405_METHOD_NOT_ALLOWED) };
        return { response: write(ctx, ids, "update", format, request.payload) };
      }
      return { response: errorResponse(COAP_405_METHOD_NOT_ALLOWED) };
    case DELETE:
      return { response: remove(ctx, ids) };
    case FETCH:
      return fetch(ctx, request, ids, format, accept, observe, query);
    case IPATCH:
      if (ids.length !== 0) return { response: errorResponse(COAP_405_METHOD_NOT_ALLOWED) };
      return { response: writeComposite(ctx, format, request.payload) };
    default:
      return { response: errorResponse(COAP_405_METHOD_NOT_ALLOWED) };
  }
}

function fetch(
  ctx: DmContext,
  request: CoapMessage,
  ids: number[],
  format: number | undefined,
  accept: number | undefined,
  observe: 0 | 1 | null,
  query: string[],
): RoutedResponse {
  if (ids.length !== 0) return { response: errorResponse(COAP_405_METHOD_NOT_ALLOWED) };
  if (format === undefined || !isCompositePathFormat(format)) {
    return { response: errorResponse(COAP_415_UNSUPPORTED_CONTENT_FORMAT) };
  }
  let paths: Lwm2mPath[];
  try {
    paths = decodeCompositePaths(format, request.payload);
  } catch (e) {
    if (e instanceof ContentError) {
      return { response: errorResponse(contentErrorCode(e), e.message) };
    }
    throw e;
  }
  const answerFormat = compositeFormat(accept, format);
  if (answerFormat === null) return { response: errorResponse(COAP_406_NOT_ACCEPTABLE) };
  const values = compositeValues(ctx, paths);
  const response = encodeValues(ctx, answerFormat, values, new Lwm2mPath([]));
  if (observe !== 0 || response.code >= 128) return { response };
  const attrs = observeQuery(query);
  if (isResponse(attrs)) return { response: attrs };
  return {
    response,
    observe: {
      composite: true,
      paths: paths.map((p) => [...p.ids]),
      format: answerFormat,
      queryAttributes: attrs,
      values,
    },
  };
}
