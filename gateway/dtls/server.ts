/**
 * The sans-IO DTLS 1.2 server endpoint (RFC 6347; docs/dtls.md): one state for every peer of a
 * socket. Routes each datagram by RFC 9146 CID (tls12_cid records) or by address, answers an
 * unknown address's ClientHello statelessly with a HelloVerifyRequest until its cookie verifies
 * (RFC 6347 §4.2.1), enforces the limits (handshakes in total and per IP, sessions, queued bytes,
 * idle time), keeps the resumption cache, and reports everything as effects:
 * `(state, input, nowMs) -> DtlsEffect[]` (DESIGN.md §2). The shell is gateway/transport/dtls.ts.
 */

import { DecodeError, equalBytes, toHex } from "./bytes.ts";
import {
  type CookieKeys,
  createCookieKeys,
  makeCookie,
  rotateCookieKeys,
  verifyCookie,
} from "./cookie.ts";
import {
  ALERT_CLOSE_NOTIFY,
  ALERT_FATAL,
  ALERT_HANDSHAKE_FAILURE,
  ALERT_PROTOCOL_VERSION,
  ALERT_WARNING,
  type CipherSuite,
  CONTENT_ALERT,
  CONTENT_HANDSHAKE,
  CONTENT_TLS12_CID,
  DTLS_1_0,
  DTLS_1_2,
  HS_CLIENT_HELLO,
  HS_HELLO_VERIFY_REQUEST,
  SUPPORTED_SUITES,
} from "./constants.ts";
import {
  confirmReserve,
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
  type ClientHello,
  decodeClientHello,
  encodeHandshake,
  encodeHelloVerifyRequest,
  parseHandshakeFragments,
} from "./messages.ts";
import { type DtlsRecord, encodeRecord, parseRecords } from "./record.ts";
import { sha256 } from "./sha256.ts";
import {
  chooseSuite,
  onServerChangeCipherSpec,
  onServerMessage,
  retryServerOpen,
  type ServerHandshakeEnv,
  startServerHandshake,
} from "./server_handshake.ts";
import {
  type CachedSession,
  type Conn,
  type CredentialRole,
  DEFAULT_TIMING,
  type DtlsEffect,
  type DtlsTiming,
  type PskCandidate,
  type PskLookup,
} from "./types.ts";

export interface DtlsLimits {
  /** Handshakes in progress, in total and per IP address (the part before the port). */
  maxHandshakes: number;
  maxHandshakesPerIp: number;
  /** Established sessions kept (new handshakes are refused beyond). */
  maxSessions: number;
  /** A session without traffic this long is forgotten (memory and store). */
  idleTimeoutMs: number;
  /** A handshake not finished after this long is abandoned. */
  handshakeTimeoutMs: number;
  /** Application data buffered per session while sequence numbers are being reserved. */
  maxQueuedBytes: number;
  /** Largest handshake message reassembled (PSK messages are < 300 bytes). */
  maxHandshakeMessage: number;
  /** Longest PSK identity accepted (LwM2M asks for ≥ 128 bytes). */
  maxIdentityLength: number;
  /** Sessions remembered for resumption. */
  sessionCacheSize: number;
}

export const DEFAULT_LIMITS: DtlsLimits = {
  maxHandshakes: 2000,
  maxHandshakesPerIp: 256,
  maxSessions: 200_000,
  idleTimeoutMs: 24 * 3600_000,
  handshakeTimeoutMs: 120_000,
  maxQueuedBytes: 64 * 1024,
  maxHandshakeMessage: 4096,
  maxIdentityLength: 1024,
  sessionCacheSize: 200_000,
};

export interface DtlsServerConfig {
  psk: PskLookup;
  /** Cryptographically strong random bytes (injected: the core draws none itself). */
  random: (n: number) => Uint8Array;
  /** Length of the CIDs this server hands out (RFC 9146); 0 disables CID. Default 6. */
  cidLength?: number;
  suites?: readonly CipherSuite[];
  timing?: Partial<DtlsTiming>;
  limits?: Partial<DtlsLimits>;
  /** Write sequence numbers reserved per store write; Infinity without persistence. */
  reserveBlock?: number;
  /** Cookie secret rotation period. */
  cookieLifetimeMs?: number;
  /** The IP part of an address, for the per-IP limit (default: before the last ':'). */
  ipOf?: (address: string) => string;
}

