/**
 * Load generator of bench/dtls/run.ts (issue 8), a separate Deno process so the server's CPU is
 * its own. Modes:
 *   handshake PORT CONCURRENCY WARMUP_MS DURATION_MS  full PSK handshakes (cookie exchange
 *     included) back to back on CONCURRENCY sockets, with the sans-IO client core
 *   rtt-dtls PORT CONCURRENCY WARMUP_MS DURATION_MS   CoAP CON GET /bench round trips over
 *     established DTLS sessions (one per socket, one request in flight each)
 *   rtt-plain PORT CONCURRENCY WARMUP_MS DURATION_MS  the same over plain UDP
 * Prints one JSON line {mode, count, seconds, perSecond, failures}. Every loop ends at its deadline.
 */

import {
  clientConnect,
  clientReceive,
  clientSend,
  createDtlsClient,
  type DtlsClient,
  type DtlsEffect,
} from "../../gateway/dtls/mod.ts";

const [mode, portArg, concurrencyArg, warmupArg, durationArg] = Deno.args;
const port = Number(portArg), concurrency = Number(concurrencyArg);
const warmupMs = Number(warmupArg), durationMs = Number(durationArg);
const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port };
const KEY = new TextEncoder().encode("bench-key");
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const start = performance.now();
const measureFrom = start + warmupMs;
const end = measureFrom + durationMs;
let count = 0, failures = 0;

/** CON GET /bench with message id `mid` and a 2-byte token (RFC 7252 §3). */
function getBench(mid: number): Uint8Array {
  return new Uint8Array([
    0x42,
    0x01,
    mid >> 8,
    mid & 255,
    0x12,
    0x34,
    0xb5,
    0x62,
    0x65,
    0x6e,
    0x63,
    0x68,
  ]);
}

/** Sends effects' datagrams; returns delivered payloads and whether the handshake finished. */
function apply(socket: Deno.DatagramConn, effects: DtlsEffect[]) {
  let established = false, failed = false;
  const delivered: Uint8Array[] = [];
  for (const e of effects) {
    if (e.kind === "send") socket.send(e.data, to).catch(() => {});
    else if (e.kind === "established") established = true;
    else if (e.kind === "failed" || e.kind === "closed") failed = true;
    else if (e.kind === "deliver") delivered.push(e.data);
  }
  return { established, failed, delivered };
}

/**
 * Receives the next datagram, or null once the socket was closed. No timer per receive (a timer
 * per datagram cost more than the DTLS work here): a watchdog closes every socket at the end and
 * a stalled loop (a datagram lost on loopback) just stops counting.
 */
async function receive(socket: Deno.DatagramConn, _ms: number): Promise<Uint8Array | null> {
  try {
    return (await socket.receive())[0];
  } catch {
    return null;
  }
}

const sockets = new Set<Deno.DatagramConn>();
function openSocket(): Deno.DatagramConn {
  const s = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  sockets.add(s);
  return s;
}
const watchdog = setTimeout(() => {
  for (const s of sockets) {
    try {
      s.close();
    } catch { /* closed */ }
  }
}, end - performance.now() + 3000);

/** One full handshake on `socket`; the client or null. */
async function handshake(socket: Deno.DatagramConn, id: number): Promise<DtlsClient | null> {
  const client = createDtlsClient(
    {
      identity: new TextEncoder().encode(`bench-${id}`),
      psk: KEY,
      random,
      timing: { initialRetransmitMs: 500, maxRetransmits: 2 },
    },
    `127.0.0.1:${port}`,
    performance.now(),
  );
  apply(socket, clientConnect(client, performance.now()));
  for (let i = 0; i < 10; i++) {
    const data = await receive(socket, 1000);
    if (!data) return null;
    const r = apply(socket, clientReceive(client, data, performance.now()));
    if (r.failed) return null;
    if (r.established) return client;
  }
  return null;
}

async function handshakeLoop(id: number): Promise<void> {
  const socket = openSocket();
  try {
    while (performance.now() < end) {
      const ok = await handshake(socket, id);
      const now = performance.now();
      if (now >= measureFrom && now < end) ok ? count++ : failures++;
    }
  } finally {
    sockets.delete(socket);
    try {
      socket.close();
    } catch { /* closed by the watchdog */ }
  }
}

async function rttLoop(id: number, secure: boolean): Promise<void> {
  const socket = openSocket();
  try {
    let client: DtlsClient | null = null;
    if (secure) {
      client = await handshake(socket, id);
      if (!client) {
        failures++;
        return;
      }
    }
    let mid = id * 1000;
    while (performance.now() < end) {
      mid = (mid + 1) & 0xffff;
      const request = getBench(mid);
      if (client) apply(socket, clientSend(client, request, performance.now()));
      else socket.send(request, to).catch(() => {});
      let answered = false;
      while (!answered) {
        const data = await receive(socket, 2000);
        if (!data) break;
        let payloads = [data];
        if (client) {
          payloads = apply(socket, clientReceive(client, data, performance.now())).delivered;
        }
        answered = payloads.some((p) => p.length >= 4 && p[2] === mid >> 8 && p[3] === (mid & 255));
      }
      const now = performance.now();
      if (now >= measureFrom && now < end) answered ? count++ : failures++;
    }
  } finally {
    sockets.delete(socket);
    try {
      socket.close();
    } catch { /* closed by the watchdog */ }
  }
}

const loops = [];
for (let i = 0; i < concurrency; i++) {
  loops.push(mode === "handshake" ? handshakeLoop(i) : rttLoop(i, mode === "rtt-dtls"));
}
await Promise.all(loops);
clearTimeout(watchdog);
const seconds = durationMs / 1000;
console.log(JSON.stringify({ mode, count, seconds, perSecond: count / seconds, failures }));
