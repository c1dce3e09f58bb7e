/**
 * The Send operation, server side (LwM2M Core §6.4.4; lwm2m-interfaces.md §5): POST /dp from a
 * registered client with SenML-JSON, SenML-CBOR or LwM2M-CBOR values, answered 2.04 and emitted
 * as a `send` event. Unregistered senders get 4.04, undecodable payloads 4.00 (with the reason).
 */

import { OPTION } from "../../codec-wasm/coap_registry.ts";
import { uintOption } from "../coap/wire.ts";
import type { HandlerResponse, IncomingRequest } from "../coap_engine.ts";
import { ContentError, decodeTimestampedValues } from "../lwm2m/content/mod.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import type { Lwm2mServer } from "./lwm2m_server.ts";
import { timestampedToJson } from "./json.ts";

const te = new TextEncoder();
const COAP_204_CHANGED = 68;
const COAP_400_BAD_REQUEST = 128;
const COAP_404_NOT_FOUND = 132;
const COAP_415_UNSUPPORTED_CONTENT_FORMAT = 143;

export function handleSend(server: Lwm2mServer, incoming: IncomingRequest): HandlerResponse {
  const { request, peer } = incoming;
  if (request.code !== 2) return { code: 133 };
  const r = server.byPeer(peer);
  if (!r) return { code: COAP_404_NOT_FOUND, payload: te.encode("not registered") };
  const format = uintOption(request.options, OPTION.CONTENT_FORMAT);
  if (format === undefined) return { code: COAP_415_UNSUPPORTED_CONTENT_FORMAT };
  let values;
  try {
    const root = new Lwm2mPath([]);
    values = decodeTimestampedValues(
      format,
      request.payload,
      root,
      server.options.models,
      server.now() / 1000,
    );
  } catch (e) {
    if (e instanceof ContentError) {
      const code = e.code === "unsupported_format"
        ? COAP_415_UNSUPPORTED_CONTENT_FORMAT
        : COAP_400_BAD_REQUEST;
      return { code, payload: te.encode(e.message) };
    }
    throw e;
  }
  return {
    code: COAP_204_CHANGED,
    afterSend: () => {
      server.touch(r.endpoint);
      server.events.emit("send", r.endpoint, timestampedToJson(values));
    },
  };
}