/** Counters for metrics and tests. */
export interface DtlsServerStats {
  helloVerifyRequests: number;
  handshakesStarted: number;
  handshakesCompleted: number;
  resumptions: number;
  handshakesFailed: number;
  refusedByLimit: number;
  datagramsDropped: number;
}

export interface DtlsServer {
  readonly timing: DtlsTiming;
  readonly limits: DtlsLimits;
  readonly cidLength: number;
  readonly reserveBlock: number;
  readonly byAddress: Map<string, Conn>;
  readonly byCid: Map<string, Conn>;
  readonly bySession: Map<string, Conn>;
  readonly handshaking: Set<Conn>;
  readonly lingering: Set<Conn>;
  readonly perIp: Map<string, number>;
  readonly cache: Map<string, CachedSession>;
  readonly cookies: CookieKeys;
  readonly stats: DtlsServerStats;
  nextSweepMs: number;
  lastTickMs: number;
  readonly config: DtlsServerConfig;
  readonly hooks: RoleHooks;
  readonly env: ServerHandshakeEnv;
  readonly ipOf: (address: string) => string;
}

const COOKIE_LIFETIME_MS = 60_000;
const SWEEP_INTERVAL_MS = 5_000;
const DEFAULT_CID_LENGTH = 6;

function defaultIpOf(address: string): string {
  const colon = address.lastIndexOf(":");
  return colon < 0 ? address : address.slice(0, colon);
}

function toCandidates(found: PskCandidate | PskCandidate[] | undefined): PskCandidate[] {
  if (found === undefined) return [];
  return Array.isArray(found) ? found : [found];
}

export function createDtlsServer(config: DtlsServerConfig, nowMs: number): DtlsServer {
  const timing = { ...DEFAULT_TIMING, ...config.timing };
  const limits = { ...DEFAULT_LIMITS, ...config.limits };
  const cidLength = config.cidLength ?? DEFAULT_CID_LENGTH;
  const cookieLifetimeMs = config.cookieLifetimeMs ?? COOKIE_LIFETIME_MS;
  const s = {
    timing,
    limits,
    cidLength,
    reserveBlock: config.reserveBlock ?? Infinity,
    byAddress: new Map(),
    byCid: new Map(),
    bySession: new Map(),
    handshaking: new Set(),
    lingering: new Set(),
    perIp: new Map(),
    cache: new Map(),
    cookies: createCookieKeys(config.random(32), nowMs, cookieLifetimeMs),
    stats: {
      helloVerifyRequests: 0,
      handshakesStarted: 0,
      handshakesCompleted: 0,
      resumptions: 0,
      handshakesFailed: 0,
      refusedByLimit: 0,
      datagramsDropped: 0,
    },
    nextSweepMs: nowMs + SWEEP_INTERVAL_MS,
    lastTickMs: nowMs,
    config,
    ipOf: config.ipOf ?? defaultIpOf,
  } as Omit<DtlsServer, "hooks" | "env"> as DtlsServer;
  const env: ServerHandshakeEnv = {
    timing,
    random: config.random,
    suites: config.suites ?? SUPPORTED_SUITES,
    cidLength,
    maxIdentityLength: limits.maxIdentityLength,
    lookup: (identity) => toCandidates(config.psk(identity)).filter((c) => c.key.length > 0),
    resumable: (sessionId) => resumable(s, sessionId),
    newCid: () => {
      for (;;) {
        const cid = config.random(cidLength);
        if (!s.byCid.has(toHex(cid))) return cid;
      }
    },
    newSessionId: () => {
      for (;;) {
        const id = config.random(16);
        const hex = toHex(id);
        if (!s.bySession.has(hex) && !s.cache.has(hex)) return id;
      }
    },
    established: (ctx, conn) => established(s, ctx, conn),
  };
  const hooks: RoleHooks = {
    timing,
    random: config.random,
    reserveBlock: s.reserveBlock,
    maxQueuedBytes: limits.maxQueuedBytes,
    maxHandshakeMessage: limits.maxHandshakeMessage,
    onMessage: (ctx, conn, msg) => onServerMessage(ctx, env, conn, msg),
    onChangeCipherSpec: (_ctx, conn) => onServerChangeCipherSpec(conn),
    retryOpen: (ctx, conn, rec) => retryServerOpen(ctx, env, conn, rec),
    remove: (ctx, conn, reason) => remove(s, ctx, conn, reason),
    onAddressChanged: (ctx, conn, from) => {
      if (s.byAddress.get(from) === conn) s.byAddress.delete(from);
      const other = s.byAddress.get(conn.address);
      if (other && other !== conn && other.phase === "established" && other.ownCid === null) {
        remove(s, ctx, other, "superseded");
      }
      if (!s.byAddress.has(conn.address)) s.byAddress.set(conn.address, conn);
      ctx.out.push({ kind: "addressChanged", session: conn.session, address: conn.address });
    },
  };
  Object.assign(s, { hooks, env });
  return s;
}

