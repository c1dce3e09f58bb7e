/**
 * The codec's table layout as the host sees it (mirrors codec-wasm/assembly/layout.ts; the
 * loader checks each number against the wasm module's exported globals, so drift fails at load).
 * DESIGN.md §3: fixed-stride i32 rows the host reads through typed-array views.
 */

/** Message table row: one per decoded datagram. */
export const MSG_STRIDE = 12;
export const MSG_STATUS = 0;
export const MSG_ERROR_OFFSET = 1;
export const MSG_TYPE = 2;
export const MSG_TOKEN_LENGTH = 3;
export const MSG_CODE = 4;
export const MSG_MESSAGE_ID = 5;
export const MSG_TOKEN_OFFSET = 6;
export const MSG_OPTION_START = 7;
export const MSG_OPTION_COUNT = 8;
export const MSG_PAYLOAD_OFFSET = 9;
export const MSG_PAYLOAD_LENGTH = 10;
export const MSG_LENGTH = 11;
/** Most datagrams one batch call decodes. */
export const MAX_BATCH = 1024;

/** Option table row: number, value offset, value length. */
export const OPT_STRIDE = 3;
/** Option rows in the table: one message (or one batch) holds at most this many options. */
export const MAX_OPTIONS = 16384;

/** TLV table row: parent row (-1 = top level), kind, id, value offset, value length. */
export const TLV_STRIDE = 5;
export const TLV_PARENT = 0;
export const TLV_KIND = 1;
export const TLV_ID = 2;
export const TLV_VALUE_OFFSET = 3;
export const TLV_VALUE_LENGTH = 4;
/** TLV entries one decode or encode handles. */
export const MAX_TLV_ENTRIES = 8192;

/** Batch table row: datagram offset in INPUT, datagram length. */
export const BATCH_STRIDE = 2;

/** Every constant above by its export name, for the load-time check. */
export const ABI_CONSTANTS: Readonly<Record<string, number>> = {
  MSG_STRIDE,
  MSG_STATUS,
  MSG_ERROR_OFFSET,
  MSG_TYPE,
  MSG_TOKEN_LENGTH,
  MSG_CODE,
  MSG_MESSAGE_ID,
  MSG_TOKEN_OFFSET,
  MSG_OPTION_START,
  MSG_OPTION_COUNT,
  MSG_PAYLOAD_OFFSET,
  MSG_PAYLOAD_LENGTH,
  MSG_LENGTH,
  MAX_BATCH,
  OPT_STRIDE,
  MAX_OPTIONS,
  TLV_STRIDE,
  TLV_PARENT,
  TLV_KIND,
  TLV_ID,
  TLV_VALUE_OFFSET,
  TLV_VALUE_LENGTH,
  MAX_TLV_ENTRIES,
  BATCH_STRIDE,
};
