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

/** The largest UDP payload (65,535 minus IP and UDP headers). */
const MAX_DATAGRAM = 65536;
const SLAB_SIZE = 256 * 1024;

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
  // Receiving into one reused buffer avoids a fresh 64 KiB allocation per datagram (measured in
  // bench/coap_rtt: about a third of the per-datagram CPU); each datagram is then copied into a
  // slab, because consumers keep subarrays of it.
  const buffer = new Uint8Array(MAX_DATAGRAM);
  let slab = new Uint8Array(SLAB_SIZE);
  let slabAt = 0;
  const closed = (async () => {
    try {
      while (!closing) {
        const [data, from] = await conn.receive(buffer);
        const n = data.length;
        let copy: Uint8Array;
        if (n > SLAB_SIZE / 8) copy = data.slice();
        else {
          if (slabAt + n > SLAB_SIZE) {
            slab = new Uint8Array(SLAB_SIZE);
            slabAt = 0;
          }
          copy = slab.subarray(slabAt, slabAt + n);
          copy.set(data);
          slabAt += n;
        }
        try {
          onDatagram(copy, from as Deno.NetAddr);
        } catch (error) {
          onError(error); // a failing consumer must not end the receive loop
        }
      }
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