function ctxOf(s: DtlsServer, nowMs: number): Ctx {
  return { out: [], nowMs, retransmitted: false, hooks: s.hooks };
}

/** A cached session still valid for resumption (same identity, unchanged key). */
function resumable(s: DtlsServer, sessionId: Uint8Array): CachedSession | undefined {
  const cached = s.cache.get(toHex(sessionId));
  if (!cached) return undefined;
  const still = s.env.lookup(cached.identity).find((c) =>
    c.role === cached.role && c.endpoint === cached.endpoint
  );
  if (!still) return undefined;
  // Compare key fingerprints: a changed PSK must not keep resuming the old master secret.
  return keyHash(still.key) === cached.keyHash ? cached : undefined;
}

function keyHash(key: Uint8Array): string {
  return toHex(sha256(key));
}

function leaveHandshake(s: DtlsServer, conn: Conn): void {
  if (!s.handshaking.delete(conn)) return;
  const ip = s.ipOf(conn.address);
  const n = (s.perIp.get(ip) ?? 1) - 1;
  if (n <= 0) s.perIp.delete(ip);
  else s.perIp.set(ip, n);
}

function remember(s: DtlsServer, conn: Conn): void {
  if (!conn.master || !conn.endpoint || !conn.credentialRole) return;
  s.cache.delete(conn.session);
  s.cache.set(conn.session, {
    sessionId: conn.sessionId,
    master: conn.master,
    suite: conn.suite,
    ems: conn.ems,
    identity: conn.identity,
    endpoint: conn.endpoint,
    role: conn.credentialRole,
    keyHash: conn.keyHash,
  });
  while (s.cache.size > s.limits.sessionCacheSize) {
    s.cache.delete(s.cache.keys().next().value!);
  }
}

function established(s: DtlsServer, ctx: Ctx, conn: Conn): void {
  leaveHandshake(s, conn);
  conn.phase = "established";
  const hs = conn.hs!;
  hs.lingerUntilMs = ctx.nowMs + s.timing.lingerMs;
  hs.partial.clear();
  hs.future = [];
  hs.clientHello = null;
  hs.candidates = [];
  s.lingering.add(conn);
  s.stats.handshakesCompleted++;
  if (hs.resumed) s.stats.resumptions++;
  // One owner per session: a resumption replaces the connection that had the session.
  const previous = s.bySession.get(conn.session);
  if (previous && previous !== conn) remove(s, ctx, previous, "superseded");
  const displaced = hs.displaced;
  hs.displaced = null;
  if (displaced && displaced.phase === "established" && displaced.ownCid === null) {
    remove(s, ctx, displaced, "superseded");
  }
  s.bySession.set(conn.session, conn);
  if (conn.ownCid) s.byCid.set(toHex(conn.ownCid), conn);
  s.byAddress.set(conn.address, conn);
  remember(s, conn);
  // The first block of write sequence numbers may be used before it is stored: a session that
  // never reached the store cannot be restored, so its numbers cannot be used twice.
  conn.reservedUpTo = conn.requestedUpTo = conn.seq1 + s.reserveBlock;
  ctx.out.push({ kind: "established", session: conn.session, resumed: hs.resumed });
  flushQueue(ctx, conn);
}

