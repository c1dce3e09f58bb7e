/**
 * Fixtures of the fleet and provisioning HTTP tests (groups, security, bootstrap, objects,
 * firmware): an in-process app over a MemoryStore for contract tests, and a real gateway on
 * 127.0.0.1 (CoAP + HTTP, ports picked by the OS, short timers) with scripted devices that
 * register over raw CoAP, driven only through HTTP. Not a test file; every wait is bounded.
 */

import { encodeUint } from "../../../codec-wasm/values.ts";
import { OPTION } from "../../../codec-wasm/coap_registry.ts";
import { parseConfig } from "../../../gateway/config.ts";
import { type Gateway, type GatewayOptions, startGateway } from "../../../gateway/gateway.ts";
import { createHttpApp, type HttpDeps } from "../../../gateway/http/app.ts";
import { createLogger } from "../../../gateway/log.ts";
import { createMetrics } from "../../../gateway/metrics.ts";
import { EventBus, type GatewayEvent } from "../../../gateway/server/events.ts";
import { MemoryStore } from "../../../gateway/store/memory.ts";
import { coreModels } from "../../../objects/mod.ts";
import { ScriptedDevice } from "../../support/scripted_device.ts";

export const CREATED = 65;
export const CHANGED = 68;
export const CONTENT = 69;

/** An in-process app without an LwM2M server (provisioning and model routes need none). */
export function inProcessApp(extra: Partial<HttpDeps> = {}) {
  const deps: HttpDeps = {
    metrics: createMetrics(0),
    nowMs: () => 1_700_000_000_000,
    server: null,
    models: coreModels(),
    events: new EventBus(),
    store: new MemoryStore(),
    apiToken: null,
    ...extra,
  };
  const app = createHttpApp(deps);
  const call = async (method: string, path: string, body?: unknown, headers = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" || body instanceof Uint8Array
        ? body as BodyInit
        : JSON.stringify(body);
      if (typeof body !== "string" && !(body instanceof Uint8Array)) {
        (init.headers as Record<string, string>)["content-type"] = "application/json";
      }
    }
    const res = await app.request(path, init);
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : null, headers: res.headers };
  };
  return { app, deps, call };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export const FAST: GatewayOptions = {
  coapParams: { ackTimeoutMs: 300, maxRetransmit: 1 },
  server: { expiryGraceMs: 100, requestTimeoutMs: 3000 },
  firmware: { pollIntervalMs: 100, requestTimeoutMs: 2000, downloadTimeoutMs: 10_000 },
};

export interface LiveGateway {
  gateway: Gateway;
  base: string;
  events: GatewayEvent[];
  logLines: string[];
  devices: ScriptedDevice[];
  http(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<
    // deno-lint-ignore no-explicit-any
    { status: number; json: any; text: string; headers: Headers }
  >;
  /** A scripted device registered as `endpoint` with the given object links. */
  register(endpoint: string, links?: string): Promise<ScriptedDevice>;
  stop(): Promise<void>;
}

/** A gateway on 127.0.0.1 with a memory store; `args` adds CLI flags. */
export async function liveGateway(
  args: string[] = [],
  options: GatewayOptions = FAST,
): Promise<LiveGateway> {
  const parsed = parseConfig(
    [
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
      ...args,
    ],
    {},
  );
  if (parsed.kind !== "config") throw new Error(`bad test config: ${JSON.stringify(parsed)}`);
  const logLines: string[] = [];
  const gateway = await startGateway(
    parsed.config,
    createLogger("debug", (line) => logLines.push(line)),
    options,
  );
  const events: GatewayEvent[] = [];
  const unsubscribe = gateway.events.subscribe((e) => events.push(e));
  const base = `http://127.0.0.1:${gateway.httpPort}`;
  const devices: ScriptedDevice[] = [];
  return {
    gateway,
    base,
    events,
    logLines,
    devices,
    async http(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === "string" || body instanceof Uint8Array
          ? body as BodyInit
          : JSON.stringify(body);
      }
      const res = await fetch(base + path, init);
      const text = await res.text();
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch { /* not JSON */ }
      return { status: res.status, json, text, headers: res.headers };
    },
    async register(endpoint, links = "</1/0>,</3/0>,</3311/0>") {
      const device = await ScriptedDevice.open(gateway.coapPort!);
      devices.push(device);
      const response = await device.request(
        2,
        "/rd",
        [`ep=${endpoint}`, "lt=300", "lwm2m=1.1", "b=U"],
        links,
        [{ number: OPTION.CONTENT_FORMAT, value: encodeUint(40) }],
      );
      if (response.code !== CREATED) throw new Error(`Register of ${endpoint}: ${response.code}`);
      await waitUntil(
        () => gateway.server!.get(endpoint) !== undefined,
        `registration of ${endpoint}`,
      );
      return device;
    },
    async stop() {
      unsubscribe();
      await gateway.stop(); // first: a device may be answering the gateway's last requests
      for (const d of devices) d.close();
    },
  };
}

/** Runs `body` with a live gateway and always stops it. */
export async function withLiveGateway(
  body: (g: LiveGateway) => Promise<void>,
  args: string[] = [],
  options: GatewayOptions = FAST,
): Promise<void> {
  const g = await liveGateway(args, options);
  try {
    await body(g);
  } finally {
    await g.stop();
  }
}
