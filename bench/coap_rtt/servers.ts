/**
 * Server side of the CoAP round-trip benchmark (issue 3): one Deno child process per target, all
 * started the same way (`deno run --unstable-net servers.ts MODE`), so the only difference between
 * them is the code that turns a request datagram into a reply:
 *   echo       bare Deno.listenDatagram receive loop that sends every datagram back (the ceiling);
 *   transport  the gateway's udpTransport echoing (peer strings, address map, the same loop);
 *   engine     a CoapEngine on udpTransport answering GET /bench with 2.05 "hello" (under test).
 * Two diagnostic modes test a suggestion of the profile (not the gateway's code): Deno's datagram
 * iterator allocates a fresh 65,507-byte buffer for every receive; these pass one reused buffer
 * to `conn.receive(buffer)` and copy each datagram out into a 64 KiB slab instead:
 *   echo-reuse    the bare echo that way;
 *   engine-reuse  the same CoapEngine on a bench-local transport that receives that way.
 * Prints one JSON line `{"ready":true,"port":N}` on stdout, serves until its stdin closes, then
 * prints one JSON line of final stats (engine state sizes, memory) and exits normally, so that
 * `--cpu-prof` can write its profile. Run by bench/coap_rtt/run.ts, not by hand.
 */

import { CoapEngine } from "../../gateway/coap_engine.ts";
import {
  type DatagramTransport,
  formatPeer,
  parsePeer,
  udpTransport,
} from "../../gateway/transport/datagram.ts";
import { loadCodec } from "../../codec-wasm/mod.ts";
import { OPTION } from "../../codec-wasm/coap_registry.ts";

const HOST = "127.0.0.1";
const COAP_205_CONTENT = 69;
const mode = Deno.args[0];
let received = 0;
let stats: () => Record<string, unknown> = () => ({});
let stop: () => Promise<void>;

if (mode === "echo-reuse") {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: HOST, port: 0 });
  const loop = receiveReusing(conn, (data, from) => {
    received++;
    conn.send(data, from).catch(() => {});
  });
  announce((conn.addr as Deno.NetAddr).port);
  stop = async () => {
    conn.close();
    await loop;
  };
} else if (mode === "echo") {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: HOST, port: 0 });
  const loop = (async () => {
    try {
      for await (const [data, from] of conn) {
        received++;
        conn.send(data, from).catch(() => {});
      }
    } catch {
      // closed
    }
  })();
  announce((conn.addr as Deno.NetAddr).port);
  stop = async () => {
    conn.close();
    await loop;
  };
} else if (mode === "transport") {
  const transport = udpTransport(HOST, 0);
  transport.start((peer, data) => {
    received++;
    transport.send(peer, data);
  });
  announce(transport.port);
  stop = () => transport.close();
} else if (mode === "engine" || mode === "engine-reuse") {
  const codec = await loadCodec();
  const transport = mode === "engine" ? udpTransport(HOST, 0) : reusingTransport(HOST, 0);
  const engine = new CoapEngine(codec, transport);
  const payload = new TextEncoder().encode("hello");
  const contentFormat = [{ number: OPTION.CONTENT_FORMAT, value: new Uint8Array(0) }];
  engine.handle("bench", () => {
    received++;
    return { code: COAP_205_CONTENT, options: contentFormat, payload };
  });
  announce(engine.port);
  stats = () => ({
    dedupCon: engine.state.dedupCon.size,
    timers: engine.state.timers.size,
    servers: engine.state.servers.size,
    peers: engine.state.peers.size,
    drops: Object.fromEntries(engine.drops),
  });
  stop = () => engine.close();
} else {
  console.error(`usage: servers.ts echo|transport|engine|echo-reuse|engine-reuse (got ${mode})`);
  Deno.exit(2);
}

/**
 * Receive loop with one reused buffer; each datagram is copied into a slab (a fresh 64 KiB slab
 * when the current one is full), so what `onDatagram` keeps stays valid.
 */
async function receiveReusing(
  conn: Deno.DatagramConn,
  onDatagram: (data: Uint8Array, from: Deno.NetAddr) => void,
): Promise<void> {
  const buffer = new Uint8Array(65507);
  let slab = new Uint8Array(65536);
  let at = 0;
  try {
    for (;;) {
      const [data, from] = await conn.receive(buffer);
      const n = data.length;
      if (at + n > slab.length) {
        slab = new Uint8Array(Math.max(65536, n));
        at = 0;
      }
      slab.set(data, at);
      const copy = slab.subarray(at, at + n);
      at += n;
      onDatagram(copy, from as Deno.NetAddr);
    }
  } catch {
    // closed
  }
}

/** udpTransport's behaviour (IPv4 only, for the bench) on the reusing receive loop. */
function reusingTransport(host: string, port: number): DatagramTransport {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: host, port });
  const addresses = new Map<string, Deno.NetAddr>();
  let deliver: (peer: string, data: Uint8Array) => void = () => {};
  const loop = receiveReusing(conn, (data, from) => {
    const peer = formatPeer(from.hostname, from.port);
    if (!addresses.has(peer)) {
      if (addresses.size > 100_000) addresses.clear();
      addresses.set(peer, from);
    }
    deliver(peer, data);
  });
  return {
    port: (conn.addr as Deno.NetAddr).port,
    start(onDatagram) {
      deliver = onDatagram;
    },
    send(peer, data) {
      const to = addresses.get(peer) ?? { transport: "udp", ...parsePeer(peer) };
      conn.send(data, to).catch(() => {});
    },
    async close() {
      conn.close();
      await loop;
    },
  };
}

function announce(port: number): void {
  console.log(JSON.stringify({ ready: true, mode, port, pid: Deno.pid }));
}

// Serve until the parent closes our stdin (or dies), then report and exit normally.
const buffer = new Uint8Array(256);
while ((await Deno.stdin.read(buffer)) !== null) {
  // the parent sends nothing; any input is ignored
}
const memory = Deno.memoryUsage();
await stop();
console.log(JSON.stringify({
  done: true,
  mode,
  received,
  heapUsedMB: Math.round(memory.heapUsed / 1e6),
  rssMB: Math.round(memory.rss / 1e6),
  ...stats(),
}));
