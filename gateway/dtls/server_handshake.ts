/**
 * Server side of the DTLS 1.2 PSK handshake (RFC 6347 §4.2, RFC 5246 §7.3-§7.4, RFC 4279 §2;
 * flights in security.md §3.2): answers a cookie-verified ClientHello with ServerHello +
 * ServerHelloDone (full) or ServerHello + ChangeCipherSpec + Finished (abbreviated, RFC 5246
 * §7.3 session-id resumption), picks CCM_8 before CBC_SHA256, negotiates RFC 7627 extended master
 * secret, RFC 5746 renegotiation_info and RFC 9146 connection_id, looks the PSK identity up,
 * derives keys (trying each key an identity has, e.g. server and bootstrap roles) and checks the
 * client's Finished. Called by gateway/dtls/server.ts, which owns the tables.
 */

import { constantTimeEqual, DecodeError, toHex } from "./bytes.ts";
import { deriveKeyMaterial, makeCipher } from "./cipher.ts";
import {
  ALERT_DECODE_ERROR,
  ALERT_DECRYPT_ERROR,
  ALERT_UNEXPECTED_MESSAGE,
  ALERT_UNKNOWN_PSK_IDENTITY,
  type CipherSuite,
  DTLS_1_2,
  EXT_CONNECTION_ID,
  EXT_EXTENDED_MASTER_SECRET,
  EXT_RENEGOTIATION_INFO,
  HS_CLIENT_KEY_EXCHANGE,
  HS_FINISHED,
  HS_SERVER_HELLO,
  HS_SERVER_HELLO_DONE,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
} from "./constants.ts";
import {
  type Ctx,
  fail,
  type HandshakeMessage,
  newHandshake,
  ownMessage,
  sendFlight,
} from "./conn.ts";
import {
  type ClientHello,
  decodeCidExtension,
  decodePskIdentity,
  encodeCidExtension,
  encodeServerHello,
  type Extension,
  findExtension,
} from "./messages.ts";
import { extendedMasterSecret, masterSecret, pskPremaster, verifyData } from "./prf.ts";
import type { DtlsRecord } from "./record.ts";
import { sha256 } from "./sha256.ts";
import type { CachedSession, Conn, DtlsTiming, PskCandidate } from "./types.ts";

/** What the handshake needs from the server endpoint. */
export interface ServerHandshakeEnv {
  timing: DtlsTiming;
  random(n: number): Uint8Array;
  suites: readonly CipherSuite[];
  cidLength: number;
  maxIdentityLength: number;
  lookup(identity: Uint8Array): PskCandidate[];
  /** A cached session that may be resumed, or undefined. */
  resumable(sessionId: Uint8Array): CachedSession | undefined;
  /** A fresh CID / session id not in use. */
  newCid(): Uint8Array;
  newSessionId(): Uint8Array;
  established(ctx: Ctx, conn: Conn): void;
}

/** The suite to use, by server preference, or undefined. */
export function chooseSuite(env: ServerHandshakeEnv, offered: number[]): CipherSuite | undefined {
  return env.suites.find((s) => offered.includes(s));
}

function keyHashOf(key: Uint8Array): string {
  return toHex(sha256(key));
}

/** Installs the pending ciphers of both directions from the master secret. */
function installKeys(conn: Conn, env: ServerHandshakeEnv): void {
  const keys = deriveKeyMaterial(conn.suite, conn.master!, conn.clientRandom, conn.serverRandom);
  conn.pendingRead = makeCipher(conn.suite, keys, true, env.random);
  conn.pendingWrite = makeCipher(conn.suite, keys, false, env.random);
}

/**
 * Starts a handshake for a cookie-verified ClientHello (message `seq`). `conn` is new, in the
 * handshake phase. Sends flight 4 (full) or the abbreviated server flight.
 */
