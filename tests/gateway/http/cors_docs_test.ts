/**
 * CORS on /api/* (`--cors-origin`, gateway/http/cors.ts) and the readable API page
 * `GET /api/docs` (gateway/http/docs_page.ts), in-process through `app.request()`.
 */

import assert from "node:assert/strict";
import { createHttpApp } from "../../../gateway/http/app.ts";
import { createMetrics } from "../../../gateway/metrics.ts";
import { EventBus } from "../../../gateway/server/events.ts";
import { MemoryStore } from "../../../gateway/store/memory.ts";
import { coreModels } from "../../../objects/mod.ts";

function app(corsOrigin: string[] | null, apiToken: string | null = null) {
  return createHttpApp({
    server: null,
    models: coreModels(),
    events: new EventBus(),
    store: new MemoryStore(),
    metrics: createMetrics(0),
    nowMs: () => 0,
    apiToken,
    corsOrigin,
  });
}

const ORIGIN = "https://app.example";

Deno.test("without --cors-origin no CORS headers are sent", async () => {
  const res = await app(null).request("/api/openapi.json", { headers: { origin: ORIGIN } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("access-control-allow-origin"), null);
});

Deno.test("a listed origin gets CORS headers; a preflight passes before the token check", async () => {
  const a = app([ORIGIN, "http://localhost:5173"], "s3cret");
  const preflight = await a.request("/api/clients", {
    method: "OPTIONS",
    headers: {
      origin: ORIGIN,
      "access-control-request-method": "PUT",
      "access-control-request-headers": "authorization,content-type",
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), ORIGIN);
  assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /PUT/);
  assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /Authorization/);
  assert.equal(preflight.headers.get("access-control-max-age"), "600");

  const ok = await a.request("/api/openapi.json", {
    headers: { origin: ORIGIN, authorization: "Bearer s3cret" },
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("access-control-allow-origin"), ORIGIN);
  assert.match(ok.headers.get("vary") ?? "", /Origin/);

  // A 401 is readable by the page too (it carries the CORS header).
  const denied = await a.request("/api/openapi.json", { headers: { origin: ORIGIN } });
  assert.equal(denied.status, 401);
  assert.equal(denied.headers.get("access-control-allow-origin"), ORIGIN);

  const other = await a.request("/api/openapi.json", {
    headers: { origin: "https://evil.example", authorization: "Bearer s3cret" },
  });
  assert.equal(other.headers.get("access-control-allow-origin"), null);
});

Deno.test("--cors-origin * allows any origin; /healthz stays outside /api", async () => {
  const a = app(["*"]);
  const res = await a.request("/api/openapi.json", { headers: { origin: "https://x.example" } });
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  const health = await a.request("/healthz", { headers: { origin: "https://x.example" } });
  assert.equal(health.headers.get("access-control-allow-origin"), null);
});

Deno.test("GET /api/docs is a self-contained page that renders /api/openapi.json", async () => {
  const res = await app(null, "s3cret").request("/api/docs"); // no token needed: static page
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
  const html = await res.text();
  assert.match(html, /<title>LwM2M gateway API<\/title>/);
  assert.match(html, /openapi\.json/);
  assert.match(html, /Authorization|authorization/);
  // Offline: no external script, stylesheet, font or image.
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=["']?(https?:)?\/\//i);
  assert.doesNotMatch(html, /@import|url\(/);
});
