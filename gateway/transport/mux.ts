/**
 * Two transports under one CoAP engine (DESIGN.md §2): plain UDP (NoSec, peers "ip:port") and
 * DTLS (peers "dtls:<session>"), so one LwM2M server serves both ports. Sends go to the transport
 * that owns the peer key; `port` is the plain port when there is one.
 */

import type { DatagramTransport } from "./datagram.ts";
import { isDtlsPeer } from "./dtls.ts";

export function muxTransports(
  plain: DatagramTransport | null,
  secure: DatagramTransport | null,
): DatagramTransport {
  const first = plain ?? secure;
  if (!first) throw new Error("muxTransports needs at least one transport");
  return {
    port: first.port,
    start(onDatagram) {
      plain?.start(onDatagram);
      secure?.start(onDatagram);
    },
    send(peer, data) {
      if (isDtlsPeer(peer)) secure?.send(peer, data);
      else plain?.send(peer, data);
    },
    async close() {
      await Promise.all([plain?.close(), secure?.close()]);
    },
  };
}