function remove(s: DtlsServer, ctx: Ctx, conn: Conn, reason: string): void {
  if (conn.phase === "closed") return;
  const wasEstablished = conn.phase === "established";
  leaveHandshake(s, conn);
  s.lingering.delete(conn);
  conn.phase = "closed";
  if (s.byAddress.get(conn.address) === conn) s.byAddress.delete(conn.address);
  if (conn.ownCid && s.byCid.get(toHex(conn.ownCid)) === conn) s.byCid.delete(toHex(conn.ownCid));
  if (s.bySession.get(conn.session) === conn) s.bySession.delete(conn.session);
  if (reason.startsWith("fatal") || reason.startsWith("wrong")) s.cache.delete(conn.session);
  const displaced = conn.hs?.displaced;
  if (displaced && displaced.phase === "established" && !s.byAddress.has(displaced.address)) {
    s.byAddress.set(displaced.address, displaced); // the failed handshake gives the address back
  }
  conn.hs = null;
  conn.queue = [];
  conn.queuedBytes = 0;
  if (wasEstablished) ctx.out.push({ kind: "closed", session: conn.session, reason });
  else {
    s.stats.handshakesFailed++;
    ctx.out.push({ kind: "failed", address: conn.address, reason });
  }
}

/** A stateless reply (HelloVerifyRequest or alert) that echoes the ClientHello's record seq. */
function statelessRecord(type: number, seq: number, payload: Uint8Array): Uint8Array {
  return encodeRecord({ type, version: DTLS_1_2, epoch: 0, seq, cid: null }, payload);
}

