/**
 * The Bootstrap interface on the client side (LwM2M Core §6.1; spec digest lwm2m-interfaces.md
 * §1): the requests a Bootstrap-Server sends once the client asked with POST /bs — Bootstrap-
 * Write (create-or-update, no ACL), Bootstrap-Delete (sparing the Bootstrap-Server account and
 * /3/0; deleting a server's Security instance also deletes its Server instance), Bootstrap-
 * Discover (`</>;lwm2m="1.1"` with ssid/uri), Bootstrap-Read of /1 and /2, and Bootstrap-Finish
 * with the consistency check (4.06). Bootstrap paths never carry the alternate root path.
 */

import type { Link } from "../../codec-wasm/link_format.ts";
import { OPTION } from "../../codec-wasm/coap_registry.ts";
import type { CoapMessage } from "../../codec-wasm/types.ts";
import { CONTENT_FORMAT_LINK } from "../lwm2m/content/mod.ts";
import {
  type ClientResponse,
  COAP_202_DELETED,
  COAP_204_CHANGED,
  COAP_205_CONTENT,
  COAP_400_BAD_REQUEST,
  COAP_404_NOT_FOUND,
  COAP_405_METHOD_NOT_ALLOWED,
  COAP_406_NOT_ACCEPTABLE,
  contentFormatOption,
  DELETE,
  errorResponse,
  GET,
  POST,
  PUT,
  uintOf,
} from "./codes.ts";
import { readTarget } from "./dm_read.ts";
import { pathIds } from "./dm_router.ts";
import type { DmContext } from "./dm_values.ts";
import { bootstrapWrite } from "./dm_write.ts";
import type { ObjectStore } from "./store.ts";

const te = new TextEncoder();

/** Is /0/i the Bootstrap-Server account? */
export function isBootstrapAccount(store: ObjectStore, i: number): boolean {
  return store.get(0, i, 1) === true;
}

function deleteInstance(store: ObjectStore, o: number, i: number): void {
  if (o === 3 && i === 0) return;
  if (o === 0 && isBootstrapAccount(store, i)) return;
  if (o === 0) {
    const ssid = store.get(0, i, 10);
    for (const s of store.instanceIds(1)) {
      if (store.get(1, s, 0) === ssid) store.deleteInstance(1, s);
    }
  }
  store.deleteInstance(o, i);
}

/** Bootstrap-Delete of `/`, `/O` or `/O/I` (§1.4). */
export function bootstrapDelete(store: ObjectStore, ids: readonly number[]): ClientResponse {
  if (ids.length > 2) return errorResponse(COAP_400_BAD_REQUEST);
  const objects = ids.length === 0 ? store.objectIdsWithInstances() : [ids[0]];
  for (const o of objects) {
    if (ids.length === 2) {
      if (!store.definitions.has(o)) return errorResponse(COAP_400_BAD_REQUEST);
      deleteInstance(store, o, ids[1]);
    } else {
      for (const i of store.instanceIds(o)) deleteInstance(store, o, i);
    }
  }
  return { code: COAP_202_DELETED };
}

/** Bootstrap-Discover of `/` or `/O` (§1.5). */
export function bootstrapDiscover(
  store: ObjectStore,
  ids: readonly number[],
  lwm2mVersion: string,
): ClientResponse {
  if (ids.length > 1) return errorResponse(COAP_400_BAD_REQUEST);
  if (ids.length === 1 && !store.definitions.has(ids[0])) return errorResponse(COAP_404_NOT_FOUND);
  const links: Link[] = [];
  if (ids.length === 0) links.push({ uri: "/", params: { lwm2m: lwm2mVersion } });
  const quoted = new Set(["lwm2m", "uri"]);
  const objects = ids.length === 0 ? store.definitions.ids() : [ids[0]];
  for (const o of objects) {
    const version = store.definitions.get(o)!.model.version;
    const instances = store.instanceIds(o);
    const ver: Record<string, string> = version !== "1.0" ? { ver: version } : {};
    if (instances.length === 0 || Object.keys(ver).length) {
      links.push({ uri: `/${o}`, params: ver });
    }
    for (const i of instances) {
      const params: Record<string, string> = {};
      if (o === 0 && !isBootstrapAccount(store, i)) {
        params.ssid = String(store.get(0, i, 10) ?? "");
        params.uri = String(store.get(0, i, 0) ?? "");
      }
      if (o === 1 || o === 21) params.ssid = String(store.get(o, i, 0) ?? "");
      links.push({ uri: `/${o}/${i}`, params });
    }
  }
  // lwm2m= and uri= are quoted as in the spec's examples (§1.5); ssid and ver are tokens.
  const text = links.map((l) =>
    `<${l.uri}>` +
    Object.entries(l.params).map(([k, v]) => quoted.has(k) ? `;${k}="${v}"` : `;${k}=${v}`).join("")
  ).join(",");
  return {
    code: COAP_205_CONTENT,
    options: [contentFormatOption(CONTENT_FORMAT_LINK)],
    payload: te.encode(text),
  };
}

/**
 * Bootstrap-Finish consistency (§1.6): every Server instance has a Security instance of the same
 * SSID, and at least one server account exists. Returns the problem, or null.
 */
export function finishProblem(store: ObjectStore): string | null {
  const servers = store.instanceIds(1);
  if (servers.length === 0) return "no LwM2M Server account";
  const ssids = new Set(
    store.instanceIds(0).filter((i) => !isBootstrapAccount(store, i)).map((i) =>
      store.get(0, i, 10)
    ),
  );
  for (const s of servers) {
    const ssid = store.get(1, s, 0);
    if (!ssids.has(ssid)) return `Server /1/${s} (ssid ${ssid}) has no Security instance`;
  }
  return null;
}

export interface BootstrapRouted {
  response: ClientResponse;
  /** POST /bs passed the checks: the client leaves bootstrap once the 2.04 was sent. */
  finished?: boolean;
}

/** Routes one request of the Bootstrap-Server. `ctx.ssid` is null (no ACL). */
export function routeBootstrapRequest(
  ctx: DmContext,
  request: CoapMessage,
  segments: readonly string[],
  lwm2mVersion: string,
): BootstrapRouted {
  if (request.code === POST && segments.length === 1 && segments[0] === "bs") {
    const problem = finishProblem(ctx.store);
    if (problem) return { response: errorResponse(COAP_406_NOT_ACCEPTABLE, problem) };
    return { response: { code: COAP_204_CHANGED }, finished: true };
  }
  const ids = pathIds(segments);
  if (ids === null) return { response: errorResponse(COAP_400_BAD_REQUEST) };
  const format = uintOf(request, OPTION.CONTENT_FORMAT);
  const accept = uintOf(request, OPTION.ACCEPT);
  switch (request.code) {
    case PUT:
      return { response: bootstrapWrite(ctx, ids, format, request.payload) };
    case DELETE:
      return { response: bootstrapDelete(ctx.store, ids) };
    case GET:
      if (accept === CONTENT_FORMAT_LINK) {
        return { response: bootstrapDiscover(ctx.store, ids, lwm2mVersion) };
      }
      if (ids.length === 0 || ids.length > 2 || (ids[0] !== 1 && ids[0] !== 2)) {
        return {
          response: errorResponse(COAP_405_METHOD_NOT_ALLOWED, "Bootstrap-Read covers /1 and /2"),
        };
      }
      return { response: readTarget(ctx, ids, accept ?? 11542).response };
    default:
      return { response: errorResponse(COAP_405_METHOD_NOT_ALLOWED) };
  }
}
