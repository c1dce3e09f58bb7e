/**
 * The HTTP bridge (Hono, runtime-agnostic: the shell serves `app.fetch` with Deno.serve):
 * /healthz and /metrics, the web UI (gateway/ui: `/`, `/inspector`, outside the token), bearer
 * auth on /api/*, the route table of every API module, the generated OpenAPI document, and one
 * error handler that renders `{"error":{...}}` bodies.
 */

import { Hono } from "hono";
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from "../metrics.ts";
import type { ApiDeps } from "./api_context.ts";
import { bearerAuth } from "./auth.ts";
import { bootstrapRoutes } from "./bootstrap.ts";
import { clientRoutes } from "./clients.ts";
import { corsMiddleware } from "./cors.ts";
import { docsPage } from "./docs_page.ts";
import type { EventStreams } from "./event_consumer.ts";
import { eventRoutes } from "./events.ts";
import { errorBody, HttpError } from "./errors.ts";
import { firmwareRoutes } from "./firmware.ts";
import { groupRoutes } from "./groups.ts";
import { objectRoutes } from "./objects.ts";
import { mount, openApiDocument, type RouteSpec } from "./routes.ts";
import { securityRoutes } from "./security.ts";
import { fleetServices } from "./services.ts";
import { uiRoutes } from "../ui/mod.ts";

export type HttpDeps = ApiDeps & {
  /** Reports unexpected errors (the response then is a 500 without details). */
  onError?: (error: unknown) => void;
  /** Event stream consumers (closed by the gateway on shutdown); made by eventRoutes if absent. */
  eventStreams?: EventStreams;
  /** `--cors-origin`: allowed origins ("*" for any), or null/absent for no CORS. */
  corsOrigin?: readonly string[] | null;
};

/** Every API module's routes, specific paths first. */
export function apiRoutes(deps: ApiDeps): RouteSpec[] {
  const { security, firmware } = fleetServices(deps);
  return [
    ...clientRoutes(deps),
    ...eventRoutes(deps),
    ...groupRoutes(deps),
    ...securityRoutes(security),
    ...bootstrapRoutes(deps, security),
    ...objectRoutes(deps),
    ...firmwareRoutes(deps, firmware),
  ];
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
  if (deps.corsOrigin) app.use("/api/*", corsMiddleware(deps.corsOrigin));
  app.get("/api/docs", (c) => c.html(docsPage())); // static page, before auth: it holds no data
  uiRoutes(app); // dashboard (/), /inspector, /ui/*, /codec/*: outside /api, the pages hold no data
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
