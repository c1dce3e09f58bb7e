/**
 * Persistent form of an established DTLS session (issue 8 "state that survives restarts";
 * docs/dtls.md): what the shell writes to the Store namespace `dtlsSession` and how a restarted
 * server rebuilds the connection from it. Keys are re-derived from the master secret and the
 * randoms (RFC 5246 §6.3), so only those are stored. Write sequence numbers resume at the
 * reservation stored last (never below a number that may have been used: no AES-CCM nonce is
 * reused), and the new owner reserves the next block before sending.
 */

import { toHex } from "./bytes.ts";
import { deriveKeyMaterial, makeCipher } from "./cipher.ts";
import { type CipherSuite, SUPPORTED_SUITES } from "./constants.ts";
import { newConn } from "./conn.ts";
import type { DtlsServer } from "./server.ts";
import type { Conn, CredentialRole } from "./types.ts";

export interface StoredDtlsSession {
  v: 1;
  session: string;
  address: string;
  suite: number;
  master: Uint8Array;
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  ems: boolean;
  identity: Uint8Array;
  endpoint: string;
  role: CredentialRole;
  keyHash: string;
  ownCid: Uint8Array | null;
  peerCid: Uint8Array | null;
  /** Write sequence numbers below this may have been used. */
  reservedUpTo: number;
  /** Highest epoch-1 sequence number received when this was written. */
  readMax: number;
  lastActivityMs: number;
  /** The server instance that owns the session (one owner at a time). */
  owner: string;
}

export function exportSession(conn: Conn, reservedUpTo: number, owner: string): StoredDtlsSession {
  return {
    v: 1,
    session: conn.session,
    address: conn.address,
    suite: conn.suite,
    master: conn.master!,
    clientRandom: conn.clientRandom,
    serverRandom: conn.serverRandom,
    ems: conn.ems,
    identity: conn.identity,
    endpoint: conn.endpoint!,
    role: conn.credentialRole!,
    keyHash: conn.keyHash,
    ownCid: conn.ownCid,
    peerCid: conn.peerCid,
    reservedUpTo,
    readMax: conn.replay1.max,
    lastActivityMs: conn.lastActivityMs,
    owner,
  };
}

/**
 * Rebuilds an established server connection and puts it in the tables. Its first usable write
 * sequence number is the stored reservation; `reservedUpTo` of the result (one block more) must be
 * stored before the connection sends. Returns null for a record that cannot be used.
 */
export function importSession(
  s: DtlsServer,
  stored: StoredDtlsSession,
  nowMs: number,
): Conn | null {
  if (stored.v !== 1 || !SUPPORTED_SUITES.includes(stored.suite as CipherSuite)) return null;
  if (s.bySession.has(stored.session)) return null;
  if (stored.ownCid && s.cidLength !== stored.ownCid.length) return null; // CID length changed
  const conn = newConn("server", stored.address, nowMs);
  conn.phase = "established";
  conn.session = stored.session;
  conn.sessionId = Uint8Array.fromHex(stored.session);
  conn.suite = stored.suite as CipherSuite;
  conn.master = stored.master;
  conn.clientRandom = stored.clientRandom;
  conn.serverRandom = stored.serverRandom;
  conn.ems = stored.ems;
  conn.identity = stored.identity;
  conn.endpoint = stored.endpoint;
  conn.credentialRole = stored.role;
  conn.keyHash = stored.keyHash;
  conn.ownCid = stored.ownCid;
  conn.peerCid = stored.peerCid;
  const keys = deriveKeyMaterial(conn.suite, conn.master, conn.clientRandom, conn.serverRandom);
  conn.readCipher = makeCipher(conn.suite, keys, true, s.config.random);
  conn.writeCipher = makeCipher(conn.suite, keys, false, s.config.random);
  conn.readEpoch = conn.writeEpoch = 1;
  conn.seq1 = stored.reservedUpTo;
  conn.reservedUpTo = conn.requestedUpTo = stored.reservedUpTo + s.reserveBlock;
  // Everything up to the stored read maximum counts as seen (replays of older records fail).
  conn.replay1 = { max: stored.readMax, lo: -1, hi: -1 };
  if (stored.readMax < 0) conn.replay1 = { max: -1, lo: 0, hi: 0 };
  conn.lastActivityMs = stored.lastActivityMs;
  conn.recvMsgSeq = 0xffff; // no handshake message is expected any more
  s.bySession.set(conn.session, conn);
  if (conn.ownCid) s.byCid.set(toHex(conn.ownCid), conn);
  if (!s.byAddress.has(conn.address)) s.byAddress.set(conn.address, conn);
  s.cache.set(conn.session, {
    sessionId: conn.sessionId,
    master: conn.master,
    suite: conn.suite,
    ems: conn.ems,
    identity: conn.identity,
    endpoint: stored.endpoint,
    role: stored.role,
    keyHash: stored.keyHash,
  });
  return conn;
}
