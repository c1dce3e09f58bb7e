/**
 * text/plain (Content-Format 0; LwM2M Core §7.4.1, spec digest data-formats.md §2 and §7): one
 * resource or resource-instance value as UTF-8 text. Integers in decimal, floats in decimal with
 * an optional exponent, booleans "0"/"1" ("true"/"false" accepted as a leniency), objlnk "O:I",
 * opaque as base64 (LwM2M 1.1+). Without a model the text stays a string.
 */

import type { ModelRegistry, ResourceType } from "../../../objects/model.ts";
import type { Lwm2mPath } from "../path.ts";
import type { Lwm2mValue, Lwm2mValues } from "../values.ts";
import { decodeBase64, encodeBase64 } from "./base64.ts";
import { singleTargetType, singleValue } from "./entries.ts";
import { typeMismatch } from "./errors.ts";
import {
  formatObjectLink,
  INT64_MAX,
  INT64_MIN,
  isObjectLink,
  normalizeInteger,
  parseObjectLink,
  UINT64_MAX,
} from "./typing.ts";

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function integer(text: string, min: bigint, max: bigint): number | bigint | undefined {
  const t = text.trim();
  if (!/^[+-]?\d{1,40}$/.test(t)) return undefined;
  const big = BigInt(t);
  return big >= min && big <= max ? normalizeInteger(big) : undefined;
}

/** Parses text as a value of `type` (undefined: a string); undefined when it is not one. */
export function parseTextValue(
  text: string,
  type: ResourceType | undefined,
): Lwm2mValue | undefined {
  switch (type) {
    case undefined:
    case "string":
    case "corelnk":
      return text;
    case "integer":
    case "time":
      return integer(text, INT64_MIN, INT64_MAX);
    case "unsigned":
      return integer(text, 0n, UINT64_MAX);
    case "float":
      return FLOAT.test(text.trim()) ? Number(text.trim()) : undefined;
    case "boolean": {
      const t = text.trim().toLowerCase();
      return t === "1" || t === "true" ? true : t === "0" || t === "false" ? false : undefined;
    }
    case "objlnk":
      return parseObjectLink(text);
    case "opaque":
      return decodeBase64(text.trim());
    case "none":
      return undefined;
  }
}

/** The text form of a checked value. */
export function formatTextValue(value: Lwm2mValue): string {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return String(value);
  if (value instanceof Uint8Array) return encodeBase64(value);
  if (isObjectLink(value)) return formatObjectLink(value);
  throw typeMismatch(`no text form for ${String(value)}`);
}

export function decodeText(
  payload: Uint8Array,
  target: Lwm2mPath,
  models: ModelRegistry,
): Lwm2mValues {
  const type = singleTargetType(target, models);
  const text = utf8.decode(payload);
  const value = parseTextValue(text, type);
  if (value === undefined) {
    const shown = JSON.stringify(text.length > 40 ? text.slice(0, 40) + "…" : text);
    throw typeMismatch(`${target}: text ${shown} is not a valid ${type} value`);
  }
  return new Map([[target.toString(), value]]);
}

export function encodeText(
  values: Lwm2mValues,
  target: Lwm2mPath,
  models: ModelRegistry,
): Uint8Array {
  const { value } = singleValue(values, target, models);
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw typeMismatch(`${target}: ${value} has no decimal text form`);
  }
  return utf8Encoder.encode(formatTextValue(value));
}
