/**
 * Fixtures of the DTLS interop tests (issue 8; RFC 6347, RFC 9146): an in-process gateway with
 * coaps on a free 127.0.0.1 port and PSK credentials, a gateway child process for restart tests,
 * and raw CoAP Register/Update builders. Not a test file itself.
 */

import { encodeUint } from "../../codec-wasm/values.ts";
import type { CoapOption } from "../../codec-wasm/types.ts";
import { parseConfig } from "../../gateway/config.ts";
import { type Gateway, type GatewayOptions, startGateway } from "../../gateway/gateway.ts";
import { createLogger } from "../../gateway/log.ts";
import type { GatewayEvent } from "../../gateway/server/events.ts";
import type { DtlsTransportEvent } from "../../gateway/transport/dtls.ts";

export const te = new TextEncoder();
export const PSK_TEXT = "secret-psk-0001";
export const PSK = te.encode(PSK_TEXT);

export interface Credential {
  endpoint: string;
  identity: string;
  key?: Uint8Array;
  role?: "server" | "bootstrap";
}

/** A gateway with NoSec off, coaps on a free port, a memory store unless `store` is given. */
export async function coapsGateway(
  credentials: Credential[],
  options: {
    store?: string;
    coap?: boolean;
    logLevel?: "debug" | "warn";
    gateway?: GatewayOptions;
  } = {},
): Promise<{ gateway: Gateway; events: GatewayEvent[]; dtlsEvents: DtlsTransportEvent[] }> {
  const dtlsEvents: DtlsTransportEvent[] = [];
  const parsed = parseConfig([
    "--coap-port",
    options.coap ? "0" : "off",
    "--coaps-port",
    "0",
    "--http-port",
    "0",
    "--host",
    "127.0.0.1",
    "--store",
    options.store ?? "memory",
  ], {});
  if (parsed.kind !== "config") throw new Error("bad test config");
  const gateway = await startGateway(parsed.config, createLogger(options.logLevel ?? "warn"), {
    coapParams: { ackTimeoutMs: 300, maxRetransmit: 2 },
    ...options.gateway,
    dtls: { ...options.gateway?.dtls, onEvent: (e) => dtlsEvents.push(e) },
  });
  for (const c of credentials) {
    await gateway.security.put(
      c.endpoint,
      { mode: "psk", identity: c.identity, key: c.key ?? PSK },
      c.role ?? "server",
    );
  }
  const events: GatewayEvent[] = [];
  gateway.events.subscribe((e) => events.push(e));
  return { gateway, events, dtlsEvents };
}

/** CoAP option numbers (RFC 7252 §5.10) used by the raw Register/Update requests. */
const URI_PATH = 11, CONTENT_FORMAT = 12, URI_QUERY = 15;

function option(number: number, value: string | Uint8Array): CoapOption {
  return { number, value: typeof value === "string" ? te.encode(value) : value };
}

/** POST /rd?ep=..&lt=.. with `</3/0>` (LwM2M Core §6.2.1). */
export function registerRequest(endpoint: string, lifetimeSec = 60) {
  return {
    code: 2,
    options: [
      option(URI_PATH, "rd"),
      option(CONTENT_FORMAT, encodeUint(40)),
      option(URI_QUERY, `ep=${endpoint}`),
      option(URI_QUERY, `lt=${lifetimeSec}`),
    ],
    payload: te.encode("</3/0>"),
  };
}

/** POST /rd/{id} without parameters (Update, LwM2M Core §6.2.2). */
export function updateRequest(location: string[]) {
  return { code: 2, options: location.map((segment) => option(URI_PATH, segment)) };
}

export const td = new TextDecoder();

/** The Location-Path segments of a response. */
export function locationOf(options: CoapOption[]): string[] {
  return options.filter((o) => o.number === 8).map((o) => td.decode(o.value));
}
