/**
 * Names and value formats of CoAP codes, options and content formats, for the inspector and logs.
 * Numbers from RFC 7252 §12.1-§12.3, RFC 7641, RFC 7959, RFC 7967, RFC 8132, RFC 9175 and the
 * LwM2M content-format registrations (spec digest coap.md §1-§2.3, data-formats.md §1).
 */

export type OptionFormat = "empty" | "opaque" | "uint" | "string";

export interface OptionInfo {
  name: string;
  format: OptionFormat;
}

export const COAP_OPTIONS: Readonly<Record<number, OptionInfo>> = {
  1: { name: "If-Match", format: "opaque" },
  3: { name: "Uri-Host", format: "string" },
  4: { name: "ETag", format: "opaque" },
  5: { name: "If-None-Match", format: "empty" },
  6: { name: "Observe", format: "uint" },
  7: { name: "Uri-Port", format: "uint" },
  8: { name: "Location-Path", format: "string" },
  9: { name: "OSCORE", format: "opaque" },
  11: { name: "Uri-Path", format: "string" },
  12: { name: "Content-Format", format: "uint" },
  14: { name: "Max-Age", format: "uint" },
  15: { name: "Uri-Query", format: "string" },
  16: { name: "Hop-Limit", format: "uint" },
  17: { name: "Accept", format: "uint" },
  19: { name: "Q-Block1", format: "uint" },
  20: { name: "Location-Query", format: "string" },
  23: { name: "Block2", format: "uint" },
  27: { name: "Block1", format: "uint" },
  28: { name: "Size2", format: "uint" },
  31: { name: "Q-Block2", format: "uint" },
  35: { name: "Proxy-Uri", format: "string" },
  39: { name: "Proxy-Scheme", format: "string" },
  60: { name: "Size1", format: "uint" },
  252: { name: "Echo", format: "opaque" },
  258: { name: "No-Response", format: "uint" },
  292: { name: "Request-Tag", format: "opaque" },
};

/** Option numbers by name, for code that builds messages. */
export const OPTION = {
  IF_MATCH: 1,
  URI_HOST: 3,
  ETAG: 4,
  IF_NONE_MATCH: 5,
  OBSERVE: 6,
  URI_PORT: 7,
  LOCATION_PATH: 8,
  OSCORE: 9,
  URI_PATH: 11,
  CONTENT_FORMAT: 12,
  MAX_AGE: 14,
  URI_QUERY: 15,
  ACCEPT: 17,
  LOCATION_QUERY: 20,
  BLOCK2: 23,
  BLOCK1: 27,
  SIZE2: 28,
  PROXY_URI: 35,
  PROXY_SCHEME: 39,
  SIZE1: 60,
  ECHO: 252,
  NO_RESPONSE: 258,
  REQUEST_TAG: 292,
} as const;

/** RFC 7252 §5.4.1: odd option numbers are critical. */
export function isCriticalOption(number: number): boolean {
  return (number & 1) === 1;
}

const CODE_NAMES: Readonly<Record<number, string>> = {
  0: "Empty",
  1: "GET",
  2: "POST",
  3: "PUT",
  4: "DELETE",
  5: "FETCH",
  6: "PATCH",
  7: "iPATCH",
  65: "Created",
  66: "Deleted",
  67: "Valid",
  68: "Changed",
  69: "Content",
  95: "Continue",
  128: "Bad Request",
  129: "Unauthorized",
  130: "Bad Option",
  131: "Forbidden",
  132: "Not Found",
  133: "Method Not Allowed",
  134: "Not Acceptable",
  136: "Request Entity Incomplete",
  137: "Conflict",
  140: "Precondition Failed",
  141: "Request Entity Too Large",
  143: "Unsupported Content-Format",
  150: "Unprocessable Entity",
  157: "Too Many Requests",
  160: "Internal Server Error",
  161: "Not Implemented",
  162: "Bad Gateway",
  163: "Service Unavailable",
  164: "Gateway Timeout",
  165: "Proxying Not Supported",
};

/** "c.dd" form of a code byte, e.g. 69 -> "2.05". */
export function codeString(code: number): string {
  return `${code >> 5}.${String(code & 31).padStart(2, "0")}`;
}

/** "2.05 Content", "0.01 GET", or just "c.dd" for unregistered codes. */
export function codeName(code: number): string {
  const name = CODE_NAMES[code];
  return name ? `${codeString(code)} ${name}` : codeString(code);
}

export const COAP_TYPE_NAMES = ["CON", "NON", "ACK", "RST"] as const;

/** Content-Format numbers (data-formats.md §1). */
export const CONTENT_FORMAT = {
  TEXT: 0,
  LINK_FORMAT: 40,
  OPAQUE: 42,
  CBOR: 60,
  SENML_JSON: 110,
  SENML_CBOR: 112,
  SENML_ETCH_JSON: 320,
  SENML_ETCH_CBOR: 322,
  TLV: 11542,
  LWM2M_JSON: 11543,
  LWM2M_CBOR: 11544,
  TLV_OLD: 1542,
  LWM2M_JSON_OLD: 1543,
} as const;

export const CONTENT_FORMAT_NAMES: Readonly<Record<number, string>> = {
  0: "text/plain;charset=utf-8",
  40: "application/link-format",
  42: "application/octet-stream",
  60: "application/cbor",
  110: "application/senml+json",
  112: "application/senml+cbor",
  320: "application/senml-etch+json",
  322: "application/senml-etch+cbor",
  11542: "application/vnd.oma.lwm2m+tlv",
  11543: "application/vnd.oma.lwm2m+json",
  11544: "application/vnd.oma.lwm2m+cbor",
  1542: "application/vnd.oma.lwm2m+tlv (pre-IANA)",
  1543: "application/vnd.oma.lwm2m+json (pre-IANA)",
};
