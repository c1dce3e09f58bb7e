/**
 * The event streams end to end over real loopback sockets (issue 6 "Events"): an in-process
 * gateway (startGateway), a scripted device (tests/support/scripted_device.ts) sending raw CoAP,
 * and HTTP clients only: an SSE client (fetch + stream reader) and a WebSocket client receive
 * `registered`, then after POST /api/clients/{ep}/3/0/9/observe a `notification` with the decoded
 * values; auth on (401 without the token, header, ?access_token=) and off; shutdown ends streams.
 */

import assert from "node:assert/strict";
import { OPTION } from "../../../codec-wasm/coap_registry.ts";
import type { CoapMessage } from "../../../codec-wasm/types.ts";
import { decodeUint, encodeUint } from "../../../codec-wasm/values.ts";
import { parseConfig } from "../../../gateway/config.ts";
import { type Gateway, startGateway } from "../../../gateway/gateway.ts";
import { createLogger } from "../../../gateway/log.ts";
import { ScriptedDevice } from "../../support/scripted_device.ts";
import { SseReader } from "../../support/sse_reader.ts";

const COAP_201_CREATED = 65;
const COAP_205_CONTENT = 69;
const CONTENT_FORMAT_TEXT = 0;
const te = new TextEncoder();

async function startTestGateway(extra: string[] = []): Promise<Gateway> {
  const parsed = parseConfig(
    ["--coap-port", "0", "--coaps-port", "off", "--http-port", "0", "--store", "memory", ...extra],
    {},
  );
  if (parsed.kind !== "config") throw new Error(`bad test config: ${JSON.stringify(parsed)}`);
  return await startGateway({ ...parsed.config, host: "127.0.0.1" }, createLogger("error"), {
    coapParams: { ackTimeoutMs: 200, maxRetransmit: 1 },
    server: { requestTimeoutMs: 2000 },
  });
}

const observeOf = (m: CoapMessage) => {
  const o = m.options.find((x) => x.number === OPTION.OBSERVE);
  return o === undefined ? undefined : decodeUint(o.value);
};

/** A device that answers GET Observe=0 on /3/0/9 with battery level 87 (text/plain). */
async function device(gw: Gateway): Promise<ScriptedDevice> {
  const d = await ScriptedDevice.open(gw.coapPort!);
  d.handler = (req) => ({
    code: COAP_205_CONTENT,
    options: [
      ...(observeOf(req) === 0 ? [{ number: OPTION.OBSERVE, value: encodeUint(0) }] : []),
      { number: OPTION.CONTENT_FORMAT, value: encodeUint(CONTENT_FORMAT_TEXT) },
    ],
    payload: te.encode("87"),
  });
  return d;
}

async function register(d: ScriptedDevice, endpoint: string): Promise<void> {
  const res = await d.register([`ep=${endpoint}`, "lt=300", "lwm2m=1.1", "b=U"], "</1/0>,</3/0>");
  assert.equal(res.code, COAP_201_CREATED);
}

/** NON 2.05 notification on the token of the device's first observe request (RFC 7641 §4.2). */
function notify(d: ScriptedDevice, seq: number, payload: string): void {
  const observe = d.requests.find((r) => observeOf(r) === 0)!;
  d.sendRaw({
    type: 1,
    code: COAP_205_CONTENT,
    messageId: 0x6000 + seq,
    token: observe.token,
    options: [
      { number: OPTION.OBSERVE, value: encodeUint(seq) },
      { number: OPTION.CONTENT_FORMAT, value: encodeUint(CONTENT_FORMAT_TEXT) },
    ],
    payload: te.encode(payload),
  });
}

