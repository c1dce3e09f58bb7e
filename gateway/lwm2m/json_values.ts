/**
 * The HTTP JSON form of resource values (DESIGN.md §6 "Values"): integers and floats as numbers,
 * 64-bit integers beyond ±2^53 as decimal strings (bigint inside), booleans, strings, opaque as
 * base64, objlnk as "O:I", time as integer seconds. fromJson checks a request value against the
 * resource model (type and DDF range, LwM2M Core §7.2) and throws JsonValueError with a message
 * the HTTP layer returns as a 400. Browser-safe.
 */

import type { ModelRegistry, ResourceModel, ResourceType } from "../../objects/model.ts";
import { decodeBase64, encodeBase64 } from "./content/base64.ts";
import {
  formatObjectLink,
  INT64_MAX,
  INT64_MIN,
  isObjectLink,
  normalizeInteger,
  parseObjectLink,
  resourceModelOf,
  UINT64_MAX,
} from "./content/typing.ts";
import { Lwm2mPath } from "./path.ts";
import type { Lwm2mValue, Lwm2mValues } from "./values.ts";

export type JsonValue = number | string | boolean;

export class JsonValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JsonValueError";
  }
}

/** The JSON form of a value (`type` only refines floats that are not finite). */
export function toJson(value: Lwm2mValue, type?: ResourceType): JsonValue {
  if (typeof value === "bigint") {
    const n = normalizeInteger(value);
    return typeof n === "number" ? n : n.toString();
  }
  if (typeof value === "number") {
    if (Number.isFinite(value)) return type === "time" ? Math.floor(value) : value;
    return String(value); // "NaN", "Infinity", "-Infinity": JSON has no such numbers
  }
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (value instanceof Uint8Array) return encodeBase64(value);
  if (isObjectLink(value)) return formatObjectLink(value);
  throw new JsonValueError(`no JSON form for ${String(value)}`);
}

/** Values by path in their JSON form (the `values` object of the HTTP API). */
export function valuesToJson(
  values: Lwm2mValues,
  models?: ModelRegistry,
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [path, value] of values) {
    let type: ResourceType | undefined;
    if (models) {
      try {
        type = resourceModelOf(models, Lwm2mPath.parse(path))?.type;
      } catch { /* a malformed key has no model */ }
    }
    out[path] = toJson(value, type);
  }
  return out;
}

interface Range {
  min?: number;
  max?: number;
  set?: number[];
}

/** The DDF RangeEnumeration "a..b" (also "a-b") or "a,b,c"; undefined when not numeric. */
export function parseRange(text: string | undefined): Range | undefined {
  if (!text) return undefined;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(?:\.\.|-)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  const parts = text.split(",").map((s) => s.trim());
  if (parts.every((p) => /^-?\d+(?:\.\d+)?$/.test(p))) return { set: parts.map(Number) };
  return undefined;
}

function inRange(n: number | bigint, range: Range | undefined): boolean {
  if (!range) return true;
  if (range.set) return range.set.some((s) => Number(n) === s);
  return (range.min === undefined || Number(n) >= range.min) &&
    (range.max === undefined || Number(n) <= range.max);
}

function integerOf(json: unknown, min: bigint, max: bigint): number | bigint | undefined {
  let big: bigint;
  if (typeof json === "number") {
    if (!Number.isSafeInteger(json)) return undefined;
    big = BigInt(json);
  } else if (typeof json === "string" && /^\s*-?\d{1,20}\s*$/.test(json)) big = BigInt(json.trim());
  else return undefined;
  return big >= min && big <= max ? normalizeInteger(big) : undefined;
}

const EXPECTED: Readonly<Record<ResourceType, string>> = {
  integer: "an integer (a decimal string beyond ±2^53)",
  unsigned: "an unsigned integer (a decimal string beyond 2^53)",
  float: "a number",
  boolean: "true or false",
  string: "a string",
  corelnk: "a CoRE link-format string",
  opaque: "a base64 string",
  time: "integer seconds since 1970 (or an ISO-8601 date string)",
  objlnk: `an object link "objectId:instanceId"`,
  none: "nothing (the resource is executable)",
};

