/**
 * LwM2M TLV decoder and encoder over the static regions of layout.ts (LwM2M Core §7.4.3).
 * Entries are table rows in pre-order (a container precedes its children) with a parent index.
 * Nesting: top level any kind; an object instance holds resources and multiple resources; a
 * multiple resource holds resource instances; resources and resource instances hold a value.
 */

import {
  MAX_TLV_ENTRIES,
  TLV_ID,
  TLV_KIND,
  TLV_PARENT,
  TLV_STRIDE,
  TLV_TABLE,
  TLV_VALUE_LENGTH,
  TLV_VALUE_OFFSET,
} from "./layout";
import {
  ERR_BAD_ARGUMENT,
  ERR_OUTPUT_TOO_SMALL,
  ERR_TLV_LENGTH_OVERFLOW,
  ERR_TLV_NESTING,
  ERR_TLV_TOO_MANY_ENTRIES,
  ERR_TLV_TRUNCATED,
} from "./status";

/** Identifier kinds, type byte bits 7-6. */
export const KIND_OBJECT_INSTANCE: i32 = 0;
export const KIND_RESOURCE_INSTANCE: i32 = 1;
export const KIND_MULTIPLE_RESOURCE: i32 = 2;
export const KIND_RESOURCE: i32 = 3;
/** Pseudo parent kind for the top level. */
const TOP: i32 = -1;
/** Three length bytes at most (type bits 4-3 = 11). */
const MAX_VALUE_LENGTH: i32 = 0xffffff;

function cell(index: i32, field: i32): usize {
  return TLV_TABLE + (<usize> (index * TLV_STRIDE + field) << 2);
}

/** Whether an entry of `kind` may appear inside a container of `parentKind`. */
function allowedIn(parentKind: i32, kind: i32): bool {
  if (parentKind == TOP) return true;
  if (parentKind == KIND_OBJECT_INSTANCE) {
    return kind == KIND_RESOURCE || kind == KIND_MULTIPLE_RESOURCE;
  }
  if (parentKind == KIND_MULTIPLE_RESOURCE) return kind == KIND_RESOURCE_INSTANCE;
  return false;
}

function isContainer(kind: i32): bool {
  return kind == KIND_OBJECT_INSTANCE || kind == KIND_MULTIPLE_RESOURCE;
}

/** Error offset of the last failed decode (the byte where it stopped). */
let errorOffset: i32 = 0;
/** Rows written so far by the running decode. */
let entryCount: i32 = 0;

export function tlvErrorOffset(): i32 {
  return errorOffset;
}

/**
 * Decodes the entries in [pos, end) as children of row `parent` (kind `parentKind`). Recursion
 * depth is bounded by the nesting rules (at most three levels). Returns OK (0) or a status.
 */
function decodeLevel(ptr: usize, pos: i32, end: i32, parent: i32, parentKind: i32): i32 {
  while (pos < end) {
    const start = pos;
    const type = <i32> load<u8>(ptr + <usize> pos);
    const kind = type >> 6;
    const idSize = (type & 0x20) != 0 ? 2 : 1;
    const lengthType = (type >> 3) & 3;
    pos++;
    if (end - pos < idSize + lengthType) {
      errorOffset = start;
      return ERR_TLV_TRUNCATED;
    }
    let id = <i32> load<u8>(ptr + <usize> pos);
    if (idSize == 2) id = (id << 8) | <i32> load<u8>(ptr + <usize> pos, 1);
    pos += idSize;
    let length = type & 7;
    if (lengthType != 0) {
      length = 0;
      for (let i = 0; i < lengthType; i++) {
        length = (length << 8) | <i32> load<u8>(ptr + <usize> (pos + i));
      }
      pos += lengthType;
    }
    if (length > end - pos) {
      errorOffset = start;
      return ERR_TLV_LENGTH_OVERFLOW;
    }
    if (!allowedIn(parentKind, kind)) {
      errorOffset = start;
      return ERR_TLV_NESTING;
    }
    if (entryCount >= MAX_TLV_ENTRIES) {
      errorOffset = start;
      return ERR_TLV_TOO_MANY_ENTRIES;
    }
    const index = entryCount++;
    store<i32>(cell(index, TLV_PARENT), parent);
    store<i32>(cell(index, TLV_KIND), kind);
    store<i32>(cell(index, TLV_ID), id);
    store<i32>(cell(index, TLV_VALUE_OFFSET), pos);
    store<i32>(cell(index, TLV_VALUE_LENGTH), length);
    if (isContainer(kind)) {
      const status = decodeLevel(ptr, pos, pos + length, index, kind);
      if (status < 0) return status;
    }
    pos += length;
  }
  return 0;
}