/** A single, unfragmented ClientHello in the first record, or null. */
function clientHelloOf(
  rec: DtlsRecord,
): { hello: ClientHello; raw: Uint8Array; seq: number } | null {
  if (rec.type !== CONTENT_HANDSHAKE || rec.epoch !== 0) return null;
  try {
    const fragments = parseHandshakeFragments(rec.fragment);
    const f = fragments[0];
    if (!f || f.type !== HS_CLIENT_HELLO || f.offset !== 0 || f.fragment.length !== f.length) {
      return null;
    }
    return {
      hello: decodeClientHello(f.fragment),
      raw: encodeHandshake(HS_CLIENT_HELLO, f.seq, f.fragment),
      seq: f.seq,
    };
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
}

/** RFC 6347 §4.2.1: a ClientHello from an address without a handshake in progress. */
function onNewClientHello(
  s: DtlsServer,
  ctx: Ctx,
  address: string,
  rec: DtlsRecord,
  ch: { hello: ClientHello; raw: Uint8Array; seq: number },
): void {
  const { hello } = ch;
  if (!verifyCookie(s.cookies, address, hello)) {
    s.stats.helloVerifyRequests++;
    const body = encodeHelloVerifyRequest(DTLS_1_0, makeCookie(s.cookies, address, hello));
    const message = encodeHandshake(HS_HELLO_VERIFY_REQUEST, ch.seq, body);
    ctx.out.push({
      kind: "send",
      address,
      data: statelessRecord(CONTENT_HANDSHAKE, rec.seq, message),
    });
    return;
  }
  // The cookie proves the address: from here on, state is kept (bounded).
  const alert = (description: number, reason: string) => {
    const payload = new Uint8Array([ALERT_FATAL, description]);
    ctx.out.push({ kind: "send", address, data: statelessRecord(CONTENT_ALERT, rec.seq, payload) });
    s.stats.handshakesFailed++;
    ctx.out.push({ kind: "failed", address, reason });
  };
  if (hello.version > DTLS_1_2) { // DTLS versions count down: 0xFEFF (1.0) > 0xFEFD (1.2)
    return alert(ALERT_PROTOCOL_VERSION, "client does not offer DTLS 1.2");
  }
  const suite = chooseSuite(s.env, hello.suites);
  if (suite === undefined || !hello.compression.includes(0)) {
    return alert(ALERT_HANDSHAKE_FAILURE, "no common cipher suite");
  }
  const ip = s.ipOf(address);
  const existing = s.byAddress.get(address);
  const replacing = existing?.phase === "handshake" ? existing : undefined;
  const handshakes = s.handshaking.size - (replacing ? 1 : 0);
  const perIp = (s.perIp.get(ip) ?? 0) - (replacing ? 1 : 0);
  if (
    handshakes >= s.limits.maxHandshakes || perIp >= s.limits.maxHandshakesPerIp ||
    s.bySession.size >= s.limits.maxSessions
  ) {
    s.stats.refusedByLimit++;
    s.stats.datagramsDropped++;
    return; // silently: the client retries later
  }
  let displaced: Conn | null = null;
  if (replacing) remove(s, ctx, replacing, "replaced by a new ClientHello");
  else if (existing) displaced = existing;
  const conn = newConn("server", address, ctx.nowMs);
  conn.seq0 = rec.seq; // RFC 6347 §4.2.1: continue from the ClientHello's record number
  conn.replay0.max = rec.seq;
  s.byAddress.set(address, conn);
  s.handshaking.add(conn);
  s.perIp.set(ip, perIp + 1);
  s.stats.handshakesStarted++;
  startServerHandshake(ctx, s.env, conn, hello, ch.raw, ch.seq, suite);
  if (conn.hs) conn.hs.displaced = displaced;
}

/** Handles one datagram from `address`. */
export function serverReceive(
  s: DtlsServer,
  address: string,
  data: Uint8Array,
  nowMs: number,
): DtlsEffect[] {
  const ctx = ctxOf(s, nowMs);
  const records = parseRecords(data, s.cidLength);
  if (records.length === 0) {
    s.stats.datagramsDropped++;
    return ctx.out;
  }
  const first = records[0];
  if (first.type === CONTENT_TLS12_CID) {
    const conn = s.byCid.get(toHex(first.cid!));
    if (!conn) s.stats.datagramsDropped++;
    else receiveRecords(ctx, conn, records, address);
    return ctx.out;
  }
  const conn = s.byAddress.get(address);
  if (first.epoch === 0 && first.type === CONTENT_HANDSHAKE) {
    const ch = clientHelloOf(first);
    // A ClientHello that is not a retransmission of the one in progress starts over.
    const retransmission = ch !== null && conn !== undefined &&
      equalBytes(conn.clientRandom, ch.hello.random);
    if (ch && !retransmission) {
      onNewClientHello(s, ctx, address, first, ch);
      return ctx.out;
    }
  }
  if (!conn) {
    s.stats.datagramsDropped++;
    return ctx.out;
  }
  receiveRecords(ctx, conn, records, address);
  return ctx.out;
}

/** Sends application data on an established session (dropped when unknown or over limits). */
export function serverSend(
  s: DtlsServer,
  session: string,
  data: Uint8Array,
  nowMs: number,
): DtlsEffect[] {
  const ctx = ctxOf(s, nowMs);
  const conn = s.bySession.get(session);
  if (conn && conn.phase === "established") {
    if (!sendApplicationData(ctx, conn, data)) s.stats.datagramsDropped++;
  }
  return ctx.out;
}

/** The store holds a reservation up to `upTo` for `session`. */
export function serverConfirmReserve(
  s: DtlsServer,
  session: string,
  upTo: number,
  nowMs: number,
): DtlsEffect[] {
  const ctx = ctxOf(s, nowMs);
  const conn = s.bySession.get(session);
  if (conn) confirmReserve(ctx, conn, upTo);
  return ctx.out;
}

/** Ends a session, with close_notify (RFC 5246 §7.2.1) unless `notify` is false. */
export function serverClose(
  s: DtlsServer,
  session: string,
  nowMs: number,
  reason = "closed",
  notify = true,
): DtlsEffect[] {
  const ctx = ctxOf(s, nowMs);
  const conn = s.bySession.get(session);
  if (conn && conn.phase === "established") {
    if (notify) sendAlert(ctx, conn, ALERT_WARNING, ALERT_CLOSE_NOTIFY);
    remove(s, ctx, conn, reason);
  }
  return ctx.out;
}

/** Shutdown: close_notify to every established session; handshakes are dropped. */
export function serverCloseAll(s: DtlsServer, nowMs: number): DtlsEffect[] {
  const ctx = ctxOf(s, nowMs);
  for (const conn of [...s.bySession.values()]) {
    if (conn.phase === "established") sendAlert(ctx, conn, ALERT_WARNING, ALERT_CLOSE_NOTIFY);
  }
  return ctx.out;
}

/** Timers: retransmissions, abandoned handshakes, lingering state, idle sessions, cookies. */
export function serverTick(s: DtlsServer, nowMs: number): DtlsEffect[] {
  const ctx = ctxOf(s, nowMs);
  s.lastTickMs = nowMs;
  for (const conn of [...s.handshaking]) {
    const hs = conn.hs;
    if (!hs) continue;
    if (conn.lastActivityMs + s.limits.handshakeTimeoutMs <= nowMs) {
      remove(s, ctx, conn, "handshake timed out");
    } else if (!retransmitOnTimer(ctx, conn)) {
      remove(s, ctx, conn, "handshake timed out: no answer to retransmissions");
    }
  }
  for (const conn of s.lingering) { // oldest first: stop at the first that still lingers
    const hs = conn.hs;
    if (hs && hs.lingerUntilMs > nowMs) break;
    if (hs) conn.hs = null;
    s.lingering.delete(conn);
  }
  if (nowMs >= s.cookies.rotateAtMs) {
    rotateCookieKeys(
      s.cookies,
      s.config.random(32),
      nowMs,
      s.config.cookieLifetimeMs ?? COOKIE_LIFETIME_MS,
    );
  }
  if (nowMs >= s.nextSweepMs) {
    s.nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
    const idleBefore = nowMs - s.limits.idleTimeoutMs;
    for (const conn of [...s.bySession.values()]) {
      if (conn.phase === "established" && conn.lastActivityMs <= idleBefore) {
        remove(s, ctx, conn, "idle");
      }
    }
  }
  return ctx.out;
}

/** Handshakes in progress above which deadlines are not scanned one by one. */
const SCAN_LIMIT = 64;
/** Tick period while more handshakes than SCAN_LIMIT run (timers are ≥ 1 s: 100 ms is fine). */
const COARSE_TICK_MS = 100;

/**
 * The earliest time serverTick has work. Cheap enough to ask after every datagram: lingering
 * connections expire in insertion order (only the oldest is looked at), and with many handshakes
 * in progress the answer is "within 100 ms" instead of a scan.
 */
export function serverNextDeadlineMs(s: DtlsServer, nowMs = -Infinity): number {
  let next = Math.min(s.nextSweepMs, s.cookies.rotateAtMs);
  if (s.handshaking.size > SCAN_LIMIT) {
    next = Math.min(next, Math.max(nowMs, s.lastTickMs) + COARSE_TICK_MS);
  } else {
    for (const conn of s.handshaking) {
      const hs = conn.hs;
      if (!hs) continue;
      next = Math.min(next, hs.deadlineMs, conn.lastActivityMs + s.limits.handshakeTimeoutMs);
    }
  }
  for (const conn of s.lingering) {
    const hs = conn.hs;
    if (hs) next = Math.min(next, hs.lingerUntilMs, hs.deadlineMs);
    break; // the oldest lingers shortest; later ones have no retransmission timer
  }
  return next;
}

/** What the shell may know about a session: never a key. */
export interface SessionInfo {
  session: string;
  address: string;
  identity: Uint8Array;
  endpoint: string;
  role: CredentialRole;
  suite: CipherSuite;
  cid: boolean;
}

export function sessionInfo(s: DtlsServer, session: string): SessionInfo | undefined {
  const conn = s.bySession.get(session);
  if (!conn || conn.phase !== "established" || !conn.endpoint || !conn.credentialRole) {
    return undefined;
  }
  return {
    session,
    address: conn.address,
    identity: conn.identity,
    endpoint: conn.endpoint,
    role: conn.credentialRole,
    suite: conn.suite,
    cid: conn.ownCid !== null,
  };
}
