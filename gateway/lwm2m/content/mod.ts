/**
 * Content-format codecs of the LwM2M server (LwM2M Core §7.4; spec digest data-formats.md): payload
 * bytes to typed Lwm2mValues and back, typed through the object models (DESIGN.md §2 two-level
 * codec). Single-target operations (Read, Write, Create, Observe) use decodeContent/encodeContent;
 * composite ones (Read-/Write-/Observe-Composite, Send; lwm2m-interfaces.md §5-§6) the composite
 * functions; Send and historical notifications keep each value's time (decodeTimestampedValues).
 * Every failure is a ContentError. Pure and browser-safe.
 */

import type { Codec } from "../../../codec-wasm/mod.ts";
import type { ModelRegistry } from "../../../objects/model.ts";
import { Lwm2mPath } from "../path.ts";
import type { Lwm2mValues } from "../values.ts";
import { decodeCborSingle, encodeCborSingle } from "./cbor_single.ts";
import {
  listValues,
  type NativeEntry,
  type TimestampedValue,
  typeEntries,
  typeTimestamped,
} from "./entries.ts";
import { ContentError } from "./errors.ts";
import * as F from "./formats.ts";
import { lwm2mCborEntries, writeLwm2mCbor } from "./lwm2m_cbor.ts";
import { lwm2mJsonEntries, writeLwm2mJson } from "./lwm2m_json.ts";
import { decodeOpaque, encodeOpaque } from "./opaque.ts";
import { recordsFor, senmlEntries, senmlPaths } from "./senml.ts";
import { parseSenmlCbor, writeSenmlCbor, writeSenmlCborPaths } from "./senml_cbor.ts";
import { parseSenmlJson, writeSenmlJson, writeSenmlJsonPaths } from "./senml_json.ts";
import { decodeText, encodeText } from "./text.ts";
import { decodeTlvContent, encodeTlvContent } from "./tlv.ts";

export { ContentError, type ContentErrorCode } from "./errors.ts";
export type { TimestampedValue } from "./entries.ts";
export { absoluteTime, SENML_ABSOLUTE_TIME } from "./entries.ts";
export * from "./formats.ts";
export { decodeBase64, encodeBase64 } from "./base64.ts";

const ROOT = new Lwm2mPath([]);

function unsupported(format: number, what = "values"): ContentError {
  return new ContentError("unsupported_format", `content format ${format} cannot carry ${what}`);
}

function isSenmlJson(f: number): boolean {
  return f === F.CONTENT_FORMAT_SENML_JSON || f === F.CONTENT_FORMAT_SENML_ETCH_JSON;
}

function isSenmlCbor(f: number): boolean {
  return f === F.CONTENT_FORMAT_SENML_CBOR || f === F.CONTENT_FORMAT_SENML_ETCH_CBOR;
}

/** Native entries (with times) of the multi-value formats but TLV; undefined for the others. */
function nativeEntries(
  f: number,
  payload: Uint8Array,
  target: Lwm2mPath,
): NativeEntry[] | undefined {
  if (isSenmlJson(f)) return senmlEntries(parseSenmlJson(payload));
  if (isSenmlCbor(f)) return senmlEntries(parseSenmlCbor(payload));
  if (f === F.CONTENT_FORMAT_LWM2M_CBOR) return lwm2mCborEntries(payload);
  if (f === F.CONTENT_FORMAT_LWM2M_JSON) return lwm2mJsonEntries(payload, target);
  return undefined;
}

/**
 * Decodes a payload for a request on `target` into values by full path. `codec` is needed for
 * TLV only. Throws ContentError (unsupported_format, undecodable, not_single_value, type_mismatch).
 */
export function decodeContent(
  format: number,
  payload: Uint8Array,
  target: Lwm2mPath,
  models: ModelRegistry,
  codec?: Codec,
): Lwm2mValues {
  const f = F.canonicalFormat(format);
  switch (f) {
    case F.CONTENT_FORMAT_TEXT:
      return decodeText(payload, target, models);
    case F.CONTENT_FORMAT_OPAQUE:
      return decodeOpaque(payload, target, models);
    case F.CONTENT_FORMAT_CBOR:
      return decodeCborSingle(payload, target, models);
    case F.CONTENT_FORMAT_TLV:
      if (!codec) throw new ContentError("unsupported_format", "TLV needs the wasm codec");
      return decodeTlvContent(payload, target, models, codec);
  }
  const entries = nativeEntries(f, payload, target);
  if (!entries) throw unsupported(format);
  return typeEntries(entries, target, models);
}

