/**
 * The UDP sockets of simulated clients as one DatagramTransport (the transport layer of DESIGN.md
 * §2, under one CoAP engine): each socket has an index, and the engine's peers are
 * "index@ip:port", so one engine serves every client of a process while each client keeps its own
 * source address. Each socket has a fixed receive buffer (one path MTU, 1500 bytes: a CoAP message
 * with a 1024-byte block fits) instead of Deno's default 64 KiB per pending receive, and a gate
 * that drops datagrams for a client in queue-mode sleep (its radio is off).
 */

import type { DatagramTransport } from "../transport/datagram.ts";
import { formatPeer, parsePeer } from "../transport/datagram.ts";

/** Largest datagram a client receives (Ethernet MTU; a 1024-byte block plus CoAP header fits). */
export const RECEIVE_BUFFER_BYTES = 1500;

export type Gate = (socketIndex: number, data: Uint8Array) => boolean;

export class SocketPool implements DatagramTransport {
  readonly #conns: (Deno.DatagramConn | null)[] = [];
  readonly #ports: number[] = [];
  #deliver: (peer: string, data: Uint8Array) => void = () => {};
  #closing = false;
  #open = 0;
  gate: Gate | null = null;
  readonly #onError: (e: unknown) => void;

  constructor(onError: (e: unknown) => void = () => {}) {
    this.#onError = onError;
  }

  /** The port of the first socket (the engine asks; clients use `localPort`). */
  get port(): number {
    return this.#ports[0] ?? 0;
  }

  /** Sockets open now. */
  get size(): number {
    return this.#open;
  }

  start(onDatagram: (peer: string, data: Uint8Array) => void): void {
    this.#deliver = onDatagram;
  }

  /** Binds one more socket on `host` (port 0: any free one); returns its index. */
  open(host: string, port = 0): number {
    const conn = Deno.listenDatagram({ transport: "udp", hostname: host, port });
    const index = this.#conns.length;
    this.#conns.push(conn);
    this.#ports.push((conn.addr as Deno.NetAddr).port);
    this.#open++;
    const buffer = new Uint8Array(RECEIVE_BUFFER_BYTES);
    const next = (): void => {
      conn.receive(buffer).then(([data, from]) => {
        const addr = from as Deno.NetAddr;
        const copy = data.slice();
        if (!this.gate || this.gate(index, copy)) {
          this.#deliver(`${index}@${formatPeer(addr.hostname, addr.port)}`, copy);
        }
        next();
      }, (e) => {
        if (!this.#closing && this.#conns[index] === conn) this.#onError(e);
      });
    };
    next();
    return index;
  }

  localPort(index: number): number {
    return this.#ports[index];
  }

  /** Closes one socket (a client that left). */
  closeSocket(index: number): void {
    const conn = this.#conns[index];
    if (!conn) return;
    this.#conns[index] = null;
    this.#open--;
    try {
      conn.close();
    } catch { /* already closed */ }
  }

  send(peer: string, data: Uint8Array): void {
    const at = peer.indexOf("@");
    const conn = this.#conns[Number(peer.slice(0, at))];
    if (!conn) return;
    const { hostname, port } = parsePeer(peer.slice(at + 1));
    conn.send(data, { transport: "udp", hostname, port }).catch((e) => {
      if (!this.#closing) this.#onError(e);
    });
  }

  close(): Promise<void> {
    this.#closing = true;
    for (let i = 0; i < this.#conns.length; i++) this.closeSocket(i);
    return Promise.resolve();
  }
}

/** "index@ip:port" -> [index, "ip:port"]. */
export function splitPeer(peer: string): [number, string] {
  const at = peer.indexOf("@");
  return [Number(peer.slice(0, at)), peer.slice(at + 1)];
}
