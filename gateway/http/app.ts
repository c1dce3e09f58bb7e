/**
 * The HTTP bridge (Hono, runtime-agnostic: the shell serves `app.fetch` with Deno.serve):
 * /healthz and /metrics, bearer auth on /api/*, the route table of every API module, the
 * generated OpenAPI document, and one error handler that renders `{"error":{...}}` bodies.
 */

import { Hono } from "hono";
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from "../metrics.ts";
import type { ApiDeps } from "./api_context.ts";
import { bearerAuth } from "./auth.ts";
import { clientRoutes } from "./clients.ts";
import { errorBody, HttpError } from "./errors.ts";
import { mount, openApiDocument, type RouteSpec } from "./routes.ts";

export type HttpDeps = ApiDeps & {
  /** Reports unexpected errors (the response then is a 500 without details). */
  onError?: (error: unknown) => void;
};

/** Every API module's routes, specific paths first. */
export function apiRoutes(deps: ApiDeps): RouteSpec[] {
  return [...clientRoutes(deps)];
}

export function createHttpApp(deps: HttpDeps): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    if (error instanceof HttpError) return c.json(errorBody(error), error.status as 400);
    deps.onError?.(error);
    return c.json({ error: { code: "internal_error", message: "internal error" } }, 500);
  });
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/metrics", (c) =>
    c.body(renderMetrics(deps.metrics, deps.nowMs()), 200, {
      "content-type": PROMETHEUS_CONTENT_TYPE,
    }));
  app.use("/api/*", bearerAuth(deps.apiToken));
  const routes = apiRoutes(deps);
  mount(app, routes);
  const document = openApiDocument(routes, { title: "LwM2M edge gateway API", version: "1" });
  app.get("/api/openapi.json", (c) => c.json(document));
  app.notFound((c) =>
    c.json(
      { error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } },
      404,
    )
  );
  return app;
}
