/**
 * One-line summaries of CoAP messages for debug logs: type, code as "c.dd", message id, token
 * in hex, options and payload size (RFC 7252 §3, §12.1). Pure; takes codec-wasm's message shape.
 */

import type { CoapMessage } from "../../codec-wasm/types.ts";

/** RFC 7252 §3: message type names by number. */
export const COAP_TYPE_NAMES = ["CON", "NON", "ACK", "RST"] as const;

/** RFC 7252 §12.1: method names of request codes 0.01..0.04 (RFC 8132 adds 0.05..0.07). */
const METHOD_NAMES: Readonly<Record<number, string>> = {
  1: "GET",
  2: "POST",
  3: "PUT",
  4: "DELETE",
  5: "FETCH",
  6: "PATCH",
  7: "iPATCH",
};

/** `code` is class*32+detail: 69 -> "2.05". */
export function formatCoapCode(code: number): string {
  return `${code >> 5}.${String(code & 31).padStart(2, "0")}`;
}

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** e.g. `CON GET mid=4660 token=7a options=11:3,11:0,11:0,17:2d16 payload=0B`. */
export function describeCoap(m: CoapMessage): string {
  const method = METHOD_NAMES[m.code];
  const code = method ?? formatCoapCode(m.code);
  const options = m.options.map((o) => `${o.number}:${toHex(o.value)}`).join(",");
  return `${COAP_TYPE_NAMES[m.type]} ${code} mid=${m.messageId} token=${toHex(m.token)}` +
    ` options=${options || "-"} payload=${m.payload.length}B`;
}
