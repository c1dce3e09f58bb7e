/**
 * UDP transport of the shell: binds one datagram socket (Deno.listenDatagram, needs the
 * unstable `net` feature that deno.json enables) and hands every datagram to a callback.
 * The first step of the flow device -> transport -> coap (DESIGN.md §2).
 */

export interface UdpEndpoint {
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  send(data: Uint8Array, to: Deno.NetAddr): Promise<number>;
  /** Stops receiving and releases the port; `closed` resolves once the receive loop ended. */
  close(): void;
  readonly closed: Promise<void>;
}

export type DatagramHandler = (data: Uint8Array, from: Deno.NetAddr) => void;

/** Binds `host:port` (throws Deno.errors.AddrInUse etc.) and starts the receive loop. */
export function bindUdp(
  host: string,
  port: number,
  onDatagram: DatagramHandler,
  onError: (error: unknown) => void,
): UdpEndpoint {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: host, port });
  let closing = false;
  const closed = (async () => {
    try {
      for await (const [data, from] of conn) onDatagram(data, from as Deno.NetAddr);
    } catch (error) {
      if (!closing) onError(error);
    }
  })();
  return {
    port: (conn.addr as Deno.NetAddr).port,
    send: (data, to) => conn.send(data, to),
    close() {
      if (closing) return;
      closing = true;
      conn.close();
    },
    closed,
  };
}
