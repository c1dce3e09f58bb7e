/**
 * The one error type of the content codecs (DESIGN.md §2 "protocol failures are values" at the
 * async boundary): every payload that cannot become typed values, and every value that cannot be
 * written in a format, ends here with a code the callers map to an HTTP status or a CoAP code
 * (LwM2M Core §6.3: 4.00, 4.06, 4.15).
 */

export type ContentErrorCode =
  /** The format is unknown, or cannot express this target (e.g. TLV at the root). */
  | "unsupported_format"
  /** The payload is malformed for its format, or names paths outside the target. */
  | "undecodable"
  /** A single-value format (text, opaque, CBOR) for an instance, object or multi resource. */
  | "not_single_value"
  /** A value does not fit the resource's model type or range. */
  | "type_mismatch"
  /** A value to encode has a malformed path, or one outside the target. */
  | "invalid_path";

export class ContentError extends Error {
  readonly code: ContentErrorCode;
  constructor(code: ContentErrorCode, message: string) {
    super(message);
    this.name = "ContentError";
    this.code = code;
  }
}

export function undecodable(message: string): ContentError {
  return new ContentError("undecodable", message);
}

export function typeMismatch(message: string): ContentError {
  return new ContentError("type_mismatch", message);
}