export function startServerHandshake(
  ctx: Ctx,
  env: ServerHandshakeEnv,
  conn: Conn,
  hello: ClientHello,
  helloRaw: Uint8Array,
  seq: number,
  suite: CipherSuite,
): void {
  const hs = conn.hs = newHandshake("await_client_key_exchange", env.timing);
  hs.clientHello = hello;
  conn.recvMsgSeq = seq + 1;
  conn.sendMsgSeq = seq; // RFC 6347 §4.2.2: the ServerHello answers the ClientHello's message_seq
  hs.transcript.update(helloRaw);
  conn.clientRandom = hello.random.slice();
  conn.serverRandom = env.random(32);
  conn.suite = suite;

  const extensions: Extension[] = [];
  const offersEms = findExtension(hello.extensions, EXT_EXTENDED_MASTER_SECRET) !== undefined;
  if (offersEms) extensions.push({ type: EXT_EXTENDED_MASTER_SECRET, data: new Uint8Array(0) });
  conn.ems = offersEms;
  if (
    findExtension(hello.extensions, EXT_RENEGOTIATION_INFO) !== undefined ||
    hello.suites.includes(TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
  ) {
    extensions.push({ type: EXT_RENEGOTIATION_INFO, data: new Uint8Array([0]) });
  }
  const cidData = findExtension(hello.extensions, EXT_CONNECTION_ID);
  if (cidData !== undefined && env.cidLength > 0) {
    try {
      conn.peerCid = decodeCidExtension(cidData).slice();
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return fail(ctx, conn, ALERT_DECODE_ERROR, "malformed connection_id extension");
    }
    conn.ownCid = env.newCid();
    extensions.push(encodeCidExtension(conn.ownCid));
  }

  const cached = hello.sessionId.length > 0 ? env.resumable(hello.sessionId) : undefined;
  if (cached && hello.suites.includes(cached.suite) && cached.ems === offersEms) {
    // RFC 5246 §7.3 abbreviated handshake: same session, new randoms, server finishes first.
    hs.resumed = true;
    conn.suite = cached.suite;
    conn.sessionId = cached.sessionId.slice();
    conn.master = cached.master;
    conn.identity = cached.identity;
    conn.endpoint = cached.endpoint;
    conn.credentialRole = cached.role;
    conn.keyHash = cached.keyHash;
    conn.session = toHex(conn.sessionId);
    const sh = ownMessage(conn, HS_SERVER_HELLO, serverHello(conn, extensions));
    installKeys(conn, env);
    const fin = ownMessage(
      conn,
      HS_FINISHED,
      verifyData(conn.master, false, hs.transcript.clone().digest()),
    );
    hs.step = "await_finished";
    return sendFlight(ctx, conn, [
      { kind: "handshake", epoch: 0, message: sh },
      { kind: "ccs" },
      { kind: "handshake", epoch: 1, message: fin },
    ], true);
  }
  conn.sessionId = env.newSessionId();
  conn.session = toHex(conn.sessionId);
  const sh = ownMessage(conn, HS_SERVER_HELLO, serverHello(conn, extensions));
  const done = ownMessage(conn, HS_SERVER_HELLO_DONE, new Uint8Array(0));
  sendFlight(ctx, conn, [
    { kind: "handshake", epoch: 0, message: sh },
    { kind: "handshake", epoch: 0, message: done },
  ], true);
}

function serverHello(conn: Conn, extensions: Extension[]): Uint8Array {
  return encodeServerHello({
    version: DTLS_1_2,
    random: conn.serverRandom,
    sessionId: conn.sessionId,
    suite: conn.suite,
    compression: 0,
    extensions,
  });
}

/** Derives the master secret and keys with candidate `i` of the identity. */
function deriveWith(conn: Conn, i: number): void {
  const hs = conn.hs!;
  const candidate = hs.candidates[i];
  hs.candidate = i;
  const premaster = pskPremaster(candidate.key);
  conn.master = conn.ems
    ? extendedMasterSecret(premaster, hs.sessionHash!)
    : masterSecret(premaster, conn.clientRandom, conn.serverRandom);
  premaster.fill(0);
  conn.endpoint = candidate.endpoint;
  conn.credentialRole = candidate.role;
  conn.keyHash = keyHashOf(candidate.key);
}

export function onServerMessage(
  ctx: Ctx,
  env: ServerHandshakeEnv,
  conn: Conn,
  msg: HandshakeMessage,
): void {
  const hs = conn.hs!;
  if (msg.type === HS_CLIENT_KEY_EXCHANGE && hs.step === "await_client_key_exchange") {
    let identity: Uint8Array;
    try {
      identity = decodePskIdentity(msg.body);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return fail(ctx, conn, ALERT_DECODE_ERROR, "malformed ClientKeyExchange");
    }
    if (identity.length === 0 || identity.length > env.maxIdentityLength) {
      return fail(ctx, conn, ALERT_UNKNOWN_PSK_IDENTITY, "unknown PSK identity");
    }
    hs.candidates = env.lookup(identity);
    if (hs.candidates.length === 0) {
      return fail(ctx, conn, ALERT_UNKNOWN_PSK_IDENTITY, "unknown PSK identity");
    }
    conn.identity = identity.slice();
    hs.transcript.update(msg.raw);
    hs.sessionHash = hs.transcript.clone().digest();
    deriveWith(conn, 0);
    installKeys(conn, env);
    hs.step = "await_change_cipher_spec";
    return;
  }
  if (msg.type === HS_FINISHED && hs.step === "await_finished") {
    if (msg.epoch !== 1) return fail(ctx, conn, ALERT_UNEXPECTED_MESSAGE, "Finished in clear");
    const expected = verifyData(conn.master!, true, hs.transcript.clone().digest());
    if (!constantTimeEqual(expected, msg.body)) {
      return fail(ctx, conn, ALERT_DECRYPT_ERROR, "client Finished does not verify");
    }
    hs.transcript.update(msg.raw);
    if (!hs.resumed) {
      const fin = ownMessage(
        conn,
        HS_FINISHED,
        verifyData(conn.master!, false, hs.transcript.clone().digest()),
      );
      sendFlight(
        ctx,
        conn,
        [{ kind: "ccs" }, { kind: "handshake", epoch: 1, message: fin }],
        false,
      );
    } else {
      hs.deadlineMs = Infinity; // our flight is final now: repeated only on demand
    }
    return env.established(ctx, conn);
  }
  fail(ctx, conn, ALERT_UNEXPECTED_MESSAGE, `unexpected handshake message ${msg.type}`);
}

/** ChangeCipherSpec: expected after ClientKeyExchange (full) or our Finished (abbreviated). */
export function onServerChangeCipherSpec(conn: Conn): boolean {
  const hs = conn.hs!;
  if (hs.step === "await_change_cipher_spec") {
    hs.step = "await_finished";
    return true;
  }
  return hs.step === "await_finished" && hs.resumed;
}

/**
 * The client's first protected record did not authenticate: with another key of the same
 * identity (server vs bootstrap credential) it may; otherwise the PSK is wrong: fail fast with
 * decrypt_error instead of letting the client time out (docs/dtls.md "wrong key").
 */
export function retryServerOpen(
  ctx: Ctx,
  env: ServerHandshakeEnv,
  conn: Conn,
  rec: DtlsRecord,
): Uint8Array | null {
  const hs = conn.hs!;
  if (hs.resumed || hs.step !== "await_finished") return null;
  for (let i = hs.candidate + 1; i < hs.candidates.length; i++) {
    deriveWith(conn, i);
    const keys = deriveKeyMaterial(conn.suite, conn.master!, conn.clientRandom, conn.serverRandom);
    const read = makeCipher(conn.suite, keys, true, env.random);
    const plain = read.open(rec, rec.fragment);
    if (plain !== null) {
      conn.readCipher = read;
      conn.pendingWrite = makeCipher(conn.suite, keys, false, env.random);
      return plain;
    }
  }
  fail(ctx, conn, ALERT_DECRYPT_ERROR, "the client's Finished does not decrypt: wrong PSK");
  return null;
}
