/**
 * The shell of the Client Registration interface (LwM2M Core §6.2): CoAP handlers for
 * POST /rd (Register), POST /rd/{id} (Update) and DELETE /rd/{id} (De-register). Each change is
 * decided by the pure registry (gateway/lwm2m/registry.ts), persisted before the CoAP answer, and
 * announced as an event after it was sent (DESIGN.md §2).
 */

import { CONTENT_FORMAT, OPTION } from "../../codec-wasm/coap_registry.ts";
import type { CoapMessage } from "../../codec-wasm/types.ts";
import { uintOption, uriPath, uriQuery } from "../coap/wire.ts";
import type { HandlerResponse, IncomingRequest } from "../coap_engine.ts";
import {
  isRegistrationError,
  type ObjectList,
  parseObjectList,
  parseRegisterQuery,
  parseUpdateQuery,
  type Registration,
  type RegistrationError,
} from "../lwm2m/registration.ts";
import * as registry from "../lwm2m/registry.ts";
import type { Lwm2mServer } from "./lwm2m_server.ts";

const te = new TextEncoder();
const td = new TextDecoder("utf-8", { fatal: false });

const COAP_201_CREATED = 65;
const COAP_202_DELETED = 66;
const COAP_204_CHANGED = 68;
const COAP_400_BAD_REQUEST = 128;
const COAP_404_NOT_FOUND = 132;
const COAP_405_METHOD_NOT_ALLOWED = 133;
const COAP_415_UNSUPPORTED_CONTENT_FORMAT = 143;

function error(e: RegistrationError | { coapCode: number; message: string }): HandlerResponse {
  return { code: e.coapCode, payload: te.encode(e.message) };
}

/** Parses the optional link-format payload of Register/Update. */
function objectList(request: CoapMessage): ObjectList | RegistrationError | null {
  if (request.payload.length === 0) return null;
  const cf = uintOption(request.options, OPTION.CONTENT_FORMAT);
  if (cf !== undefined && cf !== CONTENT_FORMAT.LINK_FORMAT) {
    return {
      coapCode: COAP_415_UNSUPPORTED_CONTENT_FORMAT as 128,
      message: "the object list must be link-format (40)",
    };
  }
  return parseObjectList(td.decode(request.payload));
}

/** Answers one /rd request. */
export async function handleRd(
  server: Lwm2mServer,
  incoming: IncomingRequest,
): Promise<HandlerResponse> {
  const { request, peer } = incoming;
  const path = uriPath(request);
  if (request.code === 2 && path.length === 1) return await register(server, peer, request);
  if (path.length !== 2) return { code: COAP_404_NOT_FOUND };
  const existing = registry.byRegistrationId(server.registry, path[1]);
  // A new address or DTLS session needs a new Register, not an Update (lwm2m-interfaces.md §2.2).
  if (!existing || existing.address !== peer) return { code: COAP_404_NOT_FOUND };
  if (request.code === 2) return await update(server, existing, peer, request);
  if (request.code === 4) return await deregister(server, existing);
  return { code: COAP_405_METHOD_NOT_ALLOWED };
}

async function register(
  server: Lwm2mServer,
  peer: string,
  request: CoapMessage,
): Promise<HandlerResponse> {
  const authenticated = server.authenticatedEndpoint(peer);
  if (authenticated === null) {
    return error({ coapCode: 128, message: "these DTLS credentials are not for the LwM2M server" });
  }
  const params = parseRegisterQuery(uriQuery(request), authenticated);
  if (isRegistrationError(params)) return error(params);
  const objects = objectList(request) ?? { rootPath: "/", objectLinks: [], supportedFormats: [] };
  if (isRegistrationError(objects)) return error(objects);
  const { registration, replaced } = registry.register(
    server.registry,
    params,
    objects,
    peer,
    server.isSecure(peer),
    server.newRegistrationId(),
    server.now(),
  );
  if (replaced) server.forgetDeviceState(replaced);
  await server.persist(registration);
  return {
    code: COAP_201_CREATED,
    options: [
      { number: OPTION.LOCATION_PATH, value: te.encode("rd") },
      { number: OPTION.LOCATION_PATH, value: te.encode(registration.registrationId) },
    ],
    afterSend: () => server.onRegistered(registration, replaced !== undefined),
  };
}

async function update(
  server: Lwm2mServer,
  existing: Registration,
  peer: string,
  request: CoapMessage,
): Promise<HandlerResponse> {
  const params = parseUpdateQuery(uriQuery(request), existing.lwm2mVersion);
  if (isRegistrationError(params)) return error(params);
  const objects = objectList(request);
  if (objects && isRegistrationError(objects)) return error(objects);
  const wasSleeping = registry.isSleeping(server.registry, existing.endpoint);
  const updated = registry.update(server.registry, existing, params, objects, peer, server.now());
  await server.persist(updated);
  return {
    code: COAP_204_CHANGED,
    afterSend: () => server.onUpdated(updated, wasSleeping),
  };
}

async function deregister(server: Lwm2mServer, existing: Registration): Promise<HandlerResponse> {
  registry.remove(server.registry, existing.endpoint);
  await server.unpersist(existing.endpoint);
  return { code: COAP_202_DELETED, afterSend: () => server.onRemoved(existing, "deregistered") };
}

export { COAP_400_BAD_REQUEST };
