/**
 * The dashboard's HTTP client of the gateway API (docs/api.md): every call carries
 * `Authorization: Bearer TOKEN` when a token is known; the first 401 asks for the token once (one
 * dialog however many calls failed), keeps it in sessionStorage (the key /api/docs uses too) and
 * retries. URLs are relative to the page, so the dashboard also works behind a path prefix.
 * Answers are values ({status, ok, body}), not exceptions: pages show API errors as they are.
 */

import { h } from "./dom.js";

const TOKEN_KEY = "lwm2m-token";

/** @typedef {{ status: number, ok: boolean, body: any, headers: Headers, ms: number }} ApiAnswer */

/** The stored token, or null. */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** An absolute URL for an API path such as "api/clients" (relative to the page). @param {string} path */
export function apiUrl(path) {
  return new URL(path.replace(/^\//, ""), document.baseURI).href;
}

/** @type {Promise<void>|null} */
let asking = null;

/** Shows the token dialog (once for concurrent callers); resolves when a token was entered. */
export function askToken(message = "This gateway needs an API token.") {
  asking ??= new Promise((resolve) => {
    const input = h("input", {
      id: "token-input",
      type: "password",
      autocomplete: "off",
      placeholder: "API token",
      required: true,
    });
    const dialog = h(
      "dialog",
      { id: "token-dialog", class: "dialog" },
      h(
        "form",
        { method: "dialog" },
        h("h2", {}, "API token"),
        h("p", {}, message, " It is kept in this tab only (sessionStorage)."),
        input,
        h(
          "div",
          { class: "buttons" },
          h("button", { type: "submit", class: "primary" }, "Use token"),
        ),
      ),
    );
    dialog.addEventListener("close", () => {
      if (input.value) sessionStorage.setItem(TOKEN_KEY, input.value);
      dialog.remove();
      asking = null;
      resolve();
    });
    dialog.addEventListener("cancel", (/** @type {Event} */ e) => e.preventDefault());
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
  return asking;
}

/** Headers with the bearer token. @param {Record<string, string>} [extra] */
export function authHeaders(extra = {}) {
  const t = token();
  return t ? { ...extra, authorization: `Bearer ${t}` } : { ...extra };
}

/**
 * Fetches with the token, asking for it on a 401 (at most once per call).
 * @param {string} method
 * @param {string} path
 * @param {{ body?: BodyInit, headers?: Record<string, string> }} [init]
 * @returns {Promise<Response>}
 */
export async function authorizedFetch(method, path, init = {}) {
  for (let attempt = 0;; attempt++) {
    const res = await fetch(apiUrl(path), {
      method,
      body: init.body,
      headers: authHeaders(init.headers),
    });
    if (res.status !== 401 || attempt > 0) return res;
    await res.body?.cancel();
    await askToken(token() ? "The token was refused: enter the right one." : undefined);
  }
}

/**
 * Calls the API. `body` objects are sent as JSON, strings as text/plain, bytes as octet-stream.
 * @param {string} method
 * @param {string} path e.g. "api/clients/lamp-1/3/0/9"
 * @param {any} [body]
 * @returns {Promise<ApiAnswer>}
 */
export async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  /** @type {BodyInit|undefined} */
  let data;
  if (typeof body === "string") {
    headers["content-type"] = "text/plain";
    data = body;
  } else if (body instanceof Uint8Array || body instanceof Blob || body instanceof ArrayBuffer) {
    headers["content-type"] = "application/octet-stream";
    data = /** @type {BodyInit} */ (body);
  } else if (body !== undefined) {
    headers["content-type"] = "application/json";
    data = JSON.stringify(body);
  }
  const started = performance.now();
  const res = await authorizedFetch(method, path, { body: data, headers });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch { /* not JSON: keep the text */ }
  return {
    status: res.status,
    ok: res.ok,
    body: parsed,
    headers: res.headers,
    ms: Math.round(performance.now() - started),
  };
}

/**
 * A group operation with `Accept: application/x-ndjson`: calls `onResult` for each member's line
 * as it arrives (the progress of a long fleet operation). Resolves with the HTTP status.
 * @param {string} method
 * @param {string} path
 * @param {any} body
 * @param {(result: {endpoint: string, status: number, body: any}) => void} onResult
 */
export async function apiStream(method, path, body, onResult) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/x-ndjson" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await authorizedFetch(method, path, {
    body: body === undefined ? undefined : JSON.stringify(body),
    headers,
  });
  if (!res.ok || !res.body) {
    const text = await res.text();
    return { status: res.status, error: text };
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += value;
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) onResult(JSON.parse(line));
    }
    if (done) break;
  }
  if (buffer.trim()) onResult(JSON.parse(buffer));
  return { status: res.status };
}

/** "lamp-1" -> "lamp-1" safe in a URL path segment. @param {string} s */
export const seg = (s) => encodeURIComponent(s);

/** The error text of an answer: the API's `error.message`, or the status. @param {ApiAnswer} a */
export function errorText(a) {
  const e = a.body && typeof a.body === "object" ? a.body.error : undefined;
  return e ? `${a.status} ${e.code}: ${e.message}` : `HTTP ${a.status}`;
}
