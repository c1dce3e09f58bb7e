/**
 * The DTLS 1.2 record layer framing (RFC 6347 §4.1, security.md §3): splitting a datagram into
 * records (several per datagram, never spanning datagrams), the 13-byte header, and RFC 9146 §4's
 * tls12_cid header (type 25 ‖ version ‖ epoch ‖ seq ‖ cid ‖ length), whose CID length the receiver
 * must know. A malformed record ends the datagram: what was parsed before it is kept.
 */

import { writeU16, writeU48 } from "./bytes.ts";
import type { RecordMeta } from "./cipher.ts";
import { CONTENT_TLS12_CID, RECORD_HEADER_LENGTH } from "./constants.ts";

export interface DtlsRecord extends RecordMeta {
  fragment: Uint8Array;
}

/** RFC 6347 §4.1.2.1 / RFC 5246 §6.2.3: a fragment is at most 2^14 + 2048 bytes. */
const MAX_FRAGMENT = 16384 + 2048;

/**
 * The records of a datagram. `cidLength` is the length of the CID this side receives in
 * tls12_cid records (0 = it accepts none: such records are dropped).
 */
export function parseRecords(data: Uint8Array, cidLength: number): DtlsRecord[] {
  const out: DtlsRecord[] = [];
  let at = 0;
  while (at + RECORD_HEADER_LENGTH <= data.length) {
    const type = data[at];
    if (data[at + 1] !== 0xfe) break; // not DTLS (RFC 6347 §4.1: major version 254)
    const version = (data[at + 1] << 8) | data[at + 2];
    const epoch = (data[at + 3] << 8) | data[at + 4];
    const seq = data[at + 5] * 2 ** 40 + data[at + 6] * 2 ** 32 +
      ((data[at + 7] << 24) >>> 0) + (data[at + 8] << 16) + (data[at + 9] << 8) + data[at + 10];
    let cid: Uint8Array | null = null;
    let lengthAt = at + 11;
    if (type === CONTENT_TLS12_CID) {
      if (cidLength === 0 || lengthAt + cidLength + 2 > data.length) break;
      cid = data.subarray(lengthAt, lengthAt + cidLength);
      lengthAt += cidLength;
    }
    const length = (data[lengthAt] << 8) | data[lengthAt + 1];
    const start = lengthAt + 2;
    if (length > MAX_FRAGMENT || start + length > data.length) break;
    out.push({ type, version, epoch, seq, cid, fragment: data.subarray(start, start + length) });
    at = start + length;
  }
  return out;
}

/** Size of the header of `meta` on the wire. */
export function headerLength(meta: RecordMeta): number {
  return RECORD_HEADER_LENGTH + (meta.cid?.length ?? 0);
}

/** Writes header ‖ fragment into `out` at `at`; returns the position after it. */
export function writeRecord(
  out: Uint8Array,
  at: number,
  meta: RecordMeta,
  fragment: Uint8Array,
): number {
  out[at] = meta.type;
  writeU16(out, at + 1, meta.version);
  writeU16(out, at + 3, meta.epoch);
  writeU48(out, at + 5, meta.seq);
  let p = at + 11;
  if (meta.cid !== null) {
    out.set(meta.cid, p);
    p += meta.cid.length;
  }
  writeU16(out, p, fragment.length);
  out.set(fragment, p + 2);
  return p + 2 + fragment.length;
}

export function encodeRecord(meta: RecordMeta, fragment: Uint8Array): Uint8Array {
  const out = new Uint8Array(headerLength(meta) + fragment.length);
  writeRecord(out, 0, meta, fragment);
  return out;
}

/** Packs encoded records into one datagram. */
export function joinRecords(records: Uint8Array[]): Uint8Array {
  if (records.length === 1) return records[0];
  let n = 0;
  for (const r of records) n += r.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const r of records) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}
