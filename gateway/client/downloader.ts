/**
 * Firmware pull downloads for the client's object 5 (LwM2M Core Appendix E.6 Package URI;
 * spec digest objects.md, protocols of /5/0/8: 0 CoAP with block-wise, 2 HTTP 1.1): a coap://
 * GET through the client's CoAP engine (RFC 7959 Block2 reassembled by the core) or an http://
 * fetch, mapped to the Update Result codes on failure (4 connection lost, 7 invalid URI for a
 * 4.xx/404, 2 not enough flash). Shell code: it does network I/O.
 */

import { OPTION } from "../../codec-wasm/coap_registry.ts";
import type { CoapOption } from "../../codec-wasm/types.ts";
import type { OutgoingRequest, RequestResult } from "../coap/state.ts";
import {
  FW_RESULT_CONNECTION_LOST,
  FW_RESULT_INVALID_URI,
  FW_RESULT_NOT_ENOUGH_FLASH,
  FW_RESULT_UNSUPPORTED_PROTOCOL,
} from "./firmware_machine.ts";
import { parseServerUri } from "./registration_policy.ts";

const te = new TextEncoder();

export interface DownloadDeps {
  /** Resolves a host to an address and sends a CoAP request to "ip:port". */
  coapRequest(
    remote: { host: string; port: number },
    request: OutgoingRequest,
    timeoutMs: number,
  ): Promise<RequestResult>;
  fetch?: typeof fetch;
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
}

export type DownloadOutcome = { ok: true; image: Uint8Array } | { ok: false; result: number };

/** Uri-Path and Uri-Query options of a coap:// URI's path and query. */
function coapOptions(uri: string): CoapOption[] {
  const u = new URL(uri);
  const options: CoapOption[] = [];
  for (const s of u.pathname.split("/")) {
    if (s) options.push({ number: OPTION.URI_PATH, value: te.encode(decodeURIComponent(s)) });
  }
  if (u.search.length > 1) {
    for (const q of u.search.slice(1).split("&")) {
      options.push({ number: OPTION.URI_QUERY, value: te.encode(decodeURIComponent(q)) });
    }
  }
  return options;
}

export async function download(uri: string, deps: DownloadDeps): Promise<DownloadOutcome> {
  const parsed = parseServerUri(uri);
  if (!parsed) return { ok: false, result: FW_RESULT_INVALID_URI };
  if (parsed.scheme === "coap") {
    let options: CoapOption[];
    try {
      options = coapOptions(uri);
    } catch {
      return { ok: false, result: FW_RESULT_INVALID_URI };
    }
    const result = await deps.coapRequest({ host: parsed.host, port: parsed.port }, {
      code: 1,
      options,
    }, deps.timeoutMs);
    if (result.kind !== "response") return { ok: false, result: FW_RESULT_CONNECTION_LOST };
    const code = result.response.code;
    if (code >= 128 && code < 160) return { ok: false, result: FW_RESULT_INVALID_URI };
    if (code !== 69) return { ok: false, result: FW_RESULT_CONNECTION_LOST };
    if (result.response.payload.length > deps.maxBytes) {
      return { ok: false, result: FW_RESULT_NOT_ENOUGH_FLASH };
    }
    return { ok: true, image: result.response.payload.slice() };
  }
  if (parsed.scheme === "http") {
    const f = deps.fetch ?? fetch;
    try {
      const signal = deps.signal ?? AbortSignal.timeout(deps.timeoutMs);
      const response = await f(uri, { signal });
      if (!response.ok) {
        await response.body?.cancel();
        return {
          ok: false,
          result: response.status >= 400 && response.status < 500
            ? FW_RESULT_INVALID_URI
            : FW_RESULT_CONNECTION_LOST,
        };
      }
      const declared = Number(response.headers.get("content-length") ?? "0");
      if (declared > deps.maxBytes) {
        await response.body?.cancel();
        return { ok: false, result: FW_RESULT_NOT_ENOUGH_FLASH };
      }
      const image = new Uint8Array(await response.arrayBuffer());
      if (image.length > deps.maxBytes) return { ok: false, result: FW_RESULT_NOT_ENOUGH_FLASH };
      return { ok: true, image };
    } catch {
      return { ok: false, result: FW_RESULT_CONNECTION_LOST };
    }
  }
  return { ok: false, result: FW_RESULT_UNSUPPORTED_PROTOCOL };
}
