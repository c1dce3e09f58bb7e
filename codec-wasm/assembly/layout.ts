/**
 * Static memory regions of the codec ABI (DESIGN.md §3). The host copies input bytes into INPUT,
 * calls an entry point, and reads fixed-stride i32 tables through typed-array views. Nothing is
 * allocated per message. Inputs or outputs larger than the default regions take the slower path
 * `reserve()`, which grows linear memory once and moves that region to the new pages.
 */

import { ERR_BAD_ARGUMENT, ERR_INPUT_TOO_LARGE, OK } from "./status";

/** Default INPUT and OUTPUT capacities: 64 KiB each (a CoAP datagram is at most 64 KiB). */
export const DEFAULT_INPUT_CAPACITY: i32 = 65536;
export const DEFAULT_OUTPUT_CAPACITY: i32 = 65536;

/** Message table: one row per decoded message (batch: one per datagram). Field indexes below. */
export const MSG_STRIDE: i32 = 12;
export const MSG_STATUS: i32 = 0; // OK or a negative status
export const MSG_ERROR_OFFSET: i32 = 1; // byte offset where decoding stopped (on error)
export const MSG_TYPE: i32 = 2;
export const MSG_TOKEN_LENGTH: i32 = 3;
export const MSG_CODE: i32 = 4;
export const MSG_MESSAGE_ID: i32 = 5;
export const MSG_TOKEN_OFFSET: i32 = 6; // relative to the message start (always 4)
export const MSG_OPTION_START: i32 = 7; // first row in the option table
export const MSG_OPTION_COUNT: i32 = 8;
export const MSG_PAYLOAD_OFFSET: i32 = 9; // relative to the message start
export const MSG_PAYLOAD_LENGTH: i32 = 10;
export const MSG_LENGTH: i32 = 11; // decode: the datagram length
export const MAX_BATCH: i32 = 1024;

/** Option table rows: number, value offset (relative to the message start), value length. */
export const OPT_STRIDE: i32 = 3;
export const MAX_OPTIONS: i32 = 16384;

/** TLV table rows: parent row (-1 at top level), kind (0..3), id, value offset, value length. */
export const TLV_STRIDE: i32 = 5;
export const TLV_PARENT: i32 = 0;
export const TLV_KIND: i32 = 1;
export const TLV_ID: i32 = 2;
export const TLV_VALUE_OFFSET: i32 = 3;
export const TLV_VALUE_LENGTH: i32 = 4; // for containers: the length of the children's bytes
export const MAX_TLV_ENTRIES: i32 = 8192;

/** Batch input table rows: datagram offset in INPUT, datagram length. */
export const BATCH_STRIDE: i32 = 2;

export const MSG_TABLE: usize = memory.data(MSG_STRIDE * MAX_BATCH * 4, 16);
export const OPT_TABLE: usize = memory.data(OPT_STRIDE * MAX_OPTIONS * 4, 16);
export const TLV_TABLE: usize = memory.data(TLV_STRIDE * MAX_TLV_ENTRIES * 4, 16);
export const BATCH_TABLE: usize = memory.data(BATCH_STRIDE * MAX_BATCH * 4, 16);
const DEFAULT_INPUT: usize = memory.data(DEFAULT_INPUT_CAPACITY, 16);
const DEFAULT_OUTPUT: usize = memory.data(DEFAULT_OUTPUT_CAPACITY, 16);

let inputPtr: usize = DEFAULT_INPUT;
let inputCap: i32 = DEFAULT_INPUT_CAPACITY;
let outputPtr: usize = DEFAULT_OUTPUT;
let outputCap: i32 = DEFAULT_OUTPUT_CAPACITY;

export function input(): usize {
  return inputPtr;
}
export function inputCapacity(): i32 {
  return inputCap;
}
export function output(): usize {
  return outputPtr;
}
export function outputCapacity(): i32 {
  return outputCap;
}

/** Grows memory by enough pages for `bytes` and returns the start of the new area, or 0. */
function growFor(bytes: i32): usize {
  const pages = (bytes + 0xffff) >>> 16;
  const before = memory.grow(pages);
  if (before < 0) return 0;
  return (<usize> before) << 16;
}

/**
 * The slower path for large inputs/outputs: makes INPUT hold at least `inputBytes` and OUTPUT at
 * least `outputBytes`, moving a region to freshly grown pages when it is too small. The old
 * contents are not kept. Returns OK or ERR_INPUT_TOO_LARGE. Host views must be re-created after.
 */
export function reserve(inputBytes: i32, outputBytes: i32): i32 {
  if (inputBytes < 0 || outputBytes < 0) return ERR_BAD_ARGUMENT;
  if (inputBytes > inputCap) {
    const p = growFor(inputBytes);
    if (p == 0) return ERR_INPUT_TOO_LARGE;
    inputPtr = p;
    inputCap = ((inputBytes + 0xffff) >>> 16) << 16;
  }
  if (outputBytes > outputCap) {
    const p = growFor(outputBytes);
    if (p == 0) return ERR_INPUT_TOO_LARGE;
    outputPtr = p;
    outputCap = ((outputBytes + 0xffff) >>> 16) << 16;
  }
  return OK;
}