/**
 * Decodes the TLV bytes at `ptr` (length `len`) into table rows. Returns the number of entries or
 * a negative status (the failing offset is then `tlvErrorOffset()`).
 */
export function decodeTlvAt(ptr: usize, len: i32): i32 {
  entryCount = 0;
  errorOffset = 0;
  if (len < 0) return ERR_BAD_ARGUMENT;
  const status = decodeLevel(ptr, 0, len, -1, TOP);
  return status < 0 ? status : entryCount;
}

function lengthBytes(length: i32): i32 {
  return length < 8 ? 0 : length < 0x100 ? 1 : length < 0x10000 ? 2 : 3;
}

/**
 * Encodes `count` table rows (pre-order; containers' value fields are ignored and computed) into
 * `out` (capacity `outCap`), reading leaf values from `src` (capacity `srcCap`). Rows' lengths
 * are rewritten with the computed content lengths. Returns the byte count or a negative status.
 */
export function encodeTlvFrom(count: i32, src: usize, srcCap: i32, out: usize, outCap: i32): i32 {
  if (count < 0 || count > MAX_TLV_ENTRIES) return ERR_BAD_ARGUMENT;
  // Validate rows and reset container lengths.
  for (let i = 0; i < count; i++) {
    const parent = load<i32>(cell(i, TLV_PARENT));
    const kind = load<i32>(cell(i, TLV_KIND));
    const id = load<i32>(cell(i, TLV_ID));
    if (<u32> kind > 3 || <u32> id > 0xffff || parent < -1 || parent >= i) return ERR_BAD_ARGUMENT;
    const parentKind = parent < 0 ? TOP : load<i32>(cell(parent, TLV_KIND));
    if (!allowedIn(parentKind, kind)) return ERR_TLV_NESTING;
    if (isContainer(kind)) {
      store<i32>(cell(i, TLV_VALUE_LENGTH), 0);
    } else {
      const offset = load<i32>(cell(i, TLV_VALUE_OFFSET));
      const length = load<i32>(cell(i, TLV_VALUE_LENGTH));
      if (offset < 0 || length < 0 || offset > srcCap || length > srcCap - offset) {
        return ERR_BAD_ARGUMENT;
      }
      if (length > MAX_VALUE_LENGTH) return ERR_BAD_ARGUMENT;
    }
  }
  // Children follow their parent, so a reverse walk adds each finished entry to its parent.
  let total: i64 = 0;
  for (let i = count - 1; i >= 0; i--) {
    const length = load<i32>(cell(i, TLV_VALUE_LENGTH));
    if (length > MAX_VALUE_LENGTH) return ERR_BAD_ARGUMENT;
    const id = load<i32>(cell(i, TLV_ID));
    const size = <i64> (1 + (id > 0xff ? 2 : 1) + lengthBytes(length)) + <i64> length;
    const parent = load<i32>(cell(i, TLV_PARENT));
    if (parent < 0) {
      total += size;
    } else {
      const sum = <i64> load<i32>(cell(parent, TLV_VALUE_LENGTH)) + size;
      if (sum > <i64> MAX_VALUE_LENGTH) return ERR_BAD_ARGUMENT;
      store<i32>(cell(parent, TLV_VALUE_LENGTH), <i32> sum);
    }
  }
  if (total > <i64> outCap) return ERR_OUTPUT_TOO_SMALL;
  let p = out;
  for (let i = 0; i < count; i++) {
    const kind = load<i32>(cell(i, TLV_KIND));
    const id = load<i32>(cell(i, TLV_ID));
    const length = load<i32>(cell(i, TLV_VALUE_LENGTH));
    const lb = lengthBytes(length);
    store<u8>(p, <u8> ((kind << 6) | (id > 0xff ? 0x20 : 0) | (lb << 3) | (lb == 0 ? length : 0)));
    p++;
    if (id > 0xff) {
      store<u8>(p, <u8> (id >> 8));
      p++;
    }
    store<u8>(p, <u8> id);
    p++;
    for (let b = lb - 1; b >= 0; b--) {
      store<u8>(p, <u8> (length >> (b * 8)));
      p++;
    }
    if (!isContainer(kind)) {
      memory.copy(p, src + <usize> load<i32>(cell(i, TLV_VALUE_OFFSET)), <usize> length);
      p += <usize> length;
    }
  }
  return <i32> total;
}
