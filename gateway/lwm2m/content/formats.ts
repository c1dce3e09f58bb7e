/**
 * Content-Format numbers of LwM2M (spec digest data-formats.md §1; numbers in
 * codec-wasm/coap_registry.ts) and the names the HTTP API accepts in `?format=` (DESIGN.md §6).
 * The pre-IANA numbers 1542 (TLV) and 1543 (LwM2M JSON) are accepted as aliases.
 */

import { CONTENT_FORMAT } from "../../../codec-wasm/coap_registry.ts";

export const CONTENT_FORMAT_TEXT = CONTENT_FORMAT.TEXT; // 0
export const CONTENT_FORMAT_LINK = CONTENT_FORMAT.LINK_FORMAT; // 40
export const CONTENT_FORMAT_OPAQUE = CONTENT_FORMAT.OPAQUE; // 42
export const CONTENT_FORMAT_CBOR = CONTENT_FORMAT.CBOR; // 60
export const CONTENT_FORMAT_SENML_JSON = CONTENT_FORMAT.SENML_JSON; // 110
export const CONTENT_FORMAT_SENML_CBOR = CONTENT_FORMAT.SENML_CBOR; // 112
export const CONTENT_FORMAT_SENML_ETCH_JSON = CONTENT_FORMAT.SENML_ETCH_JSON; // 320 (RFC 8790)
export const CONTENT_FORMAT_SENML_ETCH_CBOR = CONTENT_FORMAT.SENML_ETCH_CBOR; // 322 (RFC 8790)
export const CONTENT_FORMAT_TLV = CONTENT_FORMAT.TLV; // 11542
export const CONTENT_FORMAT_LWM2M_JSON = CONTENT_FORMAT.LWM2M_JSON; // 11543
export const CONTENT_FORMAT_LWM2M_CBOR = CONTENT_FORMAT.LWM2M_CBOR; // 11544
export const CONTENT_FORMAT_TLV_OLD = CONTENT_FORMAT.TLV_OLD; // 1542
export const CONTENT_FORMAT_LWM2M_JSON_OLD = CONTENT_FORMAT.LWM2M_JSON_OLD; // 1543

/** `?format=` names (DESIGN.md §6). "json" is the legacy LwM2M JSON (11543). */
export const FORMAT_BY_NAME: Readonly<Record<string, number>> = {
  "text": CONTENT_FORMAT_TEXT,
  "opaque": CONTENT_FORMAT_OPAQUE,
  "tlv": CONTENT_FORMAT_TLV,
  "cbor": CONTENT_FORMAT_CBOR,
  "senml-json": CONTENT_FORMAT_SENML_JSON,
  "senml-cbor": CONTENT_FORMAT_SENML_CBOR,
  "lwm2m-cbor": CONTENT_FORMAT_LWM2M_CBOR,
  "json": CONTENT_FORMAT_LWM2M_JSON,
};

/** The value formats the content codecs decode (after alias resolution). */
export const VALUE_FORMATS: readonly number[] = [
  CONTENT_FORMAT_TEXT,
  CONTENT_FORMAT_OPAQUE,
  CONTENT_FORMAT_CBOR,
  CONTENT_FORMAT_SENML_JSON,
  CONTENT_FORMAT_SENML_CBOR,
  CONTENT_FORMAT_SENML_ETCH_JSON,
  CONTENT_FORMAT_SENML_ETCH_CBOR,
  CONTENT_FORMAT_TLV,
  CONTENT_FORMAT_LWM2M_JSON,
  CONTENT_FORMAT_LWM2M_CBOR,
];

/** Maps the pre-IANA aliases 1542 and 1543 to 11542 and 11543; other numbers pass through. */
export function canonicalFormat(format: number): number {
  if (format === CONTENT_FORMAT_TLV_OLD) return CONTENT_FORMAT_TLV;
  if (format === CONTENT_FORMAT_LWM2M_JSON_OLD) return CONTENT_FORMAT_LWM2M_JSON;
  return format;
}

/**
 * Parses a `?format=` value: a name of FORMAT_BY_NAME (case-insensitive) or a decimal number
 * (0..65535, aliases resolved). Undefined when it is neither.
 */
export function parseFormat(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (Object.hasOwn(FORMAT_BY_NAME, t)) return FORMAT_BY_NAME[t];
  if (!/^\d{1,5}$/.test(t)) return undefined;
  const n = Number(t);
  return n <= 0xffff ? canonicalFormat(n) : undefined;
}

/** The `?format=` name of a format number, or its decimal string when it has none. */
export function formatName(format: number): string {
  const f = canonicalFormat(format);
  for (const [name, n] of Object.entries(FORMAT_BY_NAME)) if (n === f) return name;
  return String(format);
}

/** Formats that carry exactly one resource or resource-instance value. */
export function isSingleValueFormat(format: number): boolean {
  return format === CONTENT_FORMAT_TEXT || format === CONTENT_FORMAT_OPAQUE ||
    format === CONTENT_FORMAT_CBOR;
}
