/**
 * The sans-IO DTLS 1.2 client endpoint (RFC 6347): one connection to one server, for the LwM2M
 * client library and simulator (coaps:// URIs) and for tests and benchmarks of the server.
 * `(state, input, nowMs) -> DtlsEffect[]` like the server (gateway/dtls/server.ts); the shell is
 * `dtlsClientTransport` in gateway/transport/dtls_client.ts. Application data sent before the
 * handshake ends waits (bounded) and goes out once it does.
 */

import { toHex } from "./bytes.ts";
import {
  ALERT_CLOSE_NOTIFY,
  ALERT_WARNING,
  type CipherSuite,
  SUPPORTED_SUITES,
} from "./constants.ts";
import {
  type Ctx,
  flushQueue,
  newConn,
  receiveRecords,
  retransmitOnTimer,
  type RoleHooks,
  sendAlert,
  sendApplicationData,
} from "./conn.ts";
import {
  type ClientHandshakeEnv,
  onClientChangeCipherSpec,
  onClientMessage,
  startClientHandshake,
} from "./client_handshake.ts";
import { parseRecords } from "./record.ts";
import {
  type Conn,
  DEFAULT_TIMING,
  type DtlsEffect,
  type DtlsTiming,
  type ResumableSession,
} from "./types.ts";

export interface DtlsClientConfig {
  identity: Uint8Array;
  psk: Uint8Array;
  random: (n: number) => Uint8Array;
  /** Offer RFC 9146 CID: true = we need none (empty), bytes = the CID we want to receive. */
  cid?: boolean | Uint8Array;
  suites?: readonly CipherSuite[];
  /** Offer extended master secret (RFC 7627; default true). */
  ems?: boolean;
  timing?: Partial<DtlsTiming>;
  /** A session of an earlier connection to resume (abbreviated handshake). */
  resume?: ResumableSession | null;
  maxQueuedBytes?: number;
}

export interface DtlsClient {
  readonly conn: Conn;
  readonly hooks: RoleHooks;
  readonly env: ClientHandshakeEnv;
  resume: ResumableSession | null;
  /** Set once established: whether the handshake was abbreviated. */
  resumed: boolean;
  /** Why the connection ended, once it did. */
  endReason: string | null;
}

export function createDtlsClient(
  config: DtlsClientConfig,
  serverAddress: string,
  nowMs: number,
): DtlsClient {
  const timing = { ...DEFAULT_TIMING, ...config.timing };
  const conn = newConn("client", serverAddress, nowMs);
  const c = { conn, resume: config.resume ?? null, resumed: false, endReason: null } as
    & Omit<DtlsClient, "hooks" | "env">
    & Partial<DtlsClient>;
  const env: ClientHandshakeEnv = {
    timing,
    random: config.random,
    identity: config.identity,
    psk: config.psk,
    suites: config.suites ?? SUPPORTED_SUITES,
    cid: config.cid === undefined || config.cid === false
      ? null
      : config.cid === true
      ? new Uint8Array(0)
      : config.cid,
    ems: config.ems ?? true,
    established(ctx, conn) {
      conn.phase = "established";
      const hs = conn.hs!;
      hs.lingerUntilMs = ctx.nowMs + timing.lingerMs;
      hs.partial.clear();
      c.resumed = hs.resumed;
      ctx.out.push({ kind: "established", session: conn.session, resumed: hs.resumed });
      flushQueue(ctx, conn);
    },
  };
  const hooks: RoleHooks = {
    timing,
    random: config.random,
    reserveBlock: Infinity,
    maxQueuedBytes: config.maxQueuedBytes ?? 64 * 1024,
    maxHandshakeMessage: 4096,
    onMessage: (ctx, conn, msg) => onClientMessage(ctx, env, conn, msg),
    onChangeCipherSpec: (_ctx, conn) => onClientChangeCipherSpec(conn),
    remove(ctx, conn, reason) {
      if (conn.phase === "closed") return;
      const was = conn.phase;
      conn.phase = "closed";
      conn.hs = null;
      conn.queue = [];
      conn.queuedBytes = 0;
      c.endReason = reason;
      if (was === "established") ctx.out.push({ kind: "closed", session: conn.session, reason });
      else ctx.out.push({ kind: "failed", address: conn.address, reason });
    },
    onAddressChanged() {},
  };
  return Object.assign(c, { hooks, env }) as DtlsClient;
}

function ctxOf(c: DtlsClient, nowMs: number): Ctx {
  return { out: [], nowMs, retransmitted: false, hooks: c.hooks };
}

/** Starts the handshake (flight 1). */
export function clientConnect(c: DtlsClient, nowMs: number): DtlsEffect[] {
  const ctx = ctxOf(c, nowMs);
  startClientHandshake(ctx, c.env, c.conn, c.resume);
  return ctx.out;
}

export function clientReceive(c: DtlsClient, data: Uint8Array, nowMs: number): DtlsEffect[] {
  const ctx = ctxOf(c, nowMs);
  const records = parseRecords(data, c.conn.ownCid?.length ?? 0);
  receiveRecords(ctx, c.conn, records, c.conn.address);
  return ctx.out;
}

/** Sends (or, during the handshake, queues) application data. */
export function clientSend(c: DtlsClient, data: Uint8Array, nowMs: number): DtlsEffect[] {
  const ctx = ctxOf(c, nowMs);
  sendApplicationData(ctx, c.conn, data);
  return ctx.out;
}

export function clientTick(c: DtlsClient, nowMs: number): DtlsEffect[] {
  const ctx = ctxOf(c, nowMs);
  const conn = c.conn;
  const hs = conn.hs;
  if (!hs) return ctx.out;
  if (conn.phase === "established") {
    if (hs.lingerUntilMs <= nowMs) conn.hs = null;
    else if (hs.deadlineMs <= nowMs) retransmitOnTimer(ctx, conn);
  } else if (conn.phase === "handshake" && !retransmitOnTimer(ctx, conn)) {
    c.hooks.remove(ctx, conn, "handshake timed out: no answer to retransmissions");
  }
  return ctx.out;
}

export function clientNextDeadlineMs(c: DtlsClient): number {
  const hs = c.conn.hs;
  if (!hs || c.conn.phase === "closed") return Infinity;
  return c.conn.phase === "established" ? Math.min(hs.lingerUntilMs, hs.deadlineMs) : hs.deadlineMs;
}

/** Sends close_notify and ends the connection. */
export function clientClose(c: DtlsClient, nowMs: number): DtlsEffect[] {
  const ctx = ctxOf(c, nowMs);
  if (c.conn.phase === "established") sendAlert(ctx, c.conn, ALERT_WARNING, ALERT_CLOSE_NOTIFY);
  c.hooks.remove(ctx, c.conn, "closed");
  return ctx.out;
}

/** The established session, for resuming it in a later connection. */
export function clientSession(c: DtlsClient): ResumableSession | null {
  const conn = c.conn;
  if (!conn.master || conn.sessionId.length === 0 || conn.phase === "handshake") return null;
  return {
    sessionId: conn.sessionId,
    master: conn.master,
    suite: conn.suite,
    ems: conn.ems,
    identity: conn.identity,
  };
}

export function clientSessionKey(c: DtlsClient): string {
  return toHex(c.conn.sessionId);
}
