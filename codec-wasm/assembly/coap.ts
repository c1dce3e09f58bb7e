/**
 * CoAP message decoder and encoder over the static regions of layout.ts (RFC 7252 §3, §3.1).
 * Decode fills one message-table row and option-table rows; encode reads the same rows plus the
 * token, option values and payload from INPUT and writes the datagram into OUTPUT.
 */

import {
  MAX_OPTIONS,
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
} from "./layout";
import {
  ERR_BAD_ARGUMENT,
  ERR_BAD_VERSION,
  ERR_EMPTY_MESSAGE_NOT_EMPTY,
  ERR_EMPTY_PAYLOAD,
  ERR_OPTION_NUMBER_OVERFLOW,
  ERR_OUTPUT_TOO_SMALL,
  ERR_RESERVED_NIBBLE,
  ERR_TOKEN_LENGTH,
  ERR_TOO_MANY_OPTIONS,
  ERR_TRUNCATED_HEADER,
  ERR_TRUNCATED_OPTION,
  ERR_TRUNCATED_TOKEN,
  OK,
} from "./status";

/** RFC 7252 §3: Ver is 1; §3.1: option nibble 13/14 extensions; 0xFF payload marker. */
const COAP_VERSION: u32 = 1;
const PAYLOAD_MARKER: u32 = 0xff;
const MAX_OPTION_NUMBER: i32 = 65535;
const MAX_OPTION_LENGTH: i32 = 65535 + 269; // 14-form extension: uint16 + 269

function row(msgIndex: i32, field: i32): usize {
  return MSG_TABLE + (<usize> (msgIndex * MSG_STRIDE + field) << 2);
}

function optRow(optIndex: i32, field: i32): usize {
  return OPT_TABLE + (<usize> (optIndex * OPT_STRIDE + field) << 2);
}

function fail(msgIndex: i32, status: i32, offset: i32): i32 {
  store<i32>(row(msgIndex, MSG_STATUS), status);
  store<i32>(row(msgIndex, MSG_ERROR_OFFSET), offset);
  return status;
}

/**
 * Decodes the datagram at `ptr` (length `len`) into message row `msgIndex`, writing its options
 * from option row `optStart`. Offsets in the tables are relative to `ptr`. Returns OK or a
 * negative status; the status and failing offset are also in the row.
 */
