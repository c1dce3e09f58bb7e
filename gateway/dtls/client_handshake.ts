/**
 * Client side of the DTLS 1.2 PSK handshake (RFC 6347 §4.2, RFC 5246 §7.3-§7.4, RFC 4279 §2;
 * flights 1, 3 and 5 of security.md §3.2): ClientHello, the repeat with the server's cookie,
 * ClientKeyExchange + ChangeCipherSpec + Finished, the server's Finished check, and the
 * abbreviated handshake when the server resumes the offered session (RFC 5246 §7.3). Offers
 * CCM_8 and CBC_SHA256, extended master secret (RFC 7627), renegotiation_info (RFC 5746) and
 * optionally connection_id (RFC 9146). Used by gateway/dtls/client.ts.
 */

import { constantTimeEqual, DecodeError, equalBytes, toHex } from "./bytes.ts";
import { deriveKeyMaterial, makeCipher } from "./cipher.ts";
import {
  ALERT_DECODE_ERROR,
  ALERT_DECRYPT_ERROR,
  ALERT_HANDSHAKE_FAILURE,
  ALERT_ILLEGAL_PARAMETER,
  ALERT_PROTOCOL_VERSION,
  ALERT_UNEXPECTED_MESSAGE,
  type CipherSuite,
  DTLS_1_2,
  EXT_CONNECTION_ID,
  EXT_EXTENDED_MASTER_SECRET,
  EXT_RENEGOTIATION_INFO,
  HS_CLIENT_HELLO,
  HS_CLIENT_KEY_EXCHANGE,
  HS_FINISHED,
  HS_HELLO_VERIFY_REQUEST,
  HS_SERVER_HELLO,
  HS_SERVER_HELLO_DONE,
  HS_SERVER_KEY_EXCHANGE,
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
  decodeCidExtension,
  decodeHelloVerifyRequest,
  decodeServerHello,
  encodeCidExtension,
  encodeClientHello,
  encodePskIdentity,
  type Extension,
  findExtension,
} from "./messages.ts";
import { extendedMasterSecret, masterSecret, pskPremaster, verifyData } from "./prf.ts";
import { Sha256 } from "./sha256.ts";
import type { Conn, DtlsTiming, ResumableSession } from "./types.ts";

export interface ClientHandshakeEnv {
  timing: DtlsTiming;
  random(n: number): Uint8Array;
  identity: Uint8Array;
  psk: Uint8Array;
  suites: readonly CipherSuite[];
  /** null: no connection_id extension; else the CID we want to receive (may be empty). */
  cid: Uint8Array | null;
  /** Offer RFC 7627 extended master secret. */
  ems: boolean;
  established(ctx: Ctx, conn: Conn): void;
}

function clientHello(conn: Conn, env: ClientHandshakeEnv, cookie: Uint8Array): Uint8Array {
  const extensions: Extension[] = [{ type: EXT_RENEGOTIATION_INFO, data: new Uint8Array([0]) }];
  if (env.ems) extensions.push({ type: EXT_EXTENDED_MASTER_SECRET, data: new Uint8Array(0) });
  if (env.cid !== null) extensions.push(encodeCidExtension(env.cid));
  const offered = conn.hs!.offered;
  return encodeClientHello({
    version: DTLS_1_2,
    random: conn.clientRandom,
    sessionId: offered ? offered.sessionId : new Uint8Array(0),
    cookie,
    suites: [...env.suites],
    compression: new Uint8Array([0]),
    extensions,
  });
}

/** Flight 1: the first ClientHello (offering `resume` for an abbreviated handshake). */
export function startClientHandshake(
  ctx: Ctx,
  env: ClientHandshakeEnv,
  conn: Conn,
  resume: ResumableSession | null,
): void {
  const hs = conn.hs = newHandshake("await_server_hello", env.timing);
  hs.offered = resume;
  conn.clientRandom = env.random(32);
  const ch = ownMessage(conn, HS_CLIENT_HELLO, clientHello(conn, env, new Uint8Array(0)));
  sendFlight(ctx, conn, [{ kind: "handshake", epoch: 0, message: ch }], true);
}

function installKeys(conn: Conn, env: ClientHandshakeEnv): void {
  const keys = deriveKeyMaterial(conn.suite, conn.master!, conn.clientRandom, conn.serverRandom);
  conn.pendingWrite = makeCipher(conn.suite, keys, true, env.random);
  conn.pendingRead = makeCipher(conn.suite, keys, false, env.random);
}

