/**
 * Shared fixtures of the client tests (gateway/client, LwM2M Core §5-§6 client side): the
 * in-process gateway on loopback UDP with short CoAP timings, a client started against it, a
 * bounded wait, and ScriptedServer — a raw CoAP peer built from the codec alone that plays an
 * LwM2M server or Bootstrap-Server with scripted, possibly malformed, requests. Every wait has a
 * deadline. Not a test file itself.
 */

import { type CoapMessage, type CoapOption, type Codec, loadCodec } from "../../codec-wasm/mod.ts";
import { OPTION } from "../../codec-wasm/coap_registry.ts";
import { encodeUint } from "../../codec-wasm/values.ts";
import { parseConfig } from "../../gateway/config.ts";
import { type Gateway, startGateway } from "../../gateway/gateway.ts";
import { createLogger } from "../../gateway/log.ts";
import type { GatewayEvent } from "../../gateway/server/events.ts";
import {
  type ClientEvent,
  type Lwm2mClient,
  type Lwm2mClientOptions,
  startClient,
} from "../../gateway/client/mod.ts";
import type { FactoryConfig, FactoryServer } from "../../gateway/client/factory.ts";

export const codec: Codec = await loadCodec();
const te = new TextEncoder();
const td = new TextDecoder();

/** Short CoAP timings for loopback tests (no loss expected). */
export const FAST_COAP = { ackTimeoutMs: 300, maxRetransmit: 2, requestTimeoutMs: 3000 };

export interface TestGateway {
  gw: Gateway;
  port: number;
  events: GatewayEvent[];
  stop(): Promise<void>;
}

export async function testGateway(options: { queueWindowMs?: number } = {}): Promise<TestGateway> {
  const parsed = parseConfig([
    "--coap-port",
    "0",
    "--coaps-port",
    "off",
    "--http-port",
    "0",
    "--store",
    "memory",
    "--host",
    "127.0.0.1",
  ], {});
  if (parsed.kind !== "config") throw new Error("config");
  const gw = await startGateway(parsed.config, createLogger("error"), {
    coapParams: FAST_COAP,
    server: {
      requestTimeoutMs: 3000,
      ...(options.queueWindowMs ? { queueWindowMs: options.queueWindowMs } : {}),
    },
  });
  const events: GatewayEvent[] = [];
  gw.events.subscribe((e) => events.push(e));
  return { gw, port: gw.coapPort!, events, stop: () => gw.stop() };
}

/** A factory configuration with one server at 127.0.0.1:port. */
export function oneServer(port: number, extra: Partial<FactoryServer> = {}): FactoryConfig {
  return {
    servers: [{
      shortServerId: 1,
      uri: `coap://127.0.0.1:${port}`,
      lifetime: 60,
      retryTimer: 1,
      ...extra,
    }],
  };
}

export type TestClient = Lwm2mClient & { close(): Promise<void>; events: ClientEvent[] };

/** A client on its own host bound to 127.0.0.1, collecting its events. */
export async function testClient(
  options: Partial<Lwm2mClientOptions> & { endpoint: string },
): Promise<TestClient> {
  const events: ClientEvent[] = [];
  const c = await startClient({
    requestTimeoutMs: 3000,
    ...options,
    host: { bindHost: "127.0.0.1", coapParams: FAST_COAP },
    onEvent: (e) => {
      events.push(e);
      options.onEvent?.(e);
    },
  }) as TestClient;
  c.events = events;
  return c;
}

