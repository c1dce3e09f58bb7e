/**
 * Content-format choice on the client side (LwM2M Core §7.4 and §6.3; spec digest
 * data-formats.md §1 and §7): the format of a Read/Observe answer from the Accept option (4.06
 * when it cannot carry the target), the default without Accept (text or opaque for one value,
 * TLV otherwise), the formats of composite answers, and the formats accepted in Write/Create
 * bodies (4.15 otherwise). Pure.
 */

import {
  canonicalFormat,
  CONTENT_FORMAT_CBOR,
  CONTENT_FORMAT_LWM2M_CBOR,
  CONTENT_FORMAT_LWM2M_JSON,
  CONTENT_FORMAT_OPAQUE,
  CONTENT_FORMAT_SENML_CBOR,
  CONTENT_FORMAT_SENML_ETCH_CBOR,
  CONTENT_FORMAT_SENML_ETCH_JSON,
  CONTENT_FORMAT_SENML_JSON,
  CONTENT_FORMAT_TEXT,
  CONTENT_FORMAT_TLV,
} from "../lwm2m/content/mod.ts";

/** Formats a client answers reads in (advertised in Register as ct=, data-formats.md §1). */
export const ADVERTISED_FORMATS: readonly number[] = [
  CONTENT_FORMAT_SENML_JSON,
  CONTENT_FORMAT_SENML_CBOR,
  CONTENT_FORMAT_TLV,
  CONTENT_FORMAT_LWM2M_CBOR,
];

const MULTI = new Set<number>([
  CONTENT_FORMAT_TLV,
  CONTENT_FORMAT_SENML_JSON,
  CONTENT_FORMAT_SENML_CBOR,
  CONTENT_FORMAT_LWM2M_CBOR,
]);

/** What is read: the path depth and, for one value, whether it is opaque. */
export interface ReadTarget {
  depth: number;
  /** True for one resource value (single resource or resource instance). */
  singleValue: boolean;
  opaque: boolean;
}

/**
 * The format to answer a Read/Observe in, or null for 4.06 Not Acceptable. LwM2M JSON (11543)
 * is refused: LwM2M 1.1 clients must not send it.
 */
export function readFormat(accept: number | undefined, target: ReadTarget): number | null {
  if (accept === undefined) {
    if (!target.singleValue) return CONTENT_FORMAT_TLV;
    return target.opaque ? CONTENT_FORMAT_OPAQUE : CONTENT_FORMAT_TEXT;
  }
  const f = canonicalFormat(accept);
  if (f === CONTENT_FORMAT_LWM2M_JSON) return null;
  if (MULTI.has(f)) return target.depth === 0 ? null : accept;
  if (f === CONTENT_FORMAT_TEXT || f === CONTENT_FORMAT_CBOR) return target.singleValue ? f : null;
  if (f === CONTENT_FORMAT_OPAQUE) return target.singleValue && target.opaque ? f : null;
  return null;
}

/** Formats of Read-/Observe-Composite answers and Send (lwm2m-interfaces.md §3.1, §5). */
export function compositeFormat(accept: number | undefined, requestFormat: number): number | null {
  const f = accept === undefined ? requestFormat : canonicalFormat(accept);
  if (f === CONTENT_FORMAT_SENML_ETCH_JSON) return CONTENT_FORMAT_SENML_JSON;
  if (f === CONTENT_FORMAT_SENML_ETCH_CBOR) return CONTENT_FORMAT_SENML_CBOR;
  return f === CONTENT_FORMAT_SENML_JSON || f === CONTENT_FORMAT_SENML_CBOR ||
      f === CONTENT_FORMAT_LWM2M_CBOR
    ? f
    : null;
}

/** Formats of composite request bodies (paths): SenML JSON/CBOR and their ETCH forms. */
export function isCompositePathFormat(f: number): boolean {
  return f === CONTENT_FORMAT_SENML_JSON || f === CONTENT_FORMAT_SENML_CBOR ||
    f === CONTENT_FORMAT_SENML_ETCH_JSON || f === CONTENT_FORMAT_SENML_ETCH_CBOR;
}

/** Formats of Write-Composite bodies (values). */
export function isCompositeValueFormat(f: number): boolean {
  return f === CONTENT_FORMAT_SENML_JSON || f === CONTENT_FORMAT_SENML_CBOR ||
    f === CONTENT_FORMAT_LWM2M_CBOR;
}

/** Formats that can carry several values (Create, instance-level writes). */
export function isMultiValueFormat(format: number): boolean {
  return MULTI.has(canonicalFormat(format)) ||
    canonicalFormat(format) === CONTENT_FORMAT_LWM2M_JSON;
}
