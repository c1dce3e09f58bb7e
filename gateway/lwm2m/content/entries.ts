/**
 * The flat forms shared by the multi-value codecs (TLV, SenML, LwM2M CBOR, LwM2M JSON): decoded
 * native entries with optional SenML time, typed into Lwm2mValues or TimestampedValues, and the
 * checked list of values to encode. Paths of values are resources or resource instances
 * (LwM2M Core §7.4: a payload carries resource values), always inside the request's target.
 */

import type { ModelRegistry } from "../../../objects/model.ts";
import { Lwm2mPath } from "../path.ts";
import type { Lwm2mValue, Lwm2mValues } from "../values.ts";
import { ContentError, typeMismatch, undecodable } from "./errors.ts";
import {
  checkValue,
  coerceNative,
  type NativeValue,
  resourceModelOf,
  type ValueType,
} from "./typing.ts";

/** One decoded value before typing; `time` is the resolved SenML time (bt + t) if any was given. */
export interface NativeEntry {
  path: Lwm2mPath;
  value: NativeValue;
  time?: number;
}

/** A value with the time it was measured (Send, historical notifications; RFC 8428 §4.5.3). */
export interface TimestampedValue {
  path: string;
  value: Lwm2mValue;
  /** Unix time in seconds (may have a fraction); the receive time when the payload gave none. */
  timeSec: number;
}

/** RFC 8428 §4.5.3: a resolved time at or above 2^28 is absolute, below it relative to now. */
export const SENML_ABSOLUTE_TIME = 2 ** 28;

/** Absolute Unix seconds of a resolved SenML time (undefined = now). */
export function absoluteTime(time: number | undefined, nowSec: number): number {
  if (time === undefined) return nowSec;
  return time >= SENML_ABSOLUTE_TIME ? time : nowSec + time;
}

/** Throws undecodable unless `path` is a resource or resource instance inside `target`. */
export function checkDecodedPath(path: Lwm2mPath, target: Lwm2mPath): void {
  if (path.ids.length < 3) throw undecodable(`${path} is not a resource or resource instance`);
  if (!target.contains(path)) throw undecodable(`${path} is outside the target ${target}`);
}

/** Parses a path text of a payload; throws undecodable on a malformed one. */
export function decodedPath(text: string): Lwm2mPath {
  try {
    return Lwm2mPath.parse(text);
  } catch {
    throw undecodable(`bad path ${JSON.stringify(text.slice(0, 60))}`);
  }
}

/**
 * Types native entries through the models. A path given more than once (historical data) keeps
 * its latest value: the greatest time when both are absolute or both relative, else the later.
 */
export function typeEntries(
  entries: readonly NativeEntry[],
  target: Lwm2mPath,
  models: ModelRegistry,
): Lwm2mValues {
  const out: Lwm2mValues = new Map();
  const times = new Map<string, number | undefined>();
  for (const e of entries) {
    checkDecodedPath(e.path, target);
    const key = e.path.toString();
    const value = coerceNative(e.value, resourceModelOf(models, e.path)?.type, key);
    if (out.has(key)) {
      const before = times.get(key);
      const comparable = before !== undefined && e.time !== undefined &&
        (before >= SENML_ABSOLUTE_TIME) === (e.time >= SENML_ABSOLUTE_TIME);
      if (comparable && e.time! < before!) continue;
    }
    out.set(key, value);
    times.set(key, e.time);
  }
  return out;
}

/** Types native entries keeping every one with its absolute time. */
export function typeTimestamped(
  entries: readonly NativeEntry[],
  target: Lwm2mPath,
  models: ModelRegistry,
  nowSec: number,
): TimestampedValue[] {
  return entries.map((e) => {
    checkDecodedPath(e.path, target);
    const path = e.path.toString();
    const value = coerceNative(e.value, resourceModelOf(models, e.path)?.type, path);
    return { path, value, timeSec: absoluteTime(e.time, nowSec) };
  });
}

/** A value to encode: its parsed path, the value checked against its type, and that type. */
export interface EncodeEntry {
  path: Lwm2mPath;
  value: Lwm2mValue;
  type: ValueType;
}

function invalidPath(message: string): ContentError {
  return new ContentError("invalid_path", message);
}

/**
 * Checks values to encode: each key a resource or resource-instance path inside `target`,
 * matching the model's multiplicity, each value of the model type. Keeps the Map's order.
 */
export function listValues(
  values: Lwm2mValues,
  target: Lwm2mPath,
  models: ModelRegistry,
): EncodeEntry[] {
  const out: EncodeEntry[] = [];
  for (const [key, raw] of values) {
    let path: Lwm2mPath;
    try {
      path = Lwm2mPath.parse(key);
    } catch {
      throw invalidPath(`bad path ${JSON.stringify(key)}`);
    }
    if (path.ids.length < 3) throw invalidPath(`${key} is not a resource or resource instance`);
    if (!target.contains(path)) throw invalidPath(`${key} is outside the target ${target}`);
    const model = resourceModelOf(models, path);
    if (model && model.multiple && path.ids.length === 3) {
      throw invalidPath(`${key} is a multiple resource: give its instances (${key}/0, ...)`);
    }
    if (model && !model.multiple && path.ids.length === 4) {
      throw invalidPath(`${key}: resource ${model.id} is single-instance`);
    }
    const checked = checkValue(raw, model?.type, key);
    out.push({ path, value: checked.value, type: checked.type });
  }
  return out;
}

/**
 * The model type of a single-value target (text, opaque, CBOR): a resource or resource instance,
 * not a multiple resource as a whole. Throws ContentError("not_single_value").
 */
export function singleTargetType(target: Lwm2mPath, models: ModelRegistry) {
  if (target.ids.length < 3) {
    throw new ContentError("not_single_value", `${target} is not a resource: use TLV or SenML`);
  }
  const model = resourceModelOf(models, target);
  if (model?.multiple && target.ids.length === 3) {
    throw new ContentError(
      "not_single_value",
      `${target} is a multiple resource: use TLV or SenML, or read one instance`,
    );
  }
  if (model?.type === "none") throw typeMismatch(`${target}: an executable resource has no value`);
  return model?.type;
}

/** The one value of a single-value payload: exactly the target's. */
export function singleValue(
  values: Lwm2mValues,
  target: Lwm2mPath,
  models: ModelRegistry,
): EncodeEntry {
  singleTargetType(target, models);
  const list = listValues(values, target, models);
  if (list.length !== 1 || list[0].path.ids.length !== target.ids.length) {
    throw new ContentError(
      "not_single_value",
      `a single-value format carries exactly the value of ${target} (got ${list.length} values)`,
    );
  }
  return list[0];
}
