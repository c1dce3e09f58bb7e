/**
 * The HTTP side of the gateway (Hono): for this milestone only the operational routes
 * `GET /healthz` and `GET /metrics` of DESIGN.md §6. Runtime-agnostic: the shell hands in the
 * metrics and the clock and serves `app.fetch` with Deno.serve.
 */

import { Hono } from "hono";
import { type GatewayMetrics, PROMETHEUS_CONTENT_TYPE, renderMetrics } from "../metrics.ts";

export interface HttpDeps {
  metrics: GatewayMetrics;
  nowMs: () => number;
}

export function createHttpApp(deps: HttpDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/metrics", (c) =>
    c.body(renderMetrics(deps.metrics, deps.nowMs()), 200, {
      "content-type": PROMETHEUS_CONTENT_TYPE,
    }));
  app.notFound((c) =>
    c.json(
      { error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } },
      404,
    )
  );
  return app;
}
