/**
 * The event streams of gateway/http/events.ts in-process through Hono's `app.request()`
 * (DESIGN.md §6 "Events"): SSE framing, the Registration JSON in events, `?endpoint=&type=`
 * filters, the bounded buffer with its `dropped` event and metrics, keep-alive comments, cleanup
 * on disconnect and on shutdown, auth on the stream, and the OpenAPI entries.
 */

import assert from "node:assert/strict";
import { createHttpApp, type HttpDeps } from "../../../gateway/http/app.ts";
import { type EventStreamOptions, EventStreams } from "../../../gateway/http/event_consumer.ts";
import type { Registration } from "../../../gateway/lwm2m/registration.ts";
import { createMetrics, renderMetrics } from "../../../gateway/metrics.ts";
import { EventBus } from "../../../gateway/server/events.ts";
import { MemoryStore } from "../../../gateway/store/memory.ts";
import { coreModels } from "../../../objects/mod.ts";
import { SseReader } from "../../support/sse_reader.ts";

const T0 = Date.UTC(2030, 0, 1);

function setup(options: EventStreamOptions = {}, apiToken: string | null = null) {
  const base = {
    server: null,
    models: coreModels(),
    events: new EventBus(() => T0),
    store: new MemoryStore(),
    metrics: createMetrics(T0),
    nowMs: () => T0,
    apiToken,
  };
  const eventStreams = new EventStreams(base, options);
  const deps: HttpDeps = { ...base, eventStreams };
  return { ...base, eventStreams, app: createHttpApp(deps) };
}

async function open(app: ReturnType<typeof setup>["app"], url = "/api/events", init?: RequestInit) {
  const res = await app.request(url, init);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const reader = new SseReader(res.body!);
  const first = await reader.nextBlock();
  assert.equal(first?.retry, "2000");
  assert.deepEqual(first?.comments, ["connected"]);
  return reader;
}

function registration(endpoint: string): Registration {
  return {
    endpoint,
    registrationId: "r1",
    lwm2mVersion: "1.1",
    lifetimeSec: 300,
    binding: "U",
    queueMode: false,
    address: "127.0.0.1:5000",
    secure: false,
    rootPath: "/",
    objectLinks: [{ path: "/3/0", attributes: {} }],
    supportedFormats: [110, 11542],
    additionalAttributes: {},
    registeredAtMs: T0,
    updatedAtMs: T0,
    lastSeenAtMs: T0,
  } as unknown as Registration;
}

Deno.test("GET /api/events streams SSE frames event/id/data with the Registration JSON", async () => {
  const t = setup();
  const sse = await open(t.app);
  t.events.emit("registered", "lamp-1", { registration: registration("lamp-1"), replaced: false });
  t.events.emit("notification", "lamp-1", { observationId: "o1", values: { "/3/0/9": 85 } });
  const block = await sse.nextBlock();
  assert.equal(block?.event, "registered");
  assert.equal(block?.id, "1");
  const data = JSON.parse(block!.data!);
  assert.equal(data.type, "registered");
  assert.equal(data.endpoint, "lamp-1");
  assert.equal(data.time, "2030-01-01T00:00:00.000Z");
  assert.equal(data.seq, 1);
  assert.equal(data.registration.lifetime, 300);
  assert.equal(data.registration.lifetimeSec, undefined);
  assert.equal(data.registration.registeredAt, "2030-01-01T00:00:00.000Z");
  assert.equal(data.registration.expiresAt, "2030-01-01T00:05:00.000Z");
  const n = await sse.nextEvent();
  assert.deepEqual(n, {
    type: "notification",
    id: "2",
    data: {
      type: "notification",
      endpoint: "lamp-1",
      time: "2030-01-01T00:00:00.000Z",
      seq: 2,
      observationId: "o1",
      values: { "/3/0/9": 85 },
    },
  });
  await sse.close();
});

Deno.test("requestCompleted events carry the result as JSON (values by path)", async () => {
  const t = setup();
  const sse = await open(t.app, "/api/events?type=requestCompleted");
  t.events.emit("requestCompleted", "q", {
    requestId: "r7",
    state: "done",
    result: { kind: "content", format: 0, values: new Map([["/3/0/9", 77]]) },
  });
  const e = await sse.nextEvent();
  assert.deepEqual(e.data.result, { kind: "content", format: 0, values: { "/3/0/9": 77 } });
  assert.equal(e.data.requestId, "r7");
  await sse.close();
});

Deno.test("?endpoint= and ?type= filter the stream (comma lists)", async () => {
  const t = setup();
  const sse = await open(t.app, "/api/events?endpoint=a,b&type=notification,send");
  t.events.emit("notification", "c", { values: {} });
  t.events.emit("registered", "a", { registration: registration("a") });
  t.events.emit("notification", "a", { values: { "/3/0/9": 1 } });
  t.events.emit("awake", "b");
  t.events.emit("send", "b", { values: { "/3/0/9": 2 } });
  t.events.emit("notification", "z", { values: {} });
  t.events.emit("notification", "b", { values: { "/3/0/9": 3 }, last: true });
  const seen = await sse.until("notification", 5000);
  const rest = [seen.at(-1)!];
  while (!rest.at(-1)!.data.last) rest.push(await sse.nextEvent());
  const all = [...seen.slice(0, -1), ...rest];
  assert.deepEqual(all.map((e) => [e.type, e.data.endpoint]), [
    ["notification", "a"],
    ["send", "b"],
    ["notification", "b"],
  ]);
  await sse.close();
});