export function decodeCoapAt(ptr: usize, len: i32, msgIndex: i32, optStart: i32): i32 {
  store<i32>(row(msgIndex, MSG_LENGTH), len);
  store<i32>(row(msgIndex, MSG_OPTION_START), optStart);
  store<i32>(row(msgIndex, MSG_OPTION_COUNT), 0);
  if (len < 4) return fail(msgIndex, ERR_TRUNCATED_HEADER, len < 0 ? 0 : len);
  const b0 = <u32> load<u8>(ptr);
  if ((b0 >> 6) != COAP_VERSION) return fail(msgIndex, ERR_BAD_VERSION, 0);
  const tkl = <i32> (b0 & 0x0f);
  if (tkl > 8) return fail(msgIndex, ERR_TOKEN_LENGTH, 0);
  if (len < 4 + tkl) return fail(msgIndex, ERR_TRUNCATED_TOKEN, len);
  const code = <i32> load<u8>(ptr, 1);
  // RFC 7252 §4.1: an Empty message (0.00) has TKL 0 and nothing after the Message ID.
  if (code == 0 && len != 4) return fail(msgIndex, ERR_EMPTY_MESSAGE_NOT_EMPTY, 4);
  store<i32>(row(msgIndex, MSG_TYPE), <i32> ((b0 >> 4) & 3));
  store<i32>(row(msgIndex, MSG_TOKEN_LENGTH), tkl);
  store<i32>(row(msgIndex, MSG_CODE), code);
  store<i32>(row(msgIndex, MSG_MESSAGE_ID), (<i32> load<u8>(ptr, 2) << 8) | <i32> load<u8>(ptr, 3));
  store<i32>(row(msgIndex, MSG_TOKEN_OFFSET), 4);

  let pos = 4 + tkl;
  let number = 0;
  let count = 0;
  let payloadOffset = len;
  while (pos < len) {
    const head = <u32> load<u8>(ptr + <usize> pos);
    if (head == PAYLOAD_MARKER) {
      if (pos + 1 == len) return fail(msgIndex, ERR_EMPTY_PAYLOAD, pos);
      payloadOffset = pos + 1;
      break;
    }
    const start = pos;
    let delta = <i32> (head >> 4);
    let length = <i32> (head & 0x0f);
    if (delta == 15 || length == 15) return fail(msgIndex, ERR_RESERVED_NIBBLE, start);
    pos++;
    if (delta == 13) {
      if (pos + 1 > len) return fail(msgIndex, ERR_TRUNCATED_OPTION, start);
      delta = <i32> load<u8>(ptr + <usize> pos) + 13;
      pos += 1;
    } else if (delta == 14) {
      if (pos + 2 > len) return fail(msgIndex, ERR_TRUNCATED_OPTION, start);
      delta = ((<i32> load<u8>(ptr + <usize> pos) << 8) | <i32> load<u8>(ptr + <usize> pos, 1)) +
        269;
      pos += 2;
    }
    if (length == 13) {
      if (pos + 1 > len) return fail(msgIndex, ERR_TRUNCATED_OPTION, start);
      length = <i32> load<u8>(ptr + <usize> pos) + 13;
      pos += 1;
    } else if (length == 14) {
      if (pos + 2 > len) return fail(msgIndex, ERR_TRUNCATED_OPTION, start);
      length = ((<i32> load<u8>(ptr + <usize> pos) << 8) | <i32> load<u8>(ptr + <usize> pos, 1)) +
        269;
      pos += 2;
    }
    if (length > len - pos) return fail(msgIndex, ERR_TRUNCATED_OPTION, start);
    number += delta;
    if (number > MAX_OPTION_NUMBER) return fail(msgIndex, ERR_OPTION_NUMBER_OVERFLOW, start);
    if (optStart + count >= MAX_OPTIONS) return fail(msgIndex, ERR_TOO_MANY_OPTIONS, start);
    const o = optStart + count;
    store<i32>(optRow(o, 0), number);
    store<i32>(optRow(o, 1), pos);
    store<i32>(optRow(o, 2), length);
    count++;
    pos += length;
  }
  store<i32>(row(msgIndex, MSG_OPTION_COUNT), count);
  store<i32>(row(msgIndex, MSG_PAYLOAD_OFFSET), payloadOffset);
  store<i32>(row(msgIndex, MSG_PAYLOAD_LENGTH), len - payloadOffset);
  store<i32>(row(msgIndex, MSG_STATUS), OK);
  store<i32>(row(msgIndex, MSG_ERROR_OFFSET), 0);
  return OK;
}

/** Bytes needed to encode an option nibble extension for value `v` (0, 1 or 2). */
function extensionSize(v: i32): i32 {
  return v < 13 ? 0 : v < 269 ? 1 : 2;
}

function nibble(v: i32): u32 {
  return v < 13 ? <u32> v : v < 269 ? 13 : 14;
}

/** Writes the extension bytes for value `v` at `p`; returns the new write position. */
function writeExtension(p: usize, v: i32): usize {
  if (v >= 269) {
    const x = v - 269;
    store<u8>(p, <u8> (x >> 8));
    store<u8>(p, <u8> x, 1);
    return p + 2;
  }
  if (v >= 13) {
    store<u8>(p, <u8> (v - 13));
    return p + 1;
  }
  return p;
}

/** True when [offset, offset+length) lies inside a source region of `cap` bytes. */
function inside(offset: i32, length: i32, cap: i32): bool {
  return offset >= 0 && length >= 0 && offset <= cap && length <= cap - offset;
}

