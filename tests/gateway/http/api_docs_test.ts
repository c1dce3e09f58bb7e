/**
 * docs/api.md documents every route of the generated OpenAPI document (issue 6: "document
 * everything in docs/api.md and OpenAPI"): each method + path appears on one line of the guide.
 */

import assert from "node:assert/strict";
import { createHttpApp } from "../../../gateway/http/app.ts";
import { createMetrics } from "../../../gateway/metrics.ts";
import { EventBus } from "../../../gateway/server/events.ts";
import { MemoryStore } from "../../../gateway/store/memory.ts";
import { coreModels } from "../../../objects/mod.ts";

Deno.test("docs/api.md names every method and path of /api/openapi.json", async () => {
  const app = createHttpApp({
    server: null,
    models: coreModels(),
    events: new EventBus(),
    store: new MemoryStore(),
    metrics: createMetrics(0),
    nowMs: () => 0,
    apiToken: null,
  });
  const doc = await (await app.request("/api/openapi.json")).json();
  const lines = (await Deno.readTextFile(new URL("../../../docs/api.md", import.meta.url)))
    .split("\n");
  const missing: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths as Record<string, object>)) {
    const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pathRe = new RegExp(`${escaped}(?=[\`?\\s])`);
    for (const method of Object.keys(methods)) {
      const m = method.toUpperCase();
      if (!lines.some((l) => pathRe.test(l) && new RegExp(`\\b${m}\\b`).test(l))) {
        missing.push(`${m} ${path}`);
      }
    }
  }
  assert.deepEqual(missing, [], `undocumented in docs/api.md:\n${missing.join("\n")}`);
});