export function onClientMessage(
  ctx: Ctx,
  env: ClientHandshakeEnv,
  conn: Conn,
  msg: HandshakeMessage,
): void {
  const hs = conn.hs!;
  try {
    if (msg.type === HS_HELLO_VERIFY_REQUEST && hs.step === "await_server_hello") {
      // Flight 3: the same hello with the cookie; the first hello and the HVR leave the hash.
      const { cookie } = decodeHelloVerifyRequest(msg.body);
      hs.cookie = cookie.slice();
      hs.transcript = new Sha256();
      const ch = ownMessage(conn, HS_CLIENT_HELLO, clientHello(conn, env, hs.cookie));
      return sendFlight(ctx, conn, [{ kind: "handshake", epoch: 0, message: ch }], true);
    }
    if (msg.type === HS_SERVER_HELLO && hs.step === "await_server_hello") {
      return onServerHello(ctx, env, conn, msg);
    }
    if (msg.type === HS_SERVER_KEY_EXCHANGE && hs.step === "await_server_hello_done") {
      hs.transcript.update(msg.raw); // a PSK identity hint: LwM2M does not use it
      return;
    }
    if (msg.type === HS_SERVER_HELLO_DONE && hs.step === "await_server_hello_done") {
      return onServerHelloDone(ctx, env, conn, msg);
    }
    if (msg.type === HS_FINISHED && hs.step === "await_finished") {
      if (msg.epoch !== 1) return fail(ctx, conn, ALERT_UNEXPECTED_MESSAGE, "Finished in clear");
      const expected = verifyData(conn.master!, false, hs.transcript.clone().digest());
      if (!constantTimeEqual(expected, msg.body)) {
        return fail(ctx, conn, ALERT_DECRYPT_ERROR, "server Finished does not verify");
      }
      hs.transcript.update(msg.raw);
      if (hs.resumed) {
        const fin = ownMessage(
          conn,
          HS_FINISHED,
          verifyData(conn.master!, true, hs.transcript.clone().digest()),
        );
        sendFlight(
          ctx,
          conn,
          [{ kind: "ccs" }, { kind: "handshake", epoch: 1, message: fin }],
          false,
        );
      } else {
        hs.deadlineMs = Infinity;
      }
      return env.established(ctx, conn);
    }
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return fail(ctx, conn, ALERT_DECODE_ERROR, `malformed handshake message ${msg.type}`);
  }
  fail(ctx, conn, ALERT_UNEXPECTED_MESSAGE, `unexpected handshake message ${msg.type}`);
}

function onServerHello(
  ctx: Ctx,
  env: ClientHandshakeEnv,
  conn: Conn,
  msg: HandshakeMessage,
): void {
  const hs = conn.hs!;
  const sh = decodeServerHello(msg.body);
  if (sh.version !== DTLS_1_2) return fail(ctx, conn, ALERT_PROTOCOL_VERSION, "not DTLS 1.2");
  if (!env.suites.includes(sh.suite as CipherSuite) || sh.compression !== 0) {
    return fail(ctx, conn, ALERT_ILLEGAL_PARAMETER, "server chose a suite we did not offer");
  }
  const cidData = findExtension(sh.extensions, EXT_CONNECTION_ID);
  if (cidData !== undefined) {
    if (env.cid === null) return fail(ctx, conn, ALERT_HANDSHAKE_FAILURE, "unsolicited CID");
    conn.peerCid = decodeCidExtension(cidData).slice();
    conn.ownCid = env.cid.length > 0 ? env.cid : null;
  }
  conn.suite = sh.suite as CipherSuite;
  conn.serverRandom = sh.random.slice();
  conn.ems = findExtension(sh.extensions, EXT_EXTENDED_MASTER_SECRET) !== undefined;
  conn.sessionId = sh.sessionId.slice();
  conn.session = toHex(conn.sessionId);
  hs.transcript.update(msg.raw);
  const offered = hs.offered;
  if (offered && sh.sessionId.length > 0 && equalBytes(sh.sessionId, offered.sessionId)) {
    if (offered.suite !== conn.suite || offered.ems !== conn.ems) {
      return fail(ctx, conn, ALERT_ILLEGAL_PARAMETER, "resumed session parameters differ");
    }
    hs.resumed = true;
    conn.master = offered.master;
    installKeys(conn, env);
    hs.step = "await_change_cipher_spec";
    hs.deadlineMs = ctx.nowMs + hs.timeoutMs; // keep the hello flight timed until the server ends
    return;
  }
  hs.step = "await_server_hello_done";
}

function onServerHelloDone(
  ctx: Ctx,
  env: ClientHandshakeEnv,
  conn: Conn,
  msg: HandshakeMessage,
): void {
  const hs = conn.hs!;
  hs.transcript.update(msg.raw);
  const cke = ownMessage(conn, HS_CLIENT_KEY_EXCHANGE, encodePskIdentity(env.identity));
  const premaster = pskPremaster(env.psk);
  conn.master = conn.ems
    ? extendedMasterSecret(premaster, hs.transcript.clone().digest())
    : masterSecret(premaster, conn.clientRandom, conn.serverRandom);
  premaster.fill(0);
  conn.identity = env.identity;
  installKeys(conn, env);
  const fin = ownMessage(
    conn,
    HS_FINISHED,
    verifyData(conn.master, true, hs.transcript.clone().digest()),
  );
  hs.step = "await_change_cipher_spec";
  sendFlight(ctx, conn, [
    { kind: "handshake", epoch: 0, message: cke },
    { kind: "ccs" },
    { kind: "handshake", epoch: 1, message: fin },
  ], true);
}

export function onClientChangeCipherSpec(conn: Conn): boolean {
  const hs = conn.hs!;
  if (hs.step !== "await_change_cipher_spec") return false;
  hs.step = "await_finished";
  return true;
}
