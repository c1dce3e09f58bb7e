/**
 * Shared fixtures of the LwM2M server integration tests (issue 4; LwM2M Core §6.2-§6.4 over real
 * loopback UDP): an in-process gateway (gateway/gateway.ts) on 127.0.0.1 with short timers, an
 * event recorder with bounded waits, scripted devices (tests/support/scripted_device.ts) that
 * register with raw CoAP, and builders for the devices' raw replies. Not a test file itself.
 */

import type { CoapMessage, CoapOption } from "../../../codec-wasm/types.ts";
import { OPTION } from "../../../codec-wasm/coap_registry.ts";
import { decodeUint, encodeUint } from "../../../codec-wasm/values.ts";
import { parseConfig } from "../../../gateway/config.ts";
import { type Gateway, type GatewayOptions, startGateway } from "../../../gateway/gateway.ts";
import { createLogger } from "../../../gateway/log.ts";
import type { GatewayEvent } from "../../../gateway/server/events.ts";
import type { Lwm2mServer } from "../../../gateway/server/lwm2m_server.ts";
import type { Lwm2mResult } from "../../../gateway/lwm2m/operations.ts";
import { Lwm2mPath } from "../../../gateway/lwm2m/path.ts";
import type { Lwm2mValues } from "../../../gateway/lwm2m/values.ts";
import { locationPath, ScriptedDevice } from "../../support/scripted_device.ts";

export { locationPath, pathOf, queryOf, ScriptedDevice } from "../../support/scripted_device.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const bytes = (s: string): Uint8Array => encoder.encode(s);
export const str = (b: Uint8Array): string => decoder.decode(b);
export const path = (p: string): Lwm2mPath => Lwm2mPath.parse(p);

/** CoAP codes (RFC 7252 §12.1, RFC 8132 for FETCH/iPATCH) as numbers on the wire. */
export const GET = 1;
export const POST = 2;
export const PUT = 3;
export const DELETE = 4;
export const FETCH = 5;
export const IPATCH = 7;
export const CREATED = 65;
export const DELETED = 66;
export const CHANGED = 68;
export const CONTENT = 69;
export const BAD_REQUEST = 128;
export const UNAUTHORIZED = 129;
export const NOT_FOUND = 132;
export const METHOD_NOT_ALLOWED = 133;
export const NOT_ACCEPTABLE = 134;
export const PRECONDITION_FAILED = 140;
export const UNSUPPORTED_CONTENT_FORMAT = 143;

/** LwM2M content formats (data-formats.md §1). */
export const TEXT = 0;
export const LINK_FORMAT = 40;
export const SENML_JSON = 110;
export const SENML_CBOR = 112;
export const TLV = 11542;
export const LWM2M_CBOR = 11544;

/** Short server timers so that expiry, sleep and timeouts happen within a test. */
export const FAST: GatewayOptions = {
  coapParams: { ackTimeoutMs: 200, maxRetransmit: 1 },
  server: { expiryGraceMs: 100, requestTimeoutMs: 2000 },
};

/** Sleeps `ms` (only to let the other side act; never asserted on). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 5 ms until it holds; throws after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Every event of the gateway, in order, with bounded waiting for the next ones. */
export class EventLog {
  readonly events: GatewayEvent[] = [];
  readonly #unsubscribe: () => void;

  constructor(gateway: Gateway) {
    this.#unsubscribe = gateway.events.subscribe((e) => this.events.push(e));
  }

  /** Event types of `endpoint`, in order. */
  types(endpoint: string): string[] {
    return this.events.filter((e) => e.endpoint === endpoint).map((e) => e.type);
  }

