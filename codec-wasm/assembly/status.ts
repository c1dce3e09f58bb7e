/**
 * Status codes returned by the wasm codec. Mirrors codec-wasm/status.ts (the host side), which a
 * test keeps in step. Negative = malformed input or unusable arguments; the codec never traps.
 */

export const OK: i32 = 0;
// CoAP message format errors (RFC 7252 §3, §3.1, §4.1)
export const ERR_TRUNCATED_HEADER: i32 = -1;
export const ERR_BAD_VERSION: i32 = -2;
export const ERR_TOKEN_LENGTH: i32 = -3;
export const ERR_TRUNCATED_TOKEN: i32 = -4;
export const ERR_TRUNCATED_OPTION: i32 = -5;
export const ERR_RESERVED_NIBBLE: i32 = -6;
export const ERR_EMPTY_PAYLOAD: i32 = -7;
export const ERR_OPTION_NUMBER_OVERFLOW: i32 = -8;
export const ERR_TOO_MANY_OPTIONS: i32 = -9;
export const ERR_EMPTY_MESSAGE_NOT_EMPTY: i32 = -10;
// LwM2M TLV errors (LwM2M Core §7.4.3)
export const ERR_TLV_TRUNCATED: i32 = -20;
export const ERR_TLV_LENGTH_OVERFLOW: i32 = -21;
export const ERR_TLV_NESTING: i32 = -22;
export const ERR_TLV_TOO_MANY_ENTRIES: i32 = -23;
export const ERR_TLV_VALUE_LENGTH: i32 = -24;
// Encoder and ABI errors
export const ERR_OUTPUT_TOO_SMALL: i32 = -30;
export const ERR_INPUT_TOO_LARGE: i32 = -31;
export const ERR_BAD_ARGUMENT: i32 = -32;
