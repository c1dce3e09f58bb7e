/**
 * The DTLS client transport (shell of gateway/dtls/client.ts; RFC 6347 with PSK, RFC 9146 CID;
 * docs/dtls.md): a DatagramTransport to one coaps:// server, for the LwM2M client library and
 * simulator. The CoAP engine sends to the server's "host:port" peer as over plain UDP; data waits
 * while the handshake runs. After the session ends (close_notify, e.g. a gateway restart) the
 * next send resumes it with an abbreviated handshake (RFC 5246 §7.3). `rebind()` moves to a new
 * local port mid-session (what a NAT rebinding looks like; with a CID the session survives).
 */

import {
  clientClose,
  clientConnect,
  clientNextDeadlineMs,
  clientReceive,
  clientSend,
  clientSession,
  clientTick,
  createDtlsClient,
  type DtlsClient,
  type DtlsEffect,
  type DtlsTiming,
  type ResumableSession,
} from "../dtls/mod.ts";
import type { CipherSuite } from "../dtls/constants.ts";
import { type DatagramTransport, formatPeer } from "./datagram.ts";
import { bindUdp, type UdpEndpoint } from "./udp.ts";

export interface DtlsClientOptions {
  /** PSK identity (a string is UTF-8 encoded). */
  identity: string | Uint8Array;
  /** The PSK, as bytes or hex. */
  key: string | Uint8Array;
  /** Offer RFC 9146 Connection ID (the server then routes by CID, not by address). */
  cid?: boolean;
  suites?: readonly CipherSuite[];
  localHost?: string;
  localPort?: number;
  timing?: Partial<DtlsTiming>;
  /** A session to resume on the first handshake. */
  resume?: ResumableSession | null;
  onError?: (error: unknown) => void;
  onEvent?: (
    event: { kind: "established" | "closed" | "failed"; reason?: string; resumed?: boolean },
  ) => void;
}

export interface DtlsClientTransport extends DatagramTransport {
  /** Resolves when the current handshake completes; rejects when it fails. */
  connected(): Promise<void>;
  /** The session of the current connection (for resumption), once established. */
  session(): ResumableSession | null;
  /** Whether the current connection was an abbreviated (resumed) handshake. */
  readonly resumed: boolean;
  /** Handshakes done so far (full or abbreviated). */
  readonly handshakes: number;
  /** Closes the socket and continues the same DTLS session from a new local port. */
  rebind(port?: number): Promise<void>;
}

const te = new TextEncoder();

export function dtlsClientTransport(
  serverHost: string,
  serverPort: number,
  options: DtlsClientOptions,
): DtlsClientTransport {
  const identity = typeof options.identity === "string"
    ? te.encode(options.identity)
    : options.identity;
  const psk = typeof options.key === "string" ? Uint8Array.fromHex(options.key) : options.key;
  const onError = options.onError ?? (() => {});
  const localHost = options.localHost ?? (serverHost.includes(":") ? "::1" : "127.0.0.1");
  const serverPeer = formatPeer(serverHost, serverPort);
  const to: Deno.NetAddr = { transport: "udp", hostname: serverHost, port: serverPort };
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const clock = () => performance.now();

  let deliver: (peer: string, data: Uint8Array) => void = () => {};
  let closed = false;
  let client: DtlsClient | null = null;
  let lastSession: ResumableSession | null = options.resume ?? null;
  let waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  let handshakes = 0;
  const pendingSends = new Set<Promise<unknown>>();
  let socket: UdpEndpoint = bind(options.localPort ?? 0);

  function bind(port: number): UdpEndpoint {
    return bindUdp(localHost, port, (data) => {
      if (closed || !client) return;
      run(clientReceive(client, data, clock()));
    }, onError);
  }

  function newClient(): DtlsClient {
    const c = createDtlsClient(
      {
        identity,
        psk,
        random,
        cid: options.cid ?? false,
        suites: options.suites,
        timing: options.timing,
        resume: lastSession,
      },
      serverPeer,
      clock(),
    );
    client = c;
    run(clientConnect(c, clock()));
    return c;
  }

  function settle(error: Error | null): void {
    const list = waiters;
    waiters = [];
    for (const w of list) error ? w.reject(error) : w.resolve();
  }

  function run(effects: DtlsEffect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case "send": {
          const p = socket.send(e.data, to).catch(onError);
          pendingSends.add(p);
          p.finally(() => pendingSends.delete(p));
          break;
        }
        case "deliver":
          deliver(serverPeer, e.data);
          break;
        case "established":
          handshakes++;
          lastSession = clientSession(client!);
          options.onEvent?.({ kind: "established", resumed: e.resumed });
          settle(null);
          break;
        case "closed":
          options.onEvent?.({ kind: "closed", reason: e.reason });
          break;
        case "failed":
          if (/fatal alert|Finished/.test(e.reason)) lastSession = null; // do not resume it again
          options.onEvent?.({ kind: "failed", reason: e.reason });
          settle(new Error(`DTLS handshake failed: ${e.reason}`));
          break;
      }
    }
    arm();
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAtMs = Infinity;
  function arm(): void {
    if (closed || !client) return;
    const next = clientNextDeadlineMs(client);
    if (next === timerAtMs) return;
    clearTimeout(timer);
    timerAtMs = next;
    if (next === Infinity) return;
    timer = setTimeout(() => {
      timerAtMs = Infinity;
      if (!closed && client) run(clientTick(client, clock()));
    }, Math.max(0, next - clock()));
  }

  /** The live connection, starting a (resumed) handshake when there is none. */
  function current(): DtlsClient {
    return client && client.conn.phase !== "closed" ? client : newClient();
  }

  return {
    get port() {
      return socket.port;
    },
    get resumed() {
      return client?.resumed ?? false;
    },
    get handshakes() {
      return handshakes;
    },
    start(onDatagram) {
      deliver = onDatagram;
      current();
    },
    send(_peer, data) {
      if (closed) return;
      run(clientSend(current(), data, clock()));
    },
    connected() {
      const c = current();
      if (c.conn.phase === "established") return Promise.resolve();
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    session: () => (client ? clientSession(client) : null),
    async rebind(port = 0) {
      const old = socket;
      socket = bind(port);
      old.close();
      await old.closed;
    },
    async close() {
      if (closed) return;
      if (client) run(clientClose(client, clock()));
      closed = true;
      clearTimeout(timer);
      settle(new Error("DTLS transport closed"));
      await Promise.allSettled([...pendingSends]); // the close_notify leaves before the socket
      socket.close();
      await socket.closed;
    },
  };
}
