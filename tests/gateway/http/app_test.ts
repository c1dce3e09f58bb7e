/** Tests of the HTTP app gateway/http/app.ts through Hono's in-memory `app.request`. */

import assert from "node:assert/strict";
import { createHttpApp } from "../../../gateway/http/app.ts";
import { createMetrics } from "../../../gateway/metrics.ts";

Deno.test("GET /healthz answers {status: ok}", async () => {
  const app = createHttpApp({ metrics: createMetrics(0), nowMs: () => 0 });
  const res = await app.request("/healthz");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  assert.deepEqual(await res.json(), { status: "ok" });
});

Deno.test("GET /metrics serves Prometheus text with uptime and datagram counter", async () => {
  const metrics = createMetrics(1_000);
  metrics.coapDatagramsReceived = 7;
  const app = createHttpApp({ metrics, nowMs: () => 3_500 });
  const res = await app.request("/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /^lwm2m_process_uptime_seconds 2\.5$/m);
  assert.match(text, /^# TYPE lwm2m_coap_datagrams_received_total counter$/m);
  assert.match(text, /^lwm2m_coap_datagrams_received_total 7$/m);
});

Deno.test("an unknown route answers 404 with the error body shape", async () => {
  const app = createHttpApp({ metrics: createMetrics(0), nowMs: () => 0 });
  const res = await app.request("/nope");
  assert.equal(res.status, 404);
  const body = await res.json();
  assert.equal(body.error.code, "not_found");
});