/**
 * Encodes message row 0 with option rows [0, optionCount) into `out` (capacity `outCap`). The
 * token, option values and payload are read from `src` (capacity `srcCap`) at the offsets in the
 * rows. Options must be ascending by number. Returns the byte count, ERR_OUTPUT_TOO_SMALL or
 * ERR_BAD_ARGUMENT.
 */
export function encodeCoapFrom(src: usize, srcCap: i32, out: usize, outCap: i32): i32 {
  const type = load<i32>(row(0, MSG_TYPE));
  const tkl = load<i32>(row(0, MSG_TOKEN_LENGTH));
  const code = load<i32>(row(0, MSG_CODE));
  const mid = load<i32>(row(0, MSG_MESSAGE_ID));
  const tokenOffset = load<i32>(row(0, MSG_TOKEN_OFFSET));
  const optionCount = load<i32>(row(0, MSG_OPTION_COUNT));
  const payloadOffset = load<i32>(row(0, MSG_PAYLOAD_OFFSET));
  const payloadLength = load<i32>(row(0, MSG_PAYLOAD_LENGTH));
  if (<u32> type > 3 || <u32> tkl > 8 || <u32> code > 255 || <u32> mid > 0xffff) {
    return ERR_BAD_ARGUMENT;
  }
  if (<u32> optionCount > <u32> MAX_OPTIONS) return ERR_BAD_ARGUMENT;
  if (!inside(tokenOffset, tkl, srcCap) || !inside(payloadOffset, payloadLength, srcCap)) {
    return ERR_BAD_ARGUMENT;
  }
  // RFC 7252 §4.1: an Empty message carries nothing after the Message ID.
  if (code == 0 && (tkl != 0 || optionCount != 0 || payloadLength != 0)) return ERR_BAD_ARGUMENT;
  // First pass: validate and size.
  let size = 4 + tkl;
  let previous = 0;
  for (let i = 0; i < optionCount; i++) {
    const number = load<i32>(optRow(i, 0));
    const length = load<i32>(optRow(i, 2));
    if (number < previous || number > MAX_OPTION_NUMBER) return ERR_BAD_ARGUMENT;
    if (length > MAX_OPTION_LENGTH || !inside(load<i32>(optRow(i, 1)), length, srcCap)) {
      return ERR_BAD_ARGUMENT;
    }
    const delta = number - previous;
    size += 1 + extensionSize(delta) + extensionSize(length) + length;
    previous = number;
  }
  if (payloadLength > outCap) return ERR_OUTPUT_TOO_SMALL;
  if (payloadLength > 0) size += 1 + payloadLength;
  if (size > outCap) return ERR_OUTPUT_TOO_SMALL;

  // Second pass: write.
  store<u8>(out, <u8> ((COAP_VERSION << 6) | (<u32> type << 4) | <u32> tkl));
  store<u8>(out, <u8> code, 1);
  store<u8>(out, <u8> (mid >> 8), 2);
  store<u8>(out, <u8> mid, 3);
  memory.copy(out + 4, src + <usize> tokenOffset, <usize> tkl);
  let p = out + 4 + <usize> tkl;
  previous = 0;
  for (let i = 0; i < optionCount; i++) {
    const number = load<i32>(optRow(i, 0));
    const offset = load<i32>(optRow(i, 1));
    const length = load<i32>(optRow(i, 2));
    const delta = number - previous;
    store<u8>(p, <u8> ((nibble(delta) << 4) | nibble(length)));
    p = writeExtension(p + 1, delta);
    p = writeExtension(p, length);
    memory.copy(p, src + <usize> offset, <usize> length);
    p += <usize> length;
    previous = number;
  }
  if (payloadLength > 0) {
    store<u8>(p, <u8> PAYLOAD_MARKER);
    memory.copy(p + 1, src + <usize> payloadOffset, <usize> payloadLength);
  }
  return size;
}