/** Polls `check` every 10 ms until it returns a truthy value or `timeoutMs` passes (then throws). */
export async function waitFor<T>(
  check: () => T | undefined | null | false,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function waitEvent(
  c: TestClient,
  type: string,
  count = 1,
  timeoutMs = 5000,
): Promise<ClientEvent> {
  return waitFor(
    () => c.events.filter((e) => e.type === type)[count - 1],
    timeoutMs,
    `client event ${type} #${count}`,
  );
}

export function option(number: number, value: number | string | Uint8Array): CoapOption {
  return {
    number,
    value: typeof value === "number"
      ? encodeUint(value)
      : typeof value === "string"
      ? te.encode(value)
      : value,
  };
}

export function pathOptions(path: string): CoapOption[] {
  return path.split("/").filter((s) => s).map((s) => option(OPTION.URI_PATH, s));
}

export function pathOf(m: CoapMessage): string {
  return "/" +
    m.options.filter((o) => o.number === OPTION.URI_PATH).map((o) => td.decode(o.value)).join("/");
}

export function queryOf(m: CoapMessage): string[] {
  return m.options.filter((o) => o.number === OPTION.URI_QUERY).map((o) => td.decode(o.value));
}

export function uintOptionOf(m: CoapMessage, number: number): number | undefined {
  const o = m.options.find((x) => x.number === number);
  return o ? o.value.reduce((n, b) => n * 256 + b, 0) : undefined;
}

export type ScriptedHandler = (
  request: CoapMessage,
) => { code: number; options?: CoapOption[]; payload?: Uint8Array } | null;

/**
 * A raw CoAP peer on 127.0.0.1 playing a server: answers the client's requests with `handler`
 * (default: 2.01 with Location-Path rd/1 for Register, 2.04 for the rest), remembers them, and
 * sends its own requests to the client's address.
 */
export class ScriptedServer {
  readonly conn: Deno.DatagramConn;
  readonly port: number;
  readonly received: CoapMessage[] = [];
  readonly #inbox: CoapMessage[] = [];
  clientAddress: Deno.NetAddr | null = null;
  handler: ScriptedHandler = (r) => {
    if (r.code === 2 && pathOf(r) === "/rd") {
      return {
        code: 65,
        options: [option(OPTION.LOCATION_PATH, "rd"), option(OPTION.LOCATION_PATH, "1")],
      };
    }
    if (r.code === 4) return { code: 66 };
    return { code: 68 };
  };
  #mid = 0x2000;
  #token = 0;
  #closed = false;

  constructor() {
    this.conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    this.port = (this.conn.addr as Deno.NetAddr).port;
    this.#loop();
  }

  get uri(): string {
    return `coap://127.0.0.1:${this.port}`;
  }

  async #loop(): Promise<void> {
    try {
      for await (const [data, from] of this.conn) {
        const m = codec.tryDecodeCoap(data);
        if (m instanceof Error) continue;
        const copy: CoapMessage = {
          ...m,
          token: m.token.slice(),
          payload: m.payload.slice(),
          options: m.options.map((o) => ({ number: o.number, value: o.value.slice() })),
        };
        if (copy.code >= 1 && copy.code <= 31) {
          this.clientAddress = from as Deno.NetAddr;
          this.received.push(copy);
          const reply = this.handler(copy);
          if (reply) {
            this.#send({
              type: copy.type === 0 ? 2 : 1,
              code: reply.code,
              messageId: copy.type === 0 ? copy.messageId : this.#mid++,
              token: copy.token,
              options: reply.options ?? [],
              payload: reply.payload ?? new Uint8Array(0),
            });
          }
        } else {
          this.#inbox.push(copy);
          if (copy.type === 0) {
            this.#send({
              type: 2,
              code: 0,
              messageId: copy.messageId,
              token: new Uint8Array(0),
              options: [],
              payload: new Uint8Array(0),
            });
          }
        }
      }
    } catch { /* closed */ }
  }

  #send(m: CoapMessage): void {
    if (this.clientAddress) this.conn.send(codec.encodeCoap(m), this.clientAddress).catch(() => {});
  }

  /** Sends raw bytes to the client. */
  sendBytes(bytes: Uint8Array): void {
    if (this.clientAddress) this.conn.send(bytes, this.clientAddress).catch(() => {});
  }

  /** Waits (bounded) until a request from the client matches. */
  waitRequest(match: (m: CoapMessage) => boolean, timeoutMs = 5000): Promise<CoapMessage> {
    return waitFor(() => this.received.find(match), timeoutMs, "a request from the client");
  }

  /** Sends a CON request to the client and waits for its response (piggybacked or separate). */
  async request(
    code: number,
    path: string,
    options: CoapOption[] = [],
    payload: Uint8Array | string = new Uint8Array(0),
    timeoutMs = 5000,
  ): Promise<CoapMessage> {
    const messageId = this.#mid++;
    const token = new Uint8Array([0xc0, ++this.#token & 0xff, (this.#token >> 8) & 0xff]);
    const body = typeof payload === "string" ? te.encode(payload) : payload;
    const opts = [...pathOptions(path), ...options].sort((a, b) => a.number - b.number);
    this.#send({ type: 0, code, messageId, token, options: opts, payload: body });
    const same = (t: Uint8Array) => t.length === token.length && t.every((b, k) => b === token[k]);
    const response = await waitFor(
      () => {
        const i = this.#inbox.findIndex((m) => m.code !== 0 && same(m.token));
        return i >= 0 ? this.#inbox.splice(i, 1)[0] : undefined;
      },
      timeoutMs,
      `the response to ${code} ${path}`,
    );
    return response;
  }

  /** Waits for a message (notification) carrying `token`. */
  waitMessage(match: (m: CoapMessage) => boolean, timeoutMs = 5000): Promise<CoapMessage> {
    return waitFor(
      () => {
        const i = this.#inbox.findIndex(match);
        return i >= 0 ? this.#inbox.splice(i, 1)[0] : undefined;
      },
      timeoutMs,
      "a message from the client",
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.conn.close();
  }
}
