/**
 * JSON text parsing for the JSON content formats (SenML JSON 110, LwM2M JSON 11543) that keeps
 * 64-bit integers exact: integers beyond ±2^53 become bigint through the reviver's source text
 * (ECMAScript "JSON.parse source text access"; where a runtime lacks it they stay numbers).
 */

import { undecodable } from "./errors.ts";
import { normalizeInteger } from "./typing.ts";

const utf8 = new TextDecoder();

function reviver(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === "number" && !Number.isSafeInteger(value) && context?.source) {
    if (/^-?\d+$/.test(context.source)) return normalizeInteger(BigInt(context.source));
  }
  return value;
}

/** Parses a UTF-8 JSON payload; throws ContentError("undecodable"). */
export function parseJsonPayload(payload: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(utf8.decode(payload), reviver);
  } catch (e) {
    throw undecodable(`malformed ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** JSON text of a number or bigint; non-finite numbers have none (undefined). */
export function jsonNumber(value: number | bigint): string | undefined {
  if (typeof value === "bigint") return value.toString();
  return Number.isFinite(value) ? JSON.stringify(value) : undefined;
}

/** The kind of a parsed JSON value: "number" (also for bigint), "string", "boolean", ... */
export function jsonKind(v: unknown): string {
  return typeof v === "bigint" ? "number" : v === null ? "null" : typeof v;
}
