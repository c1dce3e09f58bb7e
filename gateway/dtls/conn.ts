/**
 * The per-connection record machinery shared by the server and client sides of the DTLS core
 * (RFC 6347 §4.1 records, §4.1.2.6 replay detection, §4.2.3 handshake reassembly, §4.2.4 flight
 * retransmission; RFC 5246 §7.1 ChangeCipherSpec, §7.2 alerts; RFC 9146 §4-§6 CID records and
 * address updates). Role-specific handshake logic plugs in through `RoleHooks`
 * (gateway/dtls/server_handshake.ts, client_handshake.ts). Pure: effects go into `ctx.out`.
 */

import { DecodeError } from "./bytes.ts";
import type { RecordMeta } from "./cipher.ts";
import {
  ALERT_CLOSE_NOTIFY,
  ALERT_DECODE_ERROR,
  ALERT_FATAL,
  ALERT_NO_RENEGOTIATION,
  ALERT_WARNING,
  CONTENT_ALERT,
  CONTENT_APPLICATION_DATA,
  CONTENT_CHANGE_CIPHER_SPEC,
  CONTENT_HANDSHAKE,
  CONTENT_TLS12_CID,
  DTLS_1_2,
  HS_CLIENT_HELLO,
  HS_HELLO_REQUEST,
  MAX_PLAINTEXT,
  MAX_SEQUENCE,
} from "./constants.ts";
import { encodeHandshake, parseHandshakeFragments } from "./messages.ts";
import { type DtlsRecord, encodeRecord, joinRecords } from "./record.ts";
import { createReplayWindow, replayAccept, replayCheck } from "./replay.ts";
import { Sha256 } from "./sha256.ts";
import type { Conn, DtlsEffect, DtlsTiming, FlightEntry, HandshakeState } from "./types.ts";

/** A complete handshake message, in message_seq order. */
export interface HandshakeMessage {
  type: number;
  seq: number;
  epoch: number;
  body: Uint8Array;
  /** The message with its unfragmented header, as the transcript hashes it. */
  raw: Uint8Array;
}

export interface RoleHooks {
  timing: DtlsTiming;
  random(n: number): Uint8Array;
  /** Write sequence numbers reserved per store write (Infinity: no persistence). */
  reserveBlock: number;
  maxQueuedBytes: number;
  /** Largest handshake message accepted (bounds reassembly memory). */
  maxHandshakeMessage: number;
  onMessage(ctx: Ctx, conn: Conn, msg: HandshakeMessage): void;
  /** A ChangeCipherSpec arrived; true when it was expected (the read epoch then advances). */
  onChangeCipherSpec(ctx: Ctx, conn: Conn): boolean;
  /** An epoch-1 handshake record did not authenticate: another key may be tried. */
  retryOpen?(ctx: Ctx, conn: Conn, rec: DtlsRecord): Uint8Array | null;
  /** Remove the connection from every table and report it. */
  remove(ctx: Ctx, conn: Conn, reason: string): void;
  onAddressChanged(ctx: Ctx, conn: Conn, from: string): void;
}

export interface Ctx {
  out: DtlsEffect[];
  nowMs: number;
  /** Set once a flight was retransmitted while handling the current datagram. */
  retransmitted: boolean;
  hooks: RoleHooks;
}

/** Messages further ahead than this are dropped rather than buffered. */
const MAX_AHEAD = 8;
/** Records of the next epoch buffered before its ChangeCipherSpec. */
const MAX_FUTURE_RECORDS = 4;

