/**
 * Test harness for the sans-IO DTLS core (gateway/dtls): a seeded random source, a server and
 * clients wired in memory with literal times, and helpers that deliver `send` effects between
 * them (optionally dropping or recording datagrams). Not a test file itself.
 */

import {
  clientConnect,
  clientReceive,
  clientSend,
  clientTick,
  createDtlsClient,
  type DtlsClient,
  type DtlsClientConfig,
} from "../../gateway/dtls/client.ts";
import {
  createDtlsServer,
  type DtlsServer,
  type DtlsServerConfig,
  serverReceive,
  serverSend,
  serverTick,
} from "../../gateway/dtls/server.ts";
import type { DtlsEffect, PskCandidate } from "../../gateway/dtls/types.ts";

const te = new TextEncoder();
export const bytes = (s: string): Uint8Array => te.encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** xorshift128+-style deterministic bytes (tests only: reproducible handshakes). */
export function seededRandom(seed: number): (n: number) => Uint8Array {
  let a = seed >>> 0 || 1, b = 0x9e3779b9;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let t = a ^ (a << 11);
      a = b;
      b = (b ^ (b >>> 19)) ^ (t ^ (t >>> 8));
      t = b >>> 0;
      out[i] = t & 255;
    }
    return out;
  };
}

export const KEY = Uint8Array.fromHex("00112233445566778899aabbccddeeff");

/** A PSK table: identity -> candidates. */
export function pskTable(entries: Record<string, PskCandidate | PskCandidate[]>) {
  return (identity: Uint8Array) => entries[new TextDecoder().decode(identity)];
}

export interface Pair {
  server: DtlsServer;
  client: DtlsClient;
  /** Datagrams in flight: [to, from, data]. */
  wire: { to: "server" | "client"; from: string; data: Uint8Array }[];
  serverEffects: DtlsEffect[];
  clientEffects: DtlsEffect[];
  clientAddress: string;
}

export function makeServer(config: Partial<DtlsServerConfig> = {}, nowMs = 0): DtlsServer {
  return createDtlsServer({
    psk: pskTable({ dev1: { key: KEY, endpoint: "ep1", role: "server" } }),
    random: seededRandom(1),
    reserveBlock: Infinity,
    ...config,
  }, nowMs);
}

export function makeClient(config: Partial<DtlsClientConfig> = {}, nowMs = 0): DtlsClient {
  return createDtlsClient(
    {
      identity: bytes("dev1"),
      psk: KEY,
      random: seededRandom(2),
      ...config,
    },
    "server:5684",
    nowMs,
  );
}

export function pair(
  server: DtlsServer,
  client: DtlsClient,
  clientAddress = "10.0.0.2:40000",
): Pair {
  return { server, client, wire: [], serverEffects: [], clientEffects: [], clientAddress };
}

/** Queues the `send` effects of one side; keeps every effect for assertions. */
export function route(p: Pair, side: "server" | "client", effects: DtlsEffect[]): void {
  (side === "server" ? p.serverEffects : p.clientEffects).push(...effects);
  for (const e of effects) {
    if (e.kind !== "send") continue;
    if (side === "server") p.wire.push({ to: "client", from: "server:5684", data: e.data });
    else p.wire.push({ to: "server", from: p.clientAddress, data: e.data });
  }
}

/**
 * Delivers queued datagrams until none is left (at most `maxSteps`), at time `nowMs`.
 * `drop(i, datagram)` may discard one.
 */
export function pump(
  p: Pair,
  nowMs: number,
  drop: (d: { to: string; data: Uint8Array }) => boolean = () => false,
  maxSteps = 100,
): void {
  for (let i = 0; i < maxSteps && p.wire.length > 0; i++) {
    const d = p.wire.shift()!;
    if (drop(d)) continue;
    if (d.to === "server") route(p, "server", serverReceive(p.server, d.from, d.data, nowMs));
    else route(p, "client", clientReceive(p.client, d.data, nowMs));
  }
}

export function connect(p: Pair, nowMs = 0): void {
  route(p, "client", clientConnect(p.client, nowMs));
  pump(p, nowMs);
}

export function clientSends(p: Pair, data: Uint8Array, nowMs = 0): void {
  route(p, "client", clientSend(p.client, data, nowMs));
}

export function serverSends(p: Pair, session: string, data: Uint8Array, nowMs = 0): void {
  route(p, "server", serverSend(p.server, session, data, nowMs));
}

export function ticks(p: Pair, nowMs: number): void {
  route(p, "server", serverTick(p.server, nowMs));
  route(p, "client", clientTick(p.client, nowMs));
}

export function delivered(effects: DtlsEffect[]): string[] {
  return effects.flatMap((e) => e.kind === "deliver" ? [text(e.data)] : []);
}

export function kinds(effects: DtlsEffect[]): string[] {
  return effects.map((e) => e.kind);
}