Deno.test("an unknown ?type= is a 400 naming the known types", async () => {
  const t = setup();
  const res = await t.app.request("/api/events?type=notification,bogus");
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.error.code, "bad_request");
  assert.match(body.error.message, /bogus.*registered/);
});

Deno.test("a consumer that does not read loses its oldest events and then gets `dropped`", async () => {
  const t = setup({ bufferEvents: 5 });
  const sse = await open(t.app);
  for (let i = 1; i <= 20; i++) t.events.emit("notification", "e", { values: { "/3/0/9": i } });
  assert.equal(t.metrics.eventsDropped, 15);
  const dropped = await sse.nextEvent();
  assert.equal(dropped.type, "dropped");
  assert.equal(dropped.id, "15");
  assert.deepEqual(
    { ...dropped.data, time: undefined },
    {
      type: "dropped",
      endpoint: "",
      time: undefined,
      seq: 15,
      count: 15,
      firstSeq: 1,
      lastSeq: 15,
    },
  );
  const kept = [];
  for (let i = 0; i < 5; i++) kept.push(await sse.nextEvent());
  assert.deepEqual(
    kept.map((e) => e.data.values),
    [16, 17, 18, 19, 20].map((v) => ({ "/3/0/9": v })),
  );
  t.events.emit("notification", "e", { values: { "/3/0/9": 21 } });
  assert.equal((await sse.nextEvent()).type, "notification"); // reported once
  assert.match(renderMetrics(t.metrics, T0), /^lwm2m_events_dropped_total 15$/m);
  await sse.close();
});

Deno.test("a stalled consumer never blocks emit: 100,000 events stay within the 10,000 buffer", async () => {
  const t = setup();
  const sse = await open(t.app);
  const started = performance.now();
  for (let i = 0; i < 100_000; i++) t.events.emit("notification", "e", { values: { "/3/0/9": i } });
  const ms = performance.now() - started;
  assert.equal(t.metrics.eventsDropped, 90_000);
  assert.ok(ms < 10_000, `emitting took ${ms} ms`);
  const first = await sse.nextEvent();
  assert.equal(first.data.count, 90_000);
  await sse.close();
});

Deno.test("consumers are counted, and removed from the bus when they disconnect", async () => {
  const t = setup();
  const a = await open(t.app);
  const b = await open(t.app, "/api/events?type=send");
  assert.equal(t.metrics.eventConsumers, 2);
  assert.match(renderMetrics(t.metrics, T0), /^lwm2m_event_consumers 2$/m);
  await a.close();
  assert.equal(t.metrics.eventConsumers, 1);
  await b.close();
  assert.equal(t.metrics.eventConsumers, 0);
  assert.equal(t.eventStreams.size, 0);
  t.events.emit("send", "e", { values: {} }); // no listener left to push to
  assert.equal(t.metrics.eventsDropped, 0);
});

Deno.test("an idle SSE stream gets keep-alive comments", async () => {
  const t = setup({ keepAliveMs: 20 });
  const sse = await open(t.app);
  const block = await sse.nextBlock(2000);
  assert.deepEqual(block?.comments, ["keep-alive"]);
  await sse.close();
});

Deno.test("EventStreams.close ends every open stream (gateway shutdown)", async () => {
  const t = setup();
  const sse = await open(t.app);
  t.events.emit("awake", "e");
  t.eventStreams.close();
  assert.equal(t.metrics.eventConsumers, 0);
  assert.equal(await sse.nextBlock(2000), null);
});

Deno.test("with a token, /api/events needs it in the header or as ?access_token=", async () => {
  const t = setup({}, "s3cret");
  const denied = await t.app.request("/api/events");
  assert.equal(denied.status, 401);
  assert.equal((await denied.json()).error.code, "unauthorized");
  assert.equal((await t.app.request("/api/events?access_token=nope")).status, 401);
  const viaQuery = await open(t.app, "/api/events?access_token=s3cret");
  await viaQuery.close();
  const viaHeader = await open(t.app, "/api/events", {
    headers: { authorization: "Bearer s3cret" },
  });
  await viaHeader.close();
  // ?access_token= is accepted only on the stream routes.
  assert.equal((await t.app.request("/api/openapi.json?access_token=s3cret")).status, 401);
});

Deno.test("GET /api/ws without an Upgrade header answers 426", async () => {
  const t = setup();
  const res = await t.app.request("/api/ws");
  assert.equal(res.status, 426);
  assert.match((await res.json()).error.message, /WebSocket/);
});

Deno.test("the OpenAPI document lists /api/events and /api/ws with their filters", async () => {
  const t = setup();
  const doc = await (await t.app.request("/api/openapi.json")).json();
  for (const path of ["/api/events", "/api/ws"]) {
    const op = doc.paths[path].get;
    assert.deepEqual(op.tags, ["events"]);
    assert.deepEqual(
      op.parameters.map((p: { name: string }) => p.name).sort(),
      ["access_token", "endpoint", "type"],
    );
  }
  assert.ok(doc.paths["/api/events"].get.responses["200"].content["text/event-stream"]);
});
