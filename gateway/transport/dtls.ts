/**
 * The DTLS server transport (shell of gateway/dtls/server.ts; RFC 6347, RFC 9146; docs/dtls.md):
 * a DatagramTransport over one UDP socket whose peers are DTLS sessions. Decrypted datagrams go to
 * the CoAP engine with the peer key `dtls:<session id hex>`, stable across RFC 9146 address changes
 * and session resumption; `identityOf(peer)` tells the authenticated PSK identity and the endpoint
 * bound to it. Owns the clock, the randomness, the single timer (armed at the core's next
 * deadline) and the Store: sessions are written to namespace `dtlsSession` when established,
 * with write sequence numbers reserved in blocks before use, and restored at start.
 */

import {
  createDtlsServer,
  type DtlsEffect,
  type DtlsLimits,
  type DtlsServer,
  type DtlsTiming,
  exportSession,
  importSession,
  type PskLookup,
  serverClose,
  serverCloseAll,
  serverConfirmReserve,
  serverNextDeadlineMs,
  serverReceive,
  serverSend,
  serverTick,
  type SessionInfo,
  sessionInfo,
  type StoredDtlsSession,
  toHex,
} from "../dtls/mod.ts";
import { NAMESPACES, type Store } from "../store/store.ts";
import { coordinationOf } from "../store/coordination.ts";
import { type DatagramTransport, formatPeer, parsePeer } from "./datagram.ts";
import { bindUdp } from "./udp.ts";

/** Peer keys of DTLS sessions start with this (plain UDP peers are "ip:port"). */
export const DTLS_PEER_PREFIX = "dtls:";

export function isDtlsPeer(peer: string): boolean {
  return peer.startsWith(DTLS_PEER_PREFIX);
}

export interface DtlsTransportEvent {
  kind: "established" | "closed" | "failed" | "addressChanged";
  /** The CoAP peer key (not for `failed`). */
  peer?: string;
  address: string;
  endpoint?: string;
  reason?: string;
  resumed?: boolean;
  /** The cipher suite of an established session (IANA number). */
  suite?: number;
}

export interface DtlsTransportOptions {
  host: string;
  port: number;
  psk: PskLookup;
  /** Sessions persist here (namespace dtlsSession) when given. */
  store?: Store;
  /** Write sequence numbers reserved per store write (default 1000). */
  reserveBlock?: number;
  cidLength?: number;
  limits?: Partial<DtlsLimits>;
  timing?: Partial<DtlsTiming>;
  /** Wall-clock milliseconds (sessions outlive the process); default Date.now. */
  clock?: () => number;
  random?: (n: number) => Uint8Array;
  onEvent?: (event: DtlsTransportEvent) => void;
  onError?: (error: unknown) => void;
}

export interface DtlsTransport extends DatagramTransport {
  readonly core: DtlsServer;
  /** The authenticated identity of a `dtls:` peer (never a key). */
  identityOf(peer: string): SessionInfo | undefined;
  /** The current UDP address of a `dtls:` peer. */
  addressOf(peer: string): string | undefined;
  /** Sessions restored from the store at start. */
  readonly restored: number;
  /** Ends one session with close_notify. */
  closeSession(peer: string, reason?: string): void;
}

const DEFAULT_RESERVE_BLOCK = 1000;
/**
 * Ownership lease of a session (issue 10: one owner at a time, atomic on Redis). Renewed with
 * every sequence-number reservation and on establish/restore; a node that cannot take or renew
 * it closes its copy silently. A node restarting after a crash gets a crashed owner's sessions
 * back once this lease has run out (Redis; the embedded stores keep leases in memory).
 */
const SESSION_LEASE_MS = 60_000;