/**
 * A request value typed by the resource model (undefined: numbers, strings and booleans pass as
 * they are). Throws JsonValueError naming the resource, the expected form and the range.
 */
export function fromJson(json: unknown, model: ResourceModel | undefined): Lwm2mValue {
  if (!model) {
    if (typeof json === "number" || typeof json === "string" || typeof json === "boolean") {
      return json;
    }
    throw new JsonValueError(`expected a number, string or boolean, got ${shown(json)}`);
  }
  const value = typed(json, model.type);
  const what = `resource ${model.id} (${model.name})`;
  if (value === undefined) {
    throw new JsonValueError(`${what}: expected ${EXPECTED[model.type]}, got ${shown(json)}`);
  }
  const range = parseRange(model.range);
  const measure = typeof value === "number" || typeof value === "bigint"
    ? value
    : typeof value === "string"
    ? value.length
    : value instanceof Uint8Array
    ? value.length
    : undefined;
  if (measure !== undefined && model.type !== "time" && !inRange(measure, range)) {
    const unit = typeof value === "string"
      ? " characters"
      : value instanceof Uint8Array
      ? " bytes"
      : "";
    throw new JsonValueError(`${what}: ${shown(json)} is outside the range ${model.range}${unit}`);
  }
  return value;
}

function typed(json: unknown, type: ResourceType): Lwm2mValue | undefined {
  switch (type) {
    case "integer":
      return integerOf(json, INT64_MIN, INT64_MAX);
    case "unsigned":
      return integerOf(json, 0n, UINT64_MAX);
    case "time": {
      const n = integerOf(json, INT64_MIN, INT64_MAX);
      if (n !== undefined || typeof json !== "string") return n;
      const ms = Date.parse(json);
      return /^\d{4}-\d\d-\d\d/.test(json) && Number.isFinite(ms)
        ? Math.floor(ms / 1000)
        : undefined;
    }
    case "float":
      return typeof json === "number" ? json : undefined;
    case "boolean":
      return typeof json === "boolean" ? json : undefined;
    case "string":
    case "corelnk":
      return typeof json === "string" ? json : undefined;
    case "opaque":
      return typeof json === "string" ? decodeBase64(json) : undefined;
    case "objlnk":
      if (typeof json === "string") return parseObjectLink(json);
      return isObjectLink(json) &&
          [json.objectId, json.instanceId].every((n) =>
            Number.isInteger(n) && n >= 0 && n <= 0xffff
          )
        ? { objectId: json.objectId, instanceId: json.instanceId }
        : undefined;
    case "none":
      return undefined;
  }
}

function shown(json: unknown): string {
  const text = JSON.stringify(json) ?? String(json);
  return text.length > 60 ? text.slice(0, 60) + "…" : text;
}

/**
 * A request's `values` object ({"/3/0/14": "+02:00"}) typed through the models; keys must be
 * resource or resource-instance paths. Throws JsonValueError with the path in the message.
 */
export function valuesFromJson(json: unknown, models: ModelRegistry): Lwm2mValues {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new JsonValueError(`"values" must be an object from path to value`);
  }
  const out: Lwm2mValues = new Map();
  for (const [key, raw] of Object.entries(json)) {
    let path: Lwm2mPath;
    try {
      path = Lwm2mPath.parse(key);
    } catch (e) {
      throw new JsonValueError(`bad path ${JSON.stringify(key)}: ${(e as Error).message}`);
    }
    if (path.ids.length < 3) {
      throw new JsonValueError(`${key}: values belong to resources or resource instances`);
    }
    try {
      out.set(path.toString(), fromJson(raw, resourceModelOf(models, path)));
    } catch (e) {
      if (e instanceof JsonValueError) throw new JsonValueError(`${key}: ${e.message}`);
      throw e;
    }
  }
  return out;
}