/** Waits (bounded) until the gateway has no event consumer left. */
async function consumersDrop(gw: Gateway): Promise<void> {
  const deadline = Date.now() + 2000;
  while (gw.metrics.eventConsumers !== 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(gw.metrics.eventConsumers, 0, "the consumer is removed when the client leaves");
}

async function observe(gw: Gateway, endpoint: string, headers: HeadersInit = {}) {
  const res = await fetch(
    `http://127.0.0.1:${gw.httpPort}/api/clients/${endpoint}/3/0/9/observe?format=text`,
    { method: "POST", headers },
  );
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.deepEqual(body.values, { "/3/0/9": 87 });
  return body.observationId as string;
}

async function sse(gw: Gateway, query: string, headers: HeadersInit = {}): Promise<SseReader> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/events${query}`, { headers });
  assert.equal(res.status, 200);
  const reader = new SseReader(res.body!);
  assert.deepEqual((await reader.nextBlock())?.comments, ["connected"]);
  return reader;
}

/** A WebSocket client collecting parsed messages, with a bounded wait for the next one. */
async function ws(gw: Gateway, query: string) {
  const socket = new WebSocket(`ws://127.0.0.1:${gw.httpPort}/api/ws${query}`);
  const messages: Record<string, unknown>[] = [];
  socket.onmessage = (e) => messages.push(JSON.parse(e.data));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("WebSocket did not open")), 5000);
    socket.onopen = () => (clearTimeout(timer), resolve());
    socket.onerror = () => (clearTimeout(timer), reject(new Error("WebSocket failed")));
  });
  const next = async (type: string, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = messages.findIndex((m) => m.type === type);
      if (i >= 0) return messages.splice(0, i + 1).at(-1)!;
      if (Date.now() > deadline) throw new Error(`no ${type} message over the WebSocket`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const close = () =>
    new Promise<void>((resolve) => {
      if (socket.readyState === WebSocket.CLOSED) return resolve();
      const timer = setTimeout(resolve, 2000);
      socket.onclose = () => (clearTimeout(timer), resolve());
      socket.close();
    });
  return { socket, messages, next, close };
}

Deno.test("SSE over a real socket: registered, then a notification with decoded values", async () => {
  const gw = await startTestGateway();
  const d = await device(gw);
  try {
    const stream = await sse(gw, "?endpoint=sse-1&type=registered,notification");
    await register(d, "sse-1");
    const reg = await stream.nextEvent();
    assert.equal(reg.type, "registered");
    assert.equal(reg.data.endpoint, "sse-1");
    const registration = reg.data.registration as Record<string, unknown>;
    assert.equal(registration.lifetime, 300);
    assert.equal(registration.address, d.address);

    const observationId = await observe(gw, "sse-1");
    notify(d, 1, "85");
    notify(d, 2, "84");
    const n1 = await stream.nextEvent();
    const n2 = await stream.nextEvent();
    assert.deepEqual([n1.type, n2.type], ["notification", "notification"]);
    assert.deepEqual(n1.data.values, { "/3/0/9": 85 });
    assert.deepEqual(n2.data.values, { "/3/0/9": 84 });
    assert.equal(n1.data.observationId, observationId);
    assert.ok(Number(n2.id) > Number(n1.id));
    assert.equal(gw.metrics.eventConsumers, 1);
    await stream.close();
    await consumersDrop(gw);
  } finally {
    d.close();
    await gw.stop();
  }
});

Deno.test("WebSocket over a real socket: the same JSON events, one per message", async () => {
  const gw = await startTestGateway();
  const d = await device(gw);
  try {
    const client = await ws(gw, "?endpoint=ws-1");
    await register(d, "ws-1");
    const reg = await client.next("registered");
    assert.equal(reg.endpoint, "ws-1");
    assert.equal(typeof reg.seq, "number");
    const observationId = await observe(gw, "ws-1");
    notify(d, 1, "42");
    const n = await client.next("notification");
    assert.deepEqual(n.values, { "/3/0/9": 42 });
    assert.equal(n.observationId, observationId);
    assert.equal(gw.metrics.eventConsumers, 1);
    await client.close();
    await consumersDrop(gw);
  } finally {
    d.close();
    await gw.stop();
  }
});

Deno.test("auth on: 401 without the token; header or ?access_token= on the streams", async () => {
  const gw = await startTestGateway(["--api-token", "t0k3n"]);
  const base = `http://127.0.0.1:${gw.httpPort}`;
  const d = await device(gw);
  try {
    const denied = await fetch(`${base}/api/events`);
    assert.equal(denied.status, 401);
    assert.equal((await denied.json()).error.code, "unauthorized");
    const deniedList = await fetch(`${base}/api/clients`);
    assert.equal(deniedList.status, 401);
    await deniedList.body?.cancel();
    assert.equal((await fetch(`${base}/healthz`)).status, 200);

    const viaQuery = await sse(gw, "?access_token=t0k3n&endpoint=auth-1");
    const viaHeader = await sse(gw, "?endpoint=auth-1", { authorization: "Bearer t0k3n" });
    const client = await ws(gw, "?access_token=t0k3n&endpoint=auth-1");
    await register(d, "auth-1");
    assert.equal((await viaQuery.nextEvent()).type, "registered");
    assert.equal((await viaHeader.nextEvent()).type, "registered");
    assert.equal((await client.next("registered")).endpoint, "auth-1");
    const list = await fetch(`${base}/api/clients`, { headers: { authorization: "Bearer t0k3n" } });
    assert.equal(list.status, 200);
    assert.equal((await list.json()).clients[0].endpoint, "auth-1");
    await Promise.all([viaQuery.close(), viaHeader.close(), client.close()]);

    await assert.rejects(ws(gw, "?access_token=wrong"), /WebSocket failed/);
  } finally {
    d.close();
    await gw.stop();
  }
});

Deno.test("auth off: the API and the streams need no token", async () => {
  const gw = await startTestGateway();
  try {
    const stream = await sse(gw, "");
    const client = await ws(gw, "");
    const list = await fetch(`http://127.0.0.1:${gw.httpPort}/api/clients`);
    assert.equal(list.status, 200);
    await list.body?.cancel();
    await Promise.all([stream.close(), client.close()]);
  } finally {
    await gw.stop();
  }
});

Deno.test("stopping the gateway ends open event streams promptly", async () => {
  const gw = await startTestGateway();
  const stream = await sse(gw, "");
  const client = await ws(gw, "");
  const closed = new Promise<number>((resolve) => client.socket.onclose = (e) => resolve(e.code));
  const started = Date.now();
  await gw.stop();
  assert.ok(Date.now() - started < 3000, `stop took ${Date.now() - started} ms`);
  assert.equal(await stream.nextBlock(2000), null);
  assert.equal(await closed, 1001);
});
