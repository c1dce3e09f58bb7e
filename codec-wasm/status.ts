/**
 * Status codes shared by the wasm codec (codec-wasm/assembly/status.ts mirrors these numbers) and
 * the host wrapper. Every malformed-input class has its own negative code (DESIGN.md §3).
 * CoAP classes after RFC 7252 §3 and §3.1; TLV classes after LwM2M Core §7.4.3.
 */

export const OK = 0;
// CoAP message format errors (RFC 7252 §3, §3.1, §4.1)
export const ERR_TRUNCATED_HEADER = -1; // fewer than 4 bytes
export const ERR_BAD_VERSION = -2; // Ver != 1
export const ERR_TOKEN_LENGTH = -3; // TKL 9..15
export const ERR_TRUNCATED_TOKEN = -4; // fewer bytes than TKL
export const ERR_TRUNCATED_OPTION = -5; // option extension bytes or value run past the end
export const ERR_RESERVED_NIBBLE = -6; // delta or length nibble 15 outside the payload marker
export const ERR_EMPTY_PAYLOAD = -7; // payload marker followed by no payload
export const ERR_OPTION_NUMBER_OVERFLOW = -8; // option number above 65535
export const ERR_TOO_MANY_OPTIONS = -9; // more options than the option table holds
export const ERR_EMPTY_MESSAGE_NOT_EMPTY = -10; // code 0.00 with a token, options or payload
// LwM2M TLV errors
export const ERR_TLV_TRUNCATED = -20; // type/id/length bytes run past the end
export const ERR_TLV_LENGTH_OVERFLOW = -21; // value length runs past its container
export const ERR_TLV_NESTING = -22; // a kind inside a container that may not hold it
export const ERR_TLV_TOO_MANY_ENTRIES = -23; // more entries than the entry table holds
export const ERR_TLV_VALUE_LENGTH = -24; // a typed value of a length its type does not allow
// Encoder and ABI errors
export const ERR_OUTPUT_TOO_SMALL = -30; // encoded form larger than the output region
export const ERR_INPUT_TOO_LARGE = -31; // input cannot be placed in wasm memory
export const ERR_BAD_ARGUMENT = -32; // an encoder input that cannot be represented

/** Name of each status code, for error messages and the inspector. */
export const STATUS_NAMES: Readonly<Record<number, string>> = {
  [OK]: "OK",
  [ERR_TRUNCATED_HEADER]: "ERR_TRUNCATED_HEADER",
  [ERR_BAD_VERSION]: "ERR_BAD_VERSION",
  [ERR_TOKEN_LENGTH]: "ERR_TOKEN_LENGTH",
  [ERR_TRUNCATED_TOKEN]: "ERR_TRUNCATED_TOKEN",
  [ERR_TRUNCATED_OPTION]: "ERR_TRUNCATED_OPTION",
  [ERR_RESERVED_NIBBLE]: "ERR_RESERVED_NIBBLE",
  [ERR_EMPTY_PAYLOAD]: "ERR_EMPTY_PAYLOAD",
  [ERR_OPTION_NUMBER_OVERFLOW]: "ERR_OPTION_NUMBER_OVERFLOW",
  [ERR_TOO_MANY_OPTIONS]: "ERR_TOO_MANY_OPTIONS",
  [ERR_EMPTY_MESSAGE_NOT_EMPTY]: "ERR_EMPTY_MESSAGE_NOT_EMPTY",
  [ERR_TLV_TRUNCATED]: "ERR_TLV_TRUNCATED",
  [ERR_TLV_LENGTH_OVERFLOW]: "ERR_TLV_LENGTH_OVERFLOW",
  [ERR_TLV_NESTING]: "ERR_TLV_NESTING",
  [ERR_TLV_TOO_MANY_ENTRIES]: "ERR_TLV_TOO_MANY_ENTRIES",
  [ERR_TLV_VALUE_LENGTH]: "ERR_TLV_VALUE_LENGTH",
  [ERR_OUTPUT_TOO_SMALL]: "ERR_OUTPUT_TOO_SMALL",
  [ERR_INPUT_TOO_LARGE]: "ERR_INPUT_TOO_LARGE",
  [ERR_BAD_ARGUMENT]: "ERR_BAD_ARGUMENT",
};

/** Thrown by the object-form API on malformed input; `offset` is the byte where decoding stopped. */
export class CodecError extends Error {
  readonly code: number;
  readonly offset: number;
  constructor(code: number, offset: number) {
    super(`${STATUS_NAMES[code] ?? `status ${code}`} at offset ${offset}`);
    this.name = "CodecError";
    this.code = code;
    this.offset = offset;
  }
}
