/**
 * The datagram transport interface the CoAP engine runs on, with peers as "ip:port" strings
 * ("[v6]:port" for IPv6; IPv4-mapped "::ffff:a.b.c.d" is normalised to "a.b.c.d"), and its UDP
 * implementation on gateway/transport/udp.ts. DESIGN.md §2: only transports touch sockets.
 */

import { bindUdp } from "./udp.ts";

export interface DatagramTransport {
  /** The bound local port. */
  readonly port: number;
  /** Starts delivering datagrams; call once. */
  start(onDatagram: (peer: string, data: Uint8Array) => void): void;
  send(peer: string, data: Uint8Array): void;
  close(): Promise<void>;
}

/** Formats an address as a peer key, normalising IPv4-mapped IPv6 addresses. */
export function formatPeer(hostname: string, port: number): string {
  const host = hostname.toLowerCase().startsWith("::ffff:") && hostname.includes(".")
    ? hostname.slice(7)
    : hostname;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parses "ip:port" or "[v6]:port". */
export function parsePeer(peer: string): { hostname: string; port: number } {
  const colon = peer.lastIndexOf(":");
  if (colon < 0) throw new Error(`not a peer address: ${peer}`);
  let hostname = peer.slice(0, colon);
  if (hostname.startsWith("[") && hostname.endsWith("]")) hostname = hostname.slice(1, -1);
  const port = Number(peer.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port in ${peer}`);
  return { hostname, port };
}

/**
 * UDP on `host:port` (port 0 picks a free one). On a dual-stack "::" socket, IPv4 peers are sent
 * to through their IPv4-mapped form.
 */
export function udpTransport(
  host: string,
  port: number,
  onError: (error: unknown) => void = () => {},
): DatagramTransport {
  let deliver: (peer: string, data: Uint8Array) => void = () => {};
  const addresses = new Map<string, Deno.NetAddr>();
  const endpoint = bindUdp(host, port, (data, from) => {
    const peer = formatPeer(from.hostname, from.port);
    if (!addresses.has(peer)) {
      if (addresses.size > 100_000) addresses.clear();
      // A plain object: Deno's address object costs ~290 B more per peer (bench/lwm2m).
      addresses.set(peer, { transport: "udp", hostname: from.hostname, port: from.port });
    }
    deliver(peer, data);
  }, onError);
  const dualStack = host.includes(":");
  return {
    port: endpoint.port,
    start(onDatagram) {
      deliver = onDatagram;
    },
    send(peer, data) {
      let to = addresses.get(peer);
      if (!to) {
        const { hostname, port } = parsePeer(peer);
        const mapped = dualStack && !hostname.includes(":") ? `::ffff:${hostname}` : hostname;
        to = { transport: "udp", hostname: mapped, port };
      }
      endpoint.send(data, to).catch(onError);
    },
    async close() {
      endpoint.close();
      await endpoint.closed;
    },
  };
}
