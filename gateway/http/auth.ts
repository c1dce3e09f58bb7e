/**
 * Bearer-token auth for /api/* (DESIGN.md §6): `Authorization: Bearer TOKEN`, and on the event
 * streams (/api/events, /api/ws), where browsers cannot set headers, `?access_token=TOKEN`.
 * Tokens are compared in constant time and never logged.
 */

import type { MiddlewareHandler } from "hono";
import { HttpError } from "./errors.ts";

const te = new TextEncoder();

function sameToken(given: string, expected: string): boolean {
  const a = te.encode(given);
  const b = te.encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i];
  return diff === 0;
}

const STREAM_PATHS = new Set(["/api/events", "/api/ws"]);

export function bearerAuth(token: string | null): MiddlewareHandler {
  return async (c, next) => {
    if (token === null) return await next();
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header);
    let given = m?.[1];
    if (given === undefined && STREAM_PATHS.has(c.req.path)) given = c.req.query("access_token");
    if (given === undefined || !sameToken(given, token)) {
      throw new HttpError(
        401,
        "unauthorized",
        "a valid bearer token is required (Authorization: Bearer ...)",
      );
    }
    return await next();
  };
}