export function newConn(role: "server" | "client", address: string, nowMs: number): Conn {
  return {
    role,
    address,
    phase: "handshake",
    session: "",
    sessionId: new Uint8Array(0),
    suite: 0xc0a8,
    master: null,
    clientRandom: new Uint8Array(32),
    serverRandom: new Uint8Array(32),
    ems: false,
    identity: new Uint8Array(0),
    endpoint: null,
    credentialRole: null,
    keyHash: "",
    readEpoch: 0,
    writeEpoch: 0,
    readCipher: null,
    writeCipher: null,
    pendingRead: null,
    pendingWrite: null,
    seq0: 0,
    seq1: 0,
    replay0: createReplayWindow(),
    replay1: createReplayWindow(),
    reservedUpTo: Infinity,
    requestedUpTo: Infinity,
    ownCid: null,
    peerCid: null,
    recvMsgSeq: 0,
    sendMsgSeq: 0,
    lastActivityMs: nowMs,
    hs: null,
    queue: [],
    queuedBytes: 0,
  };
}

export function newHandshake(step: string, timing: DtlsTiming): HandshakeState {
  return {
    step,
    transcript: new Sha256(),
    flight: null,
    deadlineMs: Infinity,
    timeoutMs: timing.initialRetransmitMs,
    retransmits: 0,
    lingerUntilMs: Infinity,
    partial: new Map(),
    future: [],
    resumed: false,
    clientHello: null,
    candidates: [],
    candidate: 0,
    cookie: new Uint8Array(0),
    offered: null,
    clientSessionId: new Uint8Array(0),
    sessionHash: null,
    displaced: null,
  };
}

/** Frames (and in epoch 1 protects) one record with the next sequence number of its epoch. */
export function sealRecord(conn: Conn, type: number, epoch: number, plain: Uint8Array): Uint8Array {
  if (epoch === 0) {
    const meta: RecordMeta = { type, version: DTLS_1_2, epoch: 0, seq: conn.seq0++, cid: null };
    return encodeRecord(meta, plain);
  }
  const cipher = conn.writeCipher!;
  const cid = conn.peerCid !== null && conn.peerCid.length > 0 ? conn.peerCid : null;
  const meta: RecordMeta = {
    type: cid ? CONTENT_TLS12_CID : type,
    version: DTLS_1_2,
    epoch,
    seq: conn.seq1++,
    cid,
  };
  let inner = plain;
  if (cid) { // RFC 9146 §4 DTLSInnerPlaintext = content ‖ real_type (no padding)
    inner = new Uint8Array(plain.length + 1);
    inner.set(plain);
    inner[plain.length] = type;
  }
  return encodeRecord(meta, cipher.seal(meta, inner));
}

/** Encodes and sends our current flight (fresh sequence numbers each time, RFC 6347 §4.2.4). */
export function transmitFlight(ctx: Ctx, conn: Conn): void {
  const flight = conn.hs?.flight;
  if (!flight) return;
  const records: Uint8Array[] = [];
  let epoch = 0;
  for (const entry of flight) {
    if (entry.kind === "ccs") {
      records.push(sealRecord(conn, CONTENT_CHANGE_CIPHER_SPEC, 0, new Uint8Array([1])));
      if (conn.pendingWrite) {
        conn.writeCipher = conn.pendingWrite;
        conn.pendingWrite = null;
        conn.writeEpoch = 1;
      }
      epoch = 1;
    } else {
      records.push(
        sealRecord(conn, CONTENT_HANDSHAKE, Math.max(entry.epoch, epoch), entry.message),
      );
    }
  }
  ctx.out.push({ kind: "send", address: conn.address, data: joinRecords(records) });
}

/** Sends a new flight; `timed` flights are retransmitted on timeout, final ones only on demand. */
export function sendFlight(ctx: Ctx, conn: Conn, flight: FlightEntry[], timed: boolean): void {
  const hs = conn.hs!;
  hs.flight = flight;
  hs.retransmits = 0;
  hs.timeoutMs = ctx.hooks.timing.initialRetransmitMs;
  hs.deadlineMs = timed ? ctx.nowMs + hs.timeoutMs : Infinity;
  transmitFlight(ctx, conn);
}

/** The peer repeated an earlier flight: repeat ours (once per datagram). */
export function retransmitOnDemand(ctx: Ctx, conn: Conn): void {
  if (ctx.retransmitted || !conn.hs?.flight) return;
  ctx.retransmitted = true;
  transmitFlight(ctx, conn);
}

