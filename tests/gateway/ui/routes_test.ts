/**
 * The UI routes of the HTTP app (gateway/ui/mod.ts): the dashboard at `/` and the inspector at
 * `/inspector` are served without the API token (the pages hold no data) with a same-origin CSP,
 * their modules and the codec package under /ui/ and /codec/ with the right media types and
 * ETags, codec.wasm byte for byte the gateway's own, and nothing outside the static directory.
 */

import assert from "node:assert/strict";
import { createHttpApp } from "../../../gateway/http/app.ts";
import { createMetrics } from "../../../gateway/metrics.ts";
import { EventBus } from "../../../gateway/server/events.ts";
import { MemoryStore } from "../../../gateway/store/memory.ts";
import { PAGE_CSP } from "../../../gateway/ui/mod.ts";
import { coreModels } from "../../../objects/mod.ts";

function app() {
  return createHttpApp({
    server: null,
    models: coreModels(),
    events: new EventBus(),
    store: new MemoryStore(),
    metrics: createMetrics(0),
    nowMs: () => 0,
    apiToken: "s3cret",
  });
}

Deno.test("GET / and /inspector answer the pages without a token, with a same-origin CSP", async () => {
  const a = app();
  for (const [path, marker] of [["/", "ui/app.js"], ["/inspector", "ui/inspector.js"]]) {
    const res = await a.request(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(res.headers.get("content-security-policy"), PAGE_CSP);
    assert.match(PAGE_CSP, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.ok((await res.text()).includes(marker), `${path} loads ${marker}`);
  }
  assert.equal((await a.request("/api/clients")).status, 401, "the API still needs the token");
});

Deno.test("modules, CSS and the codec package have their media types", async () => {
  const a = app();
  const types: Record<string, string> = {
    "/ui/app.js": "text/javascript; charset=utf-8",
    "/ui/style.css": "text/css; charset=utf-8",
    "/codec/mod.js": "text/javascript; charset=utf-8",
    "/codec/inspect.js": "text/javascript; charset=utf-8",
    "/codec/codec.wasm": "application/wasm",
  };
  for (const [path, type] of Object.entries(types)) {
    const res = await a.request(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("content-type"), type, path);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("content-security-policy"), null, "only pages carry the CSP");
    await res.body?.cancel();
  }
});

Deno.test("/codec/codec.wasm is the very file the gateway loads", async () => {
  const served = new Uint8Array(await (await app().request("/codec/codec.wasm")).arrayBuffer());
  const own = await Deno.readFile(new URL("../../../codec-wasm/build/codec.wasm", import.meta.url));
  assert.deepEqual(served, own);
  const link = await Deno.lstat(
    new URL("../../../gateway/ui/static/codec/codec.wasm", import.meta.url),
  );
  assert.ok(link.isSymlink, "a symbolic link, not a copy that could drift");
});

Deno.test("an ETag answers 304 when the browser's copy is current", async () => {
  const a = app();
  const first = await a.request("/ui/app.js");
  const etag = first.headers.get("etag");
  await first.body?.cancel();
  assert.match(etag ?? "", /^"[0-9a-z]+-[0-9a-z]+"$/);
  assert.equal(first.headers.get("cache-control"), "no-cache");
  const again = await a.request("/ui/app.js", { headers: { "if-none-match": etag! } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), "");
});

Deno.test("paths outside the static files are 404 JSON errors", async () => {
  const a = app();
  for (
    const path of ["/ui/nope.js", "/ui/../mod.ts", "/ui/%2e%2e/mod.ts", "/codec/../../deno.json"]
  ) {
    const res = await a.request(path);
    assert.equal(res.status, 404, path);
    assert.equal((await res.json()).error.code, "not_found");
  }
});
