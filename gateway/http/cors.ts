/**
 * CORS for /api/* (Fetch standard §3.2, via hono/cors), configured by `--cors-origin`
 * (LWM2M_CORS_ORIGIN): `*` or a list of origins; off by default. Preflights are answered before
 * the bearer-token check (browsers send them without credentials). /api/ws is skipped: WebSocket
 * handshakes are not subject to CORS, and its 101 response must pass through untouched.
 */

import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/** How long browsers may cache a preflight answer (seconds). */
const PREFLIGHT_MAX_AGE_SEC = 600;

export function corsMiddleware(origins: readonly string[]): MiddlewareHandler {
  const handler = cors({
    origin: origins.includes("*") ? "*" : [...origins],
    allowMethods: ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "Accept", "Last-Event-ID"],
    maxAge: PREFLIGHT_MAX_AGE_SEC,
  });
  return (c, next) => c.req.path === "/api/ws" ? next() : handler(c, next);
}