/** Timer: retransmits a timed flight, doubling the timeout; false when retries are used up. */
export function retransmitOnTimer(ctx: Ctx, conn: Conn): boolean {
  const hs = conn.hs;
  if (!hs || hs.deadlineMs > ctx.nowMs) return true;
  const timing = ctx.hooks.timing;
  if (hs.retransmits >= timing.maxRetransmits) return false;
  hs.retransmits++;
  hs.timeoutMs = Math.min(hs.timeoutMs * 2, timing.maxRetransmitMs);
  hs.deadlineMs = ctx.nowMs + hs.timeoutMs;
  transmitFlight(ctx, conn);
  return true;
}

/** Appends a handshake message of ours: assigns message_seq, hashes it, returns it encoded. */
export function ownMessage(conn: Conn, type: number, body: Uint8Array): Uint8Array {
  const raw = encodeHandshake(type, conn.sendMsgSeq++, body);
  conn.hs!.transcript.update(raw);
  return raw;
}

export function sendAlert(ctx: Ctx, conn: Conn, level: number, description: number): void {
  const epoch = conn.writeCipher ? 1 : 0;
  const record = sealRecord(conn, CONTENT_ALERT, epoch, new Uint8Array([level, description]));
  ctx.out.push({ kind: "send", address: conn.address, data: record });
}

/** Aborts with a fatal alert (RFC 5246 §7.2.2) and forgets the connection. */
export function fail(ctx: Ctx, conn: Conn, description: number, reason: string): void {
  if (conn.phase === "closed") return;
  sendAlert(ctx, conn, ALERT_FATAL, description);
  ctx.hooks.remove(ctx, conn, reason);
}

/** Requests the next block of write sequence numbers unless one is outstanding. */
function requestReserve(ctx: Ctx, conn: Conn): void {
  if (conn.requestedUpTo > conn.reservedUpTo || ctx.hooks.reserveBlock === Infinity) return;
  conn.requestedUpTo = Math.max(conn.reservedUpTo, conn.seq1) + ctx.hooks.reserveBlock;
  ctx.out.push({ kind: "reserve", session: conn.session, upTo: conn.requestedUpTo });
}

function sendNow(ctx: Ctx, conn: Conn, data: Uint8Array): void {
  ctx.out.push({
    kind: "send",
    address: conn.address,
    data: sealRecord(conn, CONTENT_APPLICATION_DATA, 1, data),
  });
}

/**
 * Protects and sends application data. Data waits (bounded) while the handshake runs (client)
 * or until sequence numbers are reserved; false when it was dropped.
 */
export function sendApplicationData(ctx: Ctx, conn: Conn, data: Uint8Array): boolean {
  if (conn.phase === "closed" || data.length > MAX_PLAINTEXT) return false;
  if (conn.seq1 >= MAX_SEQUENCE) return false; // RFC 6347 §4.1: never wrap; rehandshake instead
  const ready = conn.phase === "established" && conn.queue.length === 0 &&
    conn.seq1 < conn.reservedUpTo;
  if (!ready) {
    if (conn.queuedBytes + data.length > ctx.hooks.maxQueuedBytes) return false;
    conn.queue.push(data.slice());
    conn.queuedBytes += data.length;
    if (conn.phase === "established") requestReserve(ctx, conn);
    return true;
  }
  sendNow(ctx, conn, data);
  if (conn.seq1 + ctx.hooks.reserveBlock / 2 >= conn.reservedUpTo) requestReserve(ctx, conn);
  return true;
}

/** Sends queued data as far as reserved sequence numbers allow. */
export function flushQueue(ctx: Ctx, conn: Conn): void {
  if (conn.phase !== "established") return;
  while (conn.queue.length > 0 && conn.seq1 < conn.reservedUpTo) {
    const data = conn.queue.shift()!;
    conn.queuedBytes -= data.length;
    sendNow(ctx, conn, data);
  }
  if (conn.queue.length > 0 || conn.seq1 + ctx.hooks.reserveBlock / 2 >= conn.reservedUpTo) {
    requestReserve(ctx, conn);
  }
}

