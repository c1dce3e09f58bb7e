/**
 * Entry points of the codec wasm module (DESIGN.md §3): the host writes bytes into INPUT (and, to
 * encode, rows into the tables), calls one of these, and reads the tables or OUTPUT back.
 * Every function returns a status (OK or a negative code from status.ts) or a count; none traps.
 */

import {
  BATCH_STRIDE,
  BATCH_TABLE,
  input,
  inputCapacity,
  MAX_BATCH,
  MSG_OPTION_COUNT,
  MSG_STRIDE,
  MSG_TABLE,
  output,
  outputCapacity,
} from "./layout";
import { decodeCoapAt, encodeCoapFrom } from "./coap";
import { decodeTlvAt, encodeTlvFrom } from "./tlv";
import { ERR_BAD_ARGUMENT, ERR_INPUT_TOO_LARGE, OK } from "./status";

export * from "./status";
export {
  BATCH_STRIDE,
  BATCH_TABLE,
  DEFAULT_INPUT_CAPACITY,
  DEFAULT_OUTPUT_CAPACITY,
  input,
  inputCapacity,
  MAX_BATCH,
  MAX_OPTIONS,
  MAX_TLV_ENTRIES,
  MSG_CODE,
  MSG_ERROR_OFFSET,
  MSG_LENGTH,
  MSG_MESSAGE_ID,
  MSG_OPTION_COUNT,
  MSG_OPTION_START,
  MSG_PAYLOAD_LENGTH,
  MSG_PAYLOAD_OFFSET,
  MSG_STATUS,
  MSG_STRIDE,
  MSG_TABLE,
  MSG_TOKEN_LENGTH,
  MSG_TOKEN_OFFSET,
  MSG_TYPE,
  OPT_STRIDE,
  OPT_TABLE,
  output,
  outputCapacity,
  reserve,
  TLV_ID,
  TLV_KIND,
  TLV_PARENT,
  TLV_STRIDE,
  TLV_TABLE,
  TLV_VALUE_LENGTH,
  TLV_VALUE_OFFSET,
} from "./layout";
export { tlvErrorOffset } from "./tlv";

/** Decodes the datagram in INPUT[0, len) into message row 0 and option rows from 0. */
export function decodeCoap(len: i32): i32 {
  if (len > inputCapacity()) return ERR_INPUT_TOO_LARGE;
  return decodeCoapAt(input(), len, 0, 0);
}

/**
 * Decodes `count` datagrams placed in INPUT as described by the batch table (offset, length per
 * row) into message rows 0..count-1; each row's options follow the previous row's in the option
 * table. Returns the number of rows decoded without error, or ERR_BAD_ARGUMENT. A row whose
 * options do not fit the option table gets ERR_TOO_MANY_OPTIONS (decode it alone instead).
 */
export function decodeCoapBatch(count: i32): i32 {
  if (count < 0 || count > MAX_BATCH) return ERR_BAD_ARGUMENT;
  const base = input();
  const cap = inputCapacity();
  let optionCursor = 0;
  let ok = 0;
  for (let i = 0; i < count; i++) {
    const offset = load<i32>(BATCH_TABLE + (<usize> (i * BATCH_STRIDE) << 2));
    const length = load<i32>(BATCH_TABLE + (<usize> (i * BATCH_STRIDE + 1) << 2));
    let status: i32;
    if (offset < 0 || length < 0 || offset > cap || length > cap - offset) {
      status = ERR_BAD_ARGUMENT;
      store<i32>(MSG_TABLE + (<usize> (i * MSG_STRIDE) << 2), status);
    } else {
      status = decodeCoapAt(base + <usize> offset, length, i, optionCursor);
    }
    if (status == OK) {
      ok++;
      optionCursor += load<i32>(MSG_TABLE + (<usize> (i * MSG_STRIDE + MSG_OPTION_COUNT) << 2));
    }
  }
  return ok;
}

/** Encodes message row 0 and its option rows (values in INPUT) into OUTPUT; returns bytes. */
export function encodeCoap(): i32 {
  return encodeCoapFrom(input(), inputCapacity(), output(), outputCapacity());
}

/** Decodes the TLV in INPUT[0, len) into TLV rows; returns the row count or a status. */
export function decodeTlv(len: i32): i32 {
  if (len > inputCapacity()) return ERR_INPUT_TOO_LARGE;
  return decodeTlvAt(input(), len);
}

/** Encodes `count` TLV rows (leaf values in INPUT) into OUTPUT; returns bytes or a status. */
export function encodeTlv(count: i32): i32 {
  return encodeTlvFrom(count, input(), inputCapacity(), output(), outputCapacity());
}
