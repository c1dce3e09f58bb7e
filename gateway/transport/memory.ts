/**
 * An in-memory datagram network for tests: transports on one `MemoryNetwork` deliver to each
 * other by "ip:port" peer strings, asynchronously (a microtask later), optionally dropping a share
 * of datagrams with an injected random source. No sockets.
 */

import type { DatagramTransport } from "./datagram.ts";

export class MemoryNetwork {
  readonly #nodes = new Map<string, (peer: string, data: Uint8Array) => void>();
  #nextPort = 40000;
  /** Every datagram sent, for assertions: [from, to, bytes]. */
  readonly log: [string, string, Uint8Array][] = [];
  /** Return true to drop a datagram. */
  drop: (from: string, to: string, data: Uint8Array) => boolean = () => false;

  transport(host = "127.0.0.1", port = 0): DatagramTransport {
    const self = `${host}:${port || this.#nextPort++}`;
    return {
      port: Number(self.slice(self.lastIndexOf(":") + 1)),
      start: (onDatagram) => {
        this.#nodes.set(self, onDatagram);
      },
      send: (peer, data) => {
        const copy = data.slice();
        this.log.push([self, peer, copy]);
        if (this.drop(self, peer, copy)) return;
        queueMicrotask(() => this.#nodes.get(peer)?.(self, copy));
      },
      close: () => {
        this.#nodes.delete(self);
        return Promise.resolve();
      },
    };
  }
}
