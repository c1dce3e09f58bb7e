/**
 * Value typing through the object model (DESIGN.md §2 "two-level content codec"; LwM2M Core
 * Appendix C data types, spec digest data-formats.md §2): the resource type of a path, the
 * conversion of a format's native value (a SenML `v`, a CBOR item, ...) to the model type when
 * decoding, and the check of a value against the model type when encoding. Unknown resources keep
 * the format's own type. Browser-safe.
 */

import type { ModelRegistry, ResourceModel, ResourceType } from "../../../objects/model.ts";
import type { Lwm2mPath } from "../path.ts";
import type { Lwm2mValue, ObjectLink } from "../values.ts";
import { decodeBase64 } from "./base64.ts";
import { typeMismatch } from "./errors.ts";

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;
export const UINT64_MAX = (1n << 64n) - 1n;

/** A value type a value can have (executable resources have none). */
export type ValueType = Exclude<ResourceType, "none">;

/** A format's native value before typing: a Date stands for CBOR tag 1 (epoch time). */
export type NativeValue = Lwm2mValue | Date;

/** The resource model of /O/I/R or /O/I/R/RI, if the object and resource are known. */
export function resourceModelOf(models: ModelRegistry, path: Lwm2mPath): ResourceModel | undefined {
  const [o, , r] = path.ids;
  return o === undefined || r === undefined ? undefined : models.resource(o, r);
}

/** Number for safe integers, bigint beyond ±2^53 (the Lwm2mValue convention). */
export function normalizeInteger(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

export function isObjectLink(v: unknown): v is ObjectLink {
  return typeof v === "object" && v !== null && !(v instanceof Uint8Array) &&
    !(v instanceof Date) && "objectId" in v && "instanceId" in v;
}

/** "O:I" with each id 0..65535 (65535:65535 is the null link). */
export function parseObjectLink(text: string): ObjectLink | undefined {
  const m = /^\s*(\d{1,5}):(\d{1,5})\s*$/.exec(text);
  if (!m) return undefined;
  const objectId = Number(m[1]);
  const instanceId = Number(m[2]);
  return objectId > 0xffff || instanceId > 0xffff ? undefined : { objectId, instanceId };
}

export function formatObjectLink(link: ObjectLink): string {
  return `${link.objectId}:${link.instanceId}`;
}

/** The type a value is written as: the model's, else inferred from the JavaScript value. */
export function inferType(value: Lwm2mValue): ValueType {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "float";
  if (typeof value === "bigint") return value > INT64_MAX ? "unsigned" : "integer";
  if (value instanceof Uint8Array) return "opaque";
  return "objlnk";
}

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (v instanceof Date) return `time ${v.toISOString()}`;
  if (isObjectLink(v)) return `objlnk ${formatObjectLink(v)}`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  return `${typeof v} ${String(v)}`;
}

function mismatch(value: unknown, type: string, path: string) {
  return typeMismatch(`${path}: ${describe(value)} is not a valid ${type} value`);
}

/** An integral number or bigint within [min, max], normalized; undefined otherwise. */
function integerIn(value: unknown, min: bigint, max: bigint): number | bigint | undefined {
  let big: bigint;
  if (typeof value === "bigint") big = value;
  else if (typeof value === "number" && Number.isInteger(value)) big = BigInt(value);
  else return undefined;
  return big >= min && big <= max ? normalizeInteger(big) : undefined;
}

function validLink(v: ObjectLink): boolean {
  return [v.objectId, v.instanceId].every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffff);
}

/**
 * Checks a value to encode against the model type (undefined: inferred) and returns it
 * normalized; throws ContentError("type_mismatch").
 */
export function checkValue(value: Lwm2mValue, type: ResourceType | undefined, path: string) {
  const t = type ?? inferType(value);
  let out: Lwm2mValue | undefined;
  switch (t) {
    case "integer":
    case "time":
      out = integerIn(value, INT64_MIN, INT64_MAX);
      break;
    case "unsigned":
      out = integerIn(value, 0n, UINT64_MAX);
      break;
    case "float":
      if (typeof value === "number") out = value;
      else if (typeof value === "bigint") out = Number(value);
      break;
    case "boolean":
      if (typeof value === "boolean") out = value;
      break;
    case "string":
    case "corelnk":
      if (typeof value === "string") out = value;
      break;
    case "opaque":
      if (value instanceof Uint8Array) out = value;
      break;
    case "objlnk":
      if (isObjectLink(value) && validLink(value)) out = value;
      break;
    case "none":
      throw typeMismatch(`${path}: an executable resource has no value`);
  }
  if (out === undefined) throw mismatch(value, t, path);
  return { value: out, type: t as ValueType };
}

/**
 * Converts a decoded native value to the model type (undefined: keeps the format's own type).
 * Lenient where clients are known to differ: booleans as 0/1, opaque as base64 text, objlnk as
 * text, time with a fraction or as CBOR tag 1. Throws ContentError("type_mismatch").
 */
export function coerceNative(
  native: NativeValue,
  type: ResourceType | undefined,
  path: string,
): Lwm2mValue {
  const value = native instanceof Date ? Math.floor(native.getTime() / 1000) : native;
  if (type === undefined) return typeof value === "bigint" ? normalizeInteger(value) : value;
  let out: Lwm2mValue | undefined;
  switch (type) {
    case "integer":
      out = integerIn(value, INT64_MIN, INT64_MAX);
      break;
    case "time":
      out = integerIn(
        typeof value === "number" && Number.isFinite(value) ? Math.floor(value) : value,
        INT64_MIN,
        INT64_MAX,
      );
      break;
    case "unsigned":
      out = integerIn(value, 0n, UINT64_MAX);
      break;
    case "float":
      if (typeof value === "number") out = value;
      else if (typeof value === "bigint") out = Number(value);
      break;
    case "boolean":
      if (typeof value === "boolean") out = value;
      else if (value === 0 || value === 1) out = value === 1;
      break;
    case "string":
    case "corelnk":
      if (typeof value === "string") out = value;
      break;
    case "opaque":
      if (value instanceof Uint8Array) out = value;
      else if (typeof value === "string") out = decodeBase64(value);
      break;
    case "objlnk":
      if (typeof value === "string") out = parseObjectLink(value);
      else if (isObjectLink(value) && validLink(value)) out = value;
      break;
    case "none":
      throw typeMismatch(`${path}: an executable resource has no value`);
  }
  if (out === undefined) throw mismatch(native, type, path);
  return out;
}
