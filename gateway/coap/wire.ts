/**
 * Option helpers for the CoAP core: read and build Uri-Path/Query, Observe, Block1/Block2,
 * Content-Format and Size options on codec messages (RFC 7252 §5.10, RFC 7641 §2, RFC 7959 §2).
 */

import type { CoapMessage, CoapOption } from "../../codec-wasm/types.ts";
import { OPTION } from "../../codec-wasm/coap_registry.ts";
import {
  type Block,
  decodeBlock,
  decodeUint,
  encodeBlock,
  encodeUint,
} from "../../codec-wasm/values.ts";

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

export function tokenKey(token: Uint8Array): string {
  let s = "";
  for (let i = 0; i < token.length; i++) s += (token[i] < 16 ? "0" : "") + token[i].toString(16);
  return s;
}

export function findOption(options: readonly CoapOption[], number: number): CoapOption | undefined {
  for (const o of options) if (o.number === number) return o;
  return undefined;
}

export function withoutOptions(options: readonly CoapOption[], ...numbers: number[]): CoapOption[] {
  return options.filter((o) => !numbers.includes(o.number));
}

/** A uint option's value, or undefined when absent or longer than 4 bytes. */
export function uintOption(options: readonly CoapOption[], number: number): number | undefined {
  const o = findOption(options, number);
  if (!o || o.value.length > 4) return undefined;
  return decodeUint(o.value);
}

/** A Block1/Block2 option, or undefined when absent; null when malformed. */
export function blockOption(
  options: readonly CoapOption[],
  number: number,
): Block | null | undefined {
  const o = findOption(options, number);
  if (!o) return undefined;
  try {
    return decodeBlock(o.value);
  } catch {
    return null;
  }
}

export function blockValue(num: number, more: boolean, szx: number): Uint8Array {
  return encodeBlock({ num, more, szx });
}

export function uriPath(message: CoapMessage): string[] {
  return message.options.filter((o) => o.number === OPTION.URI_PATH).map((o) =>
    utf8.decode(o.value)
  );
}

export function uriQuery(message: CoapMessage): string[] {
  return message.options.filter((o) => o.number === OPTION.URI_QUERY).map((o) =>
    utf8.decode(o.value)
  );
}

/** Uri-Path and Uri-Query options for "/a/b?x=1&y" (empty segments of "/" are dropped). */
export function uriOptions(path: string, query: readonly string[] = []): CoapOption[] {
  const options: CoapOption[] = [];
  for (const segment of path.split("/")) {
    if (segment !== "") {
      options.push({ number: OPTION.URI_PATH, value: utf8Encoder.encode(segment) });
    }
  }
  for (const q of query) options.push({ number: OPTION.URI_QUERY, value: utf8Encoder.encode(q) });
  return options;
}

export function uintOptionOf(number: number, value: number): CoapOption {
  return { number, value: encodeUint(value) };
}

/** Request identity for block-wise state: method, Uri-Path and Uri-Query (RFC 7959 §2.4). */
export function resourceKey(message: CoapMessage): string {
  let key = String(message.code);
  for (const o of message.options) {
    if (o.number === OPTION.URI_PATH || o.number === OPTION.URI_QUERY) {
      key += `|${o.number}:${utf8.decode(o.value)}`;
    }
  }
  return key;
}

export function isRequestCode(code: number): boolean {
  return code >= 1 && code <= 31;
}

export function isResponseCode(code: number): boolean {
  return code >= 64 && code <= 191;
}

export function isSuccess(code: number): boolean {
  return code >= 64 && code < 96;
}

/** Critical options the core understands in requests (RFC 7252 §5.4.1); others get 4.02. */
export const KNOWN_CRITICAL_REQUEST_OPTIONS: ReadonlySet<number> = new Set([
  OPTION.URI_HOST,
  OPTION.URI_PORT,
  OPTION.URI_PATH,
  OPTION.URI_QUERY,
  OPTION.ACCEPT,
  OPTION.BLOCK2,
  OPTION.BLOCK1,
]);

/** Critical options the core understands in responses; a CON response with others gets RST. */
export const KNOWN_CRITICAL_RESPONSE_OPTIONS: ReadonlySet<number> = new Set([
  OPTION.BLOCK2,
  OPTION.BLOCK1,
]);

export function firstUnknownCritical(
  options: readonly CoapOption[],
  known: ReadonlySet<number>,
): number | undefined {
  for (const o of options) if ((o.number & 1) === 1 && !known.has(o.number)) return o.number;
  return undefined;
}
