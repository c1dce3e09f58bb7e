/**
 * The web UI's routes on the gateway's Hono app (DESIGN.md §6 "`/` dashboard, `/inspector`"):
 * `/` the dashboard, `/inspector` the packet inspector, `/ui/*` their ES modules and CSS,
 * `/codec/*` the browser package of the codec (mod.js, inspect.js and the very codec.wasm the
 * gateway loads). Registered outside /api and its token: the pages hold no data; their scripts
 * send the token on each API call. HTML pages carry a Content-Security-Policy that allows only
 * this origin (no CDN can ever load) and WebAssembly compilation.
 */

import type { Context, Hono } from "hono";
import { fileResponse, loadStaticFiles, STATIC_DIR, type StaticFile } from "./static_files.ts";

/** Same-origin only; `wasm-unsafe-eval` lets the codec compile (CSP Level 3). */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Page routes to their file; every other file is reached by its own path. */
const PAGES: Readonly<Record<string, string>> = {
  "/": "/index.html",
  "/index.html": "/index.html",
  "/inspector": "/inspector.html",
  "/inspector.html": "/inspector.html",
};

export interface UiOptions {
  /** Where the files are (tests point it elsewhere); gateway/ui/static/ by default. */
  dir?: URL;
}

/** Adds the UI routes to `app`; the files are read on the first request and kept. */
export function uiRoutes(app: Hono, options: UiOptions = {}): void {
  let files: Promise<Map<string, StaticFile>> | null = null;
  const serve = async (c: Context, path: string) => {
    files ??= loadStaticFiles(options.dir ?? STATIC_DIR).catch((error) => {
      files = null; // try again on the next request
      throw error;
    });
    const file = (await files).get(path);
    if (!file) return c.notFound();
    const extra: Record<string, string> = path.endsWith(".html")
      ? { "content-security-policy": PAGE_CSP, "referrer-policy": "no-referrer" }
      : {};
    return fileResponse(file, c.req.header("if-none-match"), extra);
  };
  for (const [route, file] of Object.entries(PAGES)) app.get(route, (c) => serve(c, file));
  app.get("/ui/*", (c) => serve(c, c.req.path));
  app.get("/codec/*", (c) => serve(c, c.req.path));
}