function cryptoRandom(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

export function peerOf(session: string): string {
  return DTLS_PEER_PREFIX + session;
}

function sessionOf(peer: string): string {
  return peer.slice(DTLS_PEER_PREFIX.length);
}

/** Binds the socket, restores stored sessions (reserving fresh sequence numbers) and returns. */
export async function startDtlsTransport(options: DtlsTransportOptions): Promise<DtlsTransport> {
  const clock = options.clock ?? Date.now;
  const random = options.random ?? cryptoRandom;
  const store = options.store;
  const reserveBlock = store ? options.reserveBlock ?? DEFAULT_RESERVE_BLOCK : Infinity;
  const onError = options.onError ?? (() => {});
  const owner = toHex(random(8));
  const core = createDtlsServer({
    psk: options.psk,
    random,
    cidLength: options.cidLength,
    limits: options.limits,
    timing: options.timing,
    reserveBlock,
  }, clock());

  // Store writes of one session run in order (a delete never overtakes an earlier put).
  const chains = new Map<string, Promise<void>>();
  const inOrder = (session: string, work: () => Promise<void>) => {
    const next = (chains.get(session) ?? Promise.resolve()).then(work).catch(onError);
    chains.set(session, next);
    next.finally(() => {
      if (chains.get(session) === next) chains.delete(session);
    });
  };

  let restored = 0;
  const coordination = store ? coordinationOf(store, clock) : null;
  if (store) {
    const now = clock();
    const idleBefore = now - core.limits.idleTimeoutMs;
    for (const { key, value } of await store.list<StoredDtlsSession>(NAMESPACES.dtlsSession)) {
      if (value.lastActivityMs <= idleBefore) {
        await store.delete(NAMESPACES.dtlsSession, key);
        continue;
      }
      // One owner at a time: a session another live node holds is left to it.
      const lease = await coordination!.acquireLease(`dtls:${key}`, owner, SESSION_LEASE_MS);
      if (!lease.held) continue;
      const conn = importSession(core, value, now);
      if (!conn) {
        await store.delete(NAMESPACES.dtlsSession, key);
        continue;
      }
      // Take ownership and reserve above everything the previous owner may have used.
      await store.put(NAMESPACES.dtlsSession, key, exportSession(conn, conn.reservedUpTo, owner));
      restored++;
    }
  }

  let deliver: (peer: string, data: Uint8Array) => void = () => {};
  let closed = false;
  const addresses = new Map<string, Deno.NetAddr>();
  const dualStack = options.host.includes(":");
  const pendingSends = new Set<Promise<unknown>>();

  const endpoint = bindUdp(options.host, options.port, (data, from) => {
    if (closed) return;
    const address = formatPeer(from.hostname, from.port);
    if (!addresses.has(address)) {
      if (addresses.size > 200_000) addresses.clear();
      addresses.set(address, from);
    }
    run(serverReceive(core, address, data, clock()));
  }, onError);

  function sendTo(address: string, data: Uint8Array): void {
    let to = addresses.get(address);
    if (!to) {
      const { hostname, port } = parsePeer(address);
      const mapped = dualStack && !hostname.includes(":") ? `::ffff:${hostname}` : hostname;
      to = { transport: "udp", hostname: mapped, port };
    }
    const p = endpoint.send(data, to).catch(onError);
    pendingSends.add(p);
    p.finally(() => pendingSends.delete(p));
  }

  function persist(session: string, reservedUpTo: number, checkOwner: boolean): void {
    if (!store) return;
    inOrder(session, async () => {
      const conn = core.bySession.get(session);
      if (!conn || conn.phase !== "established") return;
      const lease = await coordination!.acquireLease(`dtls:${session}`, owner, SESSION_LEASE_MS);
      if (checkOwner || !lease.held) {
        const current = await store.get<StoredDtlsSession>(NAMESPACES.dtlsSession, session);
        if (!lease.held || (current && current.owner !== owner)) {
          // Another server took the session over: one owner at a time, ours ends silently.
          run(serverClose(core, session, clock(), "owned by another server", false));
          return;
        }
      }
      await store.put(NAMESPACES.dtlsSession, session, exportSession(conn, reservedUpTo, owner));
      if (checkOwner) run(serverConfirmReserve(core, session, reservedUpTo, clock()));
    });
  }

  function run(effects: DtlsEffect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case "send":
          sendTo(e.address, e.data);
          break;
        case "deliver":
          deliver(peerOf(e.session), e.data);
          break;
        case "established": {
          const conn = core.bySession.get(e.session)!;
          persist(e.session, conn.reservedUpTo, false);
          options.onEvent?.({
            kind: "established",
            peer: peerOf(e.session),
            address: conn.address,
            endpoint: conn.endpoint ?? undefined,
            resumed: e.resumed,
            suite: conn.suite,
          });
          break;
        }
        case "closed": {
          // A session ended by our shutdown stays stored (restart, resumption); others go.
          if (store && e.reason !== "shutdown") {
            inOrder(e.session, async () => {
              if (!core.bySession.has(e.session)) {
                await store.delete(NAMESPACES.dtlsSession, e.session);
              }
            });
          }
          options.onEvent?.({
            kind: "closed",
            peer: peerOf(e.session),
            address: "",
            reason: e.reason,
          });
          break;
        }
        case "failed":
          options.onEvent?.({ kind: "failed", address: e.address, reason: e.reason });
          break;
        case "addressChanged": {
          const conn = core.bySession.get(e.session);
          if (conn) persist(e.session, conn.reservedUpTo, false);
          options.onEvent?.({
            kind: "addressChanged",
            peer: peerOf(e.session),
            address: e.address,
          });
          break;
        }
        case "reserve":
          persist(e.session, e.upTo, true);
          break;
      }
    }
    arm();
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAtMs = Infinity;
  function arm(): void {
    if (closed) return;
    const next = serverNextDeadlineMs(core, clock());
    if (next >= timerAtMs) return;
    clearTimeout(timer);
    timerAtMs = next;
    timer = setTimeout(() => {
      timerAtMs = Infinity;
      if (!closed) run(serverTick(core, clock()));
    }, Math.min(Math.max(0, next - clock()), 2 ** 31 - 1));
  }
  arm();

  return {
    port: endpoint.port,
    core,
    restored,
    start(onDatagram) {
      deliver = onDatagram;
    },
    send(peer, data) {
      if (closed || !isDtlsPeer(peer)) return;
      run(serverSend(core, sessionOf(peer), data, clock()));
    },
    identityOf(peer) {
      return isDtlsPeer(peer) ? sessionInfo(core, sessionOf(peer)) : undefined;
    },
    addressOf(peer) {
      return isDtlsPeer(peer) ? core.bySession.get(sessionOf(peer))?.address : undefined;
    },
    closeSession(peer, reason = "closed") {
      if (isDtlsPeer(peer)) run(serverClose(core, sessionOf(peer), clock(), reason));
    },
    async close() {
      if (closed) return;
      run(serverCloseAll(core, clock()));
      closed = true;
      clearTimeout(timer);
      await Promise.allSettled([...pendingSends]);
      await Promise.allSettled([...chains.values()]);
      endpoint.close();
      await endpoint.closed;
    },
  };
}