  /** The first event of `type` (and endpoint) matching `match`, waiting up to `timeoutMs`. */
  async waitFor(
    type: string,
    endpoint?: string,
    match: (e: GatewayEvent) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<GatewayEvent> {
    const find = () =>
      this.events.find((e) =>
        e.type === type && (endpoint === undefined || e.endpoint === endpoint) && match(e)
      );
    await waitUntil(
      () => find() !== undefined,
      `a ${type} event of ${endpoint ?? "any"}`,
      timeoutMs,
    );
    return find()!;
  }

  close(): void {
    this.#unsubscribe();
  }
}

export interface TestGateway {
  gateway: Gateway;
  server: Lwm2mServer;
  coapPort: number;
  log: EventLog;
  /** Devices opened through `device()`, closed by `stop()`. */
  devices: ScriptedDevice[];
  device(): Promise<ScriptedDevice>;
  stop(): Promise<void>;
}

/** Starts a gateway in this process: CoAP and HTTP on 127.0.0.1, ports picked by the OS. */
export async function startTestGateway(
  options: GatewayOptions = FAST,
  store = "memory",
): Promise<TestGateway> {
  const parsed = parseConfig(
    ["--coap-port", "0", "--coaps-port", "off", "--http-port", "0", "--store", store],
    {},
  );
  if (parsed.kind !== "config") throw new Error("test gateway configuration rejected");
  const config = { ...parsed.config, host: "127.0.0.1" };
  const gateway = await startGateway(config, createLogger("error"), options);
  const log = new EventLog(gateway);
  const devices: ScriptedDevice[] = [];
  return {
    gateway,
    server: gateway.server!,
    coapPort: gateway.coapPort!,
    log,
    devices,
    async device() {
      const d = await ScriptedDevice.open(gateway.coapPort!);
      devices.push(d);
      return d;
    },
    async stop() {
      for (const d of devices) d.close();
      log.close();
      await gateway.stop();
    },
  };
}

/** Runs `body` against a fresh gateway and always stops it. */
export async function withGateway(
  body: (t: TestGateway) => Promise<void>,
  options: GatewayOptions = FAST,
): Promise<void> {
  const t = await startTestGateway(options);
  try {
    await body(t);
  } finally {
    await t.stop();
  }
}

/** A device registered as `endpoint` (the Register must succeed); returns it and its rd path. */
export async function registered(
  t: TestGateway,
  endpoint: string,
  query: string[] = ["lt=300", "lwm2m=1.1", "b=U"],
  links = "</1/0>,</3/0>,</3311/0>",
): Promise<{ device: ScriptedDevice; location: string }> {
  const device = await t.device();
  const response = await device.register([`ep=${endpoint}`, ...query], links);
  if (response.code !== CREATED) {
    throw new Error(`Register of ${endpoint} got code ${response.code}`);
  }
  await t.log.waitFor("registered", endpoint);
  return { device, location: "/" + locationPath(response).join("/") };
}

/** A uint option (Content-Format, Accept, Observe). */
export function uintOpt(number: number, value: number): CoapOption {
  return { number, value: encodeUint(value) };
}

/** A reply with a Content-Format option and a payload. */
export function content(format: number, payload: Uint8Array | string, code = CONTENT) {
  return {
    code,
    options: [uintOpt(OPTION.CONTENT_FORMAT, format)],
    payload: typeof payload === "string" ? bytes(payload) : payload,
  };
}

/** The value of a uint option of a message, or undefined. */
export function uintOf(m: CoapMessage, number: number): number | undefined {
  const o = m.options.find((x) => x.number === number);
  return o === undefined ? undefined : decodeUint(o.value);
}

export function acceptOf(m: CoapMessage): number | undefined {
  return uintOf(m, OPTION.ACCEPT);
}

export function contentFormatOf(m: CoapMessage): number | undefined {
  return uintOf(m, OPTION.CONTENT_FORMAT);
}

export function observeOf(m: CoapMessage): number | undefined {
  return uintOf(m, OPTION.OBSERVE);
}

/** Sends a notification of an observation (a 2.05 with its token and Observe `seq`). */
export function notify(
  device: ScriptedDevice,
  observeRequest: CoapMessage,
  seq: number,
  format: number,
  payload: Uint8Array | string,
  confirmable = false,
  messageId = 0x7000 + seq,
): void {
  device.sendRaw({
    type: confirmable ? 0 : 1,
    code: CONTENT,
    messageId,
    token: observeRequest.token,
    options: [uintOpt(OPTION.OBSERVE, seq), uintOpt(OPTION.CONTENT_FORMAT, format)],
    payload: typeof payload === "string" ? bytes(payload) : payload,
  });
}

/** The values of a `content` result; fails the test with the result otherwise. */
export function valuesOf(result: Lwm2mResult): Lwm2mValues {
  if (result.kind !== "content") throw new Error(`expected content, got ${JSON.stringify(result)}`);
  return result.values;
}
