/** Tests of the HTTP app gateway/http/app.ts through Hono's in-memory `app.request`. */

import assert from "node:assert/strict";
import { createHttpApp, type HttpDeps } from "../../../gateway/http/app.ts";
import { createMetrics, type GatewayMetrics } from "../../../gateway/metrics.ts";
import { coreModels } from "../../../objects/mod.ts";
import { EventBus } from "../../../gateway/server/events.ts";
import { MemoryStore } from "../../../gateway/store/memory.ts";

/** An app without an LwM2M server (only the operational routes matter here). */
function deps(metrics: GatewayMetrics, nowMs: () => number): HttpDeps {
  return {
    metrics,
    nowMs,
    server: null,
    models: coreModels(),
    events: new EventBus(),
    store: new MemoryStore(),
    apiToken: null,
  };
}

Deno.test("GET /healthz answers {status: ok}", async () => {
  const app = createHttpApp(deps(createMetrics(0), () => 0));
  const res = await app.request("/healthz");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  assert.deepEqual(await res.json(), { status: "ok" });
});

Deno.test("GET /metrics serves Prometheus text with uptime and datagram counter", async () => {
  const metrics = createMetrics(1_000);
  metrics.coapDatagramsReceived = 7;
  const app = createHttpApp(deps(metrics, () => 3_500));
  const res = await app.request("/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /^lwm2m_process_uptime_seconds 2\.5$/m);
  assert.match(text, /^# TYPE lwm2m_coap_datagrams_received_total counter$/m);
  assert.match(text, /^lwm2m_coap_datagrams_received_total 7$/m);
});

Deno.test("an unknown route answers 404 with the error body shape", async () => {
  const app = createHttpApp(deps(createMetrics(0), () => 0));
  const res = await app.request("/nope");
  assert.equal(res.status, 404);
  const body = await res.json();
  assert.equal(body.error.code, "not_found");
});