/** The store confirmed a reservation up to `upTo`. */
export function confirmReserve(ctx: Ctx, conn: Conn, upTo: number): void {
  if (upTo > conn.reservedUpTo) conn.reservedUpTo = upTo;
  if (conn.requestedUpTo < conn.reservedUpTo) conn.requestedUpTo = conn.reservedUpTo;
  flushQueue(ctx, conn);
}

/** Handles the records of one datagram addressed to `conn`. */
export function receiveRecords(
  ctx: Ctx,
  conn: Conn,
  records: DtlsRecord[],
  address: string,
): void {
  for (const rec of records) {
    if (conn.phase === "closed") return;
    receiveRecord(ctx, conn, rec, address);
  }
}

function receiveRecord(ctx: Ctx, conn: Conn, rec: DtlsRecord, address: string): void {
  if (rec.type === CONTENT_TLS12_CID && rec.epoch === 0) return; // RFC 9146 §4: epoch ≥ 1 only
  if (rec.epoch === conn.readEpoch + 1 && conn.hs && conn.phase === "handshake") {
    if (conn.hs.future.length < MAX_FUTURE_RECORDS) {
      conn.hs.future.push({ ...rec, fragment: rec.fragment.slice() });
    }
    return;
  }
  const oldEpoch = rec.epoch === 0 && conn.readEpoch === 1;
  if (rec.epoch !== conn.readEpoch && !oldEpoch) return;
  const window = rec.epoch === 0 ? conn.replay0 : conn.replay1;
  if (!replayCheck(window, rec.seq)) return;
  let type = rec.type;
  let plain = rec.fragment;
  if (rec.epoch > 0) {
    let opened = conn.readCipher!.open(rec, rec.fragment);
    if (opened === null && conn.phase === "handshake") {
      opened = ctx.hooks.retryOpen?.(ctx, conn, rec) ?? null;
      if (opened === null || conn.phase !== "handshake") return;
    }
    if (opened === null) return; // RFC 6347 §4.1.2.7: invalid records are silently discarded
    plain = opened;
    if (rec.type === CONTENT_TLS12_CID) { // strip zero padding; the last non-zero byte is the type
      let end = plain.length - 1;
      while (end >= 0 && plain[end] === 0) end--;
      if (end < 0) return;
      type = plain[end];
      plain = plain.subarray(0, end);
    }
  } else if (type === CONTENT_APPLICATION_DATA) {
    return; // never in the clear
  }
  const newest = rec.seq > window.max;
  replayAccept(window, rec.seq);
  conn.lastActivityMs = ctx.nowMs;
  if (rec.cid !== null && newest && address !== conn.address && conn.phase === "established") {
    const from = conn.address;
    conn.address = address;
    ctx.hooks.onAddressChanged(ctx, conn, from);
  }
  if (oldEpoch) {
    // Only the peer's retransmitted handshake flight matters in the old epoch.
    if (type === CONTENT_HANDSHAKE) onHandshakeRecord(ctx, conn, plain, 0);
    return;
  }
  switch (type) {
    case CONTENT_HANDSHAKE:
      return onHandshakeRecord(ctx, conn, plain, rec.epoch);
    case CONTENT_CHANGE_CIPHER_SPEC:
      return onChangeCipherSpec(ctx, conn, plain);
    case CONTENT_ALERT:
      return onAlert(ctx, conn, plain, rec.epoch);
    case CONTENT_APPLICATION_DATA:
      if (conn.phase === "established") {
        ctx.out.push({ kind: "deliver", session: conn.session, data: plain });
      }
      return;
  }
}

