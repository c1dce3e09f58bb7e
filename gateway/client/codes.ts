/**
 * CoAP codes and option helpers the LwM2M client answers with (RFC 7252 §5.9 and §12.1; LwM2M
 * Core §6 operation tables, spec digest lwm2m-interfaces.md §3.1): code bytes by name, the
 * response shape of the client's handlers, and small option readers. Pure.
 */

import { OPTION } from "../../codec-wasm/coap_registry.ts";
import type { CoapMessage, CoapOption } from "../../codec-wasm/types.ts";
import { encodeUint } from "../../codec-wasm/values.ts";

export const GET = 1;
export const POST = 2;
export const PUT = 3;
export const DELETE = 4;
export const FETCH = 5;
export const IPATCH = 7;

export const COAP_201_CREATED = 65;
export const COAP_202_DELETED = 66;
export const COAP_204_CHANGED = 68;
export const COAP_205_CONTENT = 69;
export const COAP_400_BAD_REQUEST = 128;
export const COAP_401_UNAUTHORIZED = 129;
export const COAP_404_NOT_FOUND = 132;
export const COAP_405_METHOD_NOT_ALLOWED = 133;
export const COAP_406_NOT_ACCEPTABLE = 134;
export const COAP_415_UNSUPPORTED_CONTENT_FORMAT = 143;
export const COAP_500_INTERNAL_SERVER_ERROR = 160;

const te = new TextEncoder();

/** A response of the client's request handling (with optional work to run once it was sent). */
export interface ClientResponse {
  code: number;
  options?: CoapOption[];
  payload?: Uint8Array;
  afterSend?: () => void;
}

/** An error response with a diagnostic payload (RFC 7252 §5.5.2). */
export function errorResponse(code: number, message?: string): ClientResponse {
  return message ? { code, payload: te.encode(message) } : { code };
}

export function contentFormatOption(format: number): CoapOption {
  return { number: OPTION.CONTENT_FORMAT, value: encodeUint(format) };
}

/** A uint option of a message, or undefined (also when longer than 4 bytes). */
export function uintOf(m: CoapMessage, number: number): number | undefined {
  const o = m.options.find((x) => x.number === number);
  if (!o || o.value.length > 4) return undefined;
  let n = 0;
  for (const b of o.value) n = n * 256 + b;
  return n;
}

/** Is the code a success (2.xx)? */
export function isSuccessCode(code: number): boolean {
  return code >= 64 && code < 96;
}