/**
 * Encodes values (full paths inside `target`) for a request on `target`. Throws ContentError
 * (unsupported_format, not_single_value, type_mismatch, invalid_path).
 */
export function encodeContent(
  format: number,
  values: Lwm2mValues,
  target: Lwm2mPath,
  models: ModelRegistry,
  codec?: Codec,
): Uint8Array {
  const f = F.canonicalFormat(format);
  switch (f) {
    case F.CONTENT_FORMAT_TEXT:
      return encodeText(values, target, models);
    case F.CONTENT_FORMAT_OPAQUE:
      return encodeOpaque(values, target, models);
    case F.CONTENT_FORMAT_CBOR:
      return encodeCborSingle(values, target, models);
    case F.CONTENT_FORMAT_TLV:
      if (!codec) throw new ContentError("unsupported_format", "TLV needs the wasm codec");
      return encodeTlvContent(values, target, models, codec);
  }
  if (isSenmlJson(f)) return writeSenmlJson(recordsFor(listValues(values, target, models), target));
  if (isSenmlCbor(f)) return writeSenmlCbor(recordsFor(listValues(values, target, models), target));
  if (f === F.CONTENT_FORMAT_LWM2M_CBOR) return writeLwm2mCbor(listValues(values, target, models));
  if (f === F.CONTENT_FORMAT_LWM2M_JSON) {
    return writeLwm2mJson(listValues(values, target, models), target);
  }
  throw unsupported(format);
}

/** Values of unrelated paths: Read-/Observe-Composite responses, notifications, Send. */
export function decodeCompositeValues(
  format: number,
  payload: Uint8Array,
  models: ModelRegistry,
): Lwm2mValues {
  const f = F.canonicalFormat(format);
  if (f === F.CONTENT_FORMAT_LWM2M_JSON) throw unsupported(format, "composite values");
  const entries = nativeEntries(f, payload, ROOT);
  if (!entries) throw unsupported(format, "composite values");
  return typeEntries(entries, ROOT, models);
}

/** Write-Composite body (SenML JSON/CBOR with absolute names, or LwM2M CBOR). */
export function encodeCompositeValues(
  format: number,
  values: Lwm2mValues,
  models: ModelRegistry,
): Uint8Array {
  const f = F.canonicalFormat(format);
  if (isSenmlJson(f) || isSenmlCbor(f) || f === F.CONTENT_FORMAT_LWM2M_CBOR) {
    return encodeContent(f, values, ROOT, models);
  }
  throw unsupported(format, "composite values");
}

/** Read-/Observe-Composite request body: SenML (or SenML-ETCH) records with names only. */
export function encodeCompositePaths(format: number, paths: readonly Lwm2mPath[]): Uint8Array {
  const f = F.canonicalFormat(format);
  if (isSenmlJson(f)) return writeSenmlJsonPaths(paths);
  if (isSenmlCbor(f)) return writeSenmlCborPaths(paths);
  throw unsupported(format, "a list of paths");
}

/** The paths of a Read-/Observe-Composite request body (for the client side). */
export function decodeCompositePaths(format: number, payload: Uint8Array): Lwm2mPath[] {
  const f = F.canonicalFormat(format);
  if (isSenmlJson(f)) return senmlPaths(parseSenmlJson(payload));
  if (isSenmlCbor(f)) return senmlPaths(parseSenmlCbor(payload));
  throw unsupported(format, "a list of paths");
}

/**
 * Every value with its time (Send `/dp`, historical notifications): SenML bt + t resolved per
 * RFC 8428 §4.5.3 (at or above 2^28 absolute, else relative to `nowSec`); values without a time,
 * and every value of formats without times, get `nowSec`. A path may appear several times.
 * `target` is the root for Send.
 */
export function decodeTimestampedValues(
  format: number,
  payload: Uint8Array,
  target: Lwm2mPath,
  models: ModelRegistry,
  nowSec: number,
  codec?: Codec,
): TimestampedValue[] {
  const f = F.canonicalFormat(format);
  const entries = nativeEntries(f, payload, target);
  if (entries) return typeTimestamped(entries, target, models, nowSec);
  const values = decodeContent(f, payload, target, models, codec);
  return [...values].map(([path, value]) => ({ path, value, timeSec: nowSec }));
}