function onChangeCipherSpec(ctx: Ctx, conn: Conn, plain: Uint8Array): void {
  if (plain.length !== 1 || plain[0] !== 1 || conn.phase !== "handshake") return;
  if (!conn.pendingRead || !ctx.hooks.onChangeCipherSpec(ctx, conn)) return;
  conn.readCipher = conn.pendingRead;
  conn.pendingRead = null;
  conn.readEpoch = 1;
  const future = conn.hs!.future;
  conn.hs!.future = [];
  for (const rec of future) {
    if (conn.phase !== "handshake") break;
    receiveRecord(ctx, conn, rec, conn.address);
  }
}

function onAlert(ctx: Ctx, conn: Conn, plain: Uint8Array, epoch: number): void {
  if (plain.length < 2) return;
  // Unauthenticated alerts cannot end an established session (anyone could forge them).
  if (conn.phase === "established" && epoch === 0) return;
  const [level, description] = plain;
  if (description === ALERT_CLOSE_NOTIFY) {
    if (conn.phase === "established") sendAlert(ctx, conn, ALERT_WARNING, ALERT_CLOSE_NOTIFY);
    ctx.hooks.remove(ctx, conn, "close_notify");
  } else if (level === ALERT_FATAL) {
    ctx.hooks.remove(ctx, conn, `fatal alert ${description} from the peer`);
  }
}

function onHandshakeRecord(ctx: Ctx, conn: Conn, plain: Uint8Array, epoch: number): void {
  let fragments;
  try {
    fragments = parseHandshakeFragments(plain);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    if (conn.phase === "handshake") fail(ctx, conn, ALERT_DECODE_ERROR, "malformed handshake");
    return;
  }
  for (const f of fragments) {
    if (conn.phase === "established" || !conn.hs) {
      // RFC 7925 §17 / RFC 5746: no renegotiation. A new hello inside the session is refused.
      const hello = conn.role === "server" ? HS_CLIENT_HELLO : HS_HELLO_REQUEST;
      if (epoch > 0 && f.type === hello && conn.phase === "established") {
        sendAlert(ctx, conn, ALERT_WARNING, ALERT_NO_RENEGOTIATION);
      } else if (f.seq < conn.recvMsgSeq) retransmitOnDemand(ctx, conn);
      continue;
    }
    if (f.seq < conn.recvMsgSeq) {
      retransmitOnDemand(ctx, conn);
      continue;
    }
    if (f.seq >= conn.recvMsgSeq + MAX_AHEAD) continue;
    if (f.length > ctx.hooks.maxHandshakeMessage) {
      return fail(ctx, conn, ALERT_DECODE_ERROR, "handshake message too large");
    }
    collect(conn.hs, f.type, f.seq, f.length, f.offset, f.fragment, epoch);
  }
  while (conn.phase === "handshake" && conn.hs) {
    const p = conn.hs.partial.get(conn.recvMsgSeq);
    if (!p || p.missing > 0) break;
    conn.hs.partial.delete(conn.recvMsgSeq);
    const seq = conn.recvMsgSeq++;
    ctx.hooks.onMessage(ctx, conn, {
      type: p.type,
      seq,
      epoch: p.epoch,
      body: p.body,
      raw: encodeHandshake(p.type, seq, p.body),
    });
  }
}

/** RFC 6347 §4.2.3 reassembly: fragments may arrive in any order and overlap. */
function collect(
  hs: HandshakeState,
  type: number,
  seq: number,
  length: number,
  offset: number,
  fragment: Uint8Array,
  epoch: number,
): void {
  let p = hs.partial.get(seq);
  if (!p) {
    if (offset === 0 && fragment.length === length) {
      hs.partial.set(seq, {
        type,
        epoch,
        body: fragment.slice(),
        have: new Uint8Array(0),
        missing: 0,
      });
      return;
    }
    p = {
      type,
      epoch,
      body: new Uint8Array(length),
      have: new Uint8Array(length),
      missing: length,
    };
    hs.partial.set(seq, p);
  }
  if (p.type !== type || p.body.length !== length || p.missing === 0) return;
  p.body.set(fragment, offset);
  for (let i = offset; i < offset + fragment.length; i++) {
    if (p.have[i] === 0) {
      p.have[i] = 1;
      p.missing--;
    }
  }
}
