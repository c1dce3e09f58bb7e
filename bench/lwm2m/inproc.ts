/**
 * Diagnostic of the LwM2M server benchmark (issue 4): the gateway's own CPU cost per Register and
 * per Read with no sockets and no second process. The same parts as gateway/gateway.ts (codec,
 * core object models, MemoryStore, EventBus, CoapEngine, Lwm2mServer) run on an in-process
 * datagram transport whose "devices" are byte-patching stubs (like bench/lwm2m/devices.mjs):
 * Register datagrams are pre-encoded, and each GET is answered with a piggybacked 2.05
 * text/plain, delivered a microtask later. What remains is the JS path of the gateway plus GC:
 * the part of a round trip that gateway code can change. Run by hand:
 *   bin/deno run --v8-flags=--expose-gc bench/lwm2m/inproc.ts [--registrations N] [--reads N]
 *     [--concurrency C] [--devices K] [--batched-ids]   (add --cpu-prof for a profile of this path)
 * `--batched-ids` tries a suggestion for the CoAP engine (not the gateway's code): tokens and
 * jitter from a pool of CSPRNG bytes refilled 4 KiB at a time, instead of one
 * crypto.getRandomValues call (an op into Rust) for each.
 * Prints one JSON line: µs of process CPU (all threads) and of wall time per operation.
 */

import process from "node:process";
import { loadCodec } from "../../codec-wasm/mod.ts";
import { coreModels } from "../../objects/mod.ts";
import { CoapEngine } from "../../gateway/coap_engine.ts";
import type { CoapIds } from "../../gateway/coap/state.ts";
import { EventBus } from "../../gateway/server/events.ts";
import { Lwm2mServer } from "../../gateway/server/lwm2m_server.ts";
import { MemoryStore } from "../../gateway/store/memory.ts";
import { Lwm2mPath } from "../../gateway/lwm2m/path.ts";
import type { DatagramTransport } from "../../gateway/transport/datagram.ts";

function flag(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}

const REGISTRATIONS = flag("registrations", 20_000);
const READS = flag("reads", 200_000);
const CONCURRENCY = flag("concurrency", 64);
const DEVICES = flag("devices", 128);
const PAYLOAD = '</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>,</4/0>,</5/0>,</6/0>,</3303/0>';
const te = new TextEncoder();

function registerDatagram(endpoint: string, mid: number, token: number): Uint8Array {
  const opt = (delta: number, v: Uint8Array) => {
    const d = delta < 13 ? delta : 13;
    const l = v.length < 13 ? v.length : 13;
    return [
      (d << 4) | l,
      ...(delta >= 13 ? [delta - 13] : []),
      ...(v.length >= 13 ? [v.length - 13] : []),
      ...v,
    ];
  };
  const bytes = [
    0x48,
    0x02,
    mid >> 8,
    mid & 0xff,
    0,
    0,
    0,
    0,
    token >>> 24,
    (token >> 16) & 255,
    (token >> 8) & 255,
    token & 255,
  ];
  bytes.push(...opt(11, te.encode("rd")), ...opt(1, new Uint8Array([40])));
  let first = true;
  for (const q of [`ep=${endpoint}`, "lt=86400", "lwm2m=1.1", "b=U"]) {
    bytes.push(...opt(first ? 3 : 0, te.encode(q)));
    first = false;
  }
  bytes.push(0xff, ...te.encode(PAYLOAD));
  return new Uint8Array(bytes);
}

/** The gateway's transport; devices are peers "10.x.y.z:5683" answered by stubs. */
class StubNetwork implements DatagramTransport {
  readonly port = 5683;
  deliver: (peer: string, data: Uint8Array) => void = () => {};
  /** Replies the gateway sent to registering peers. */
  readonly registerReplies = new Map<string, (data: Uint8Array) => void>();
  readonly text = te.encode("ACME Corporation");
  start(onDatagram: (peer: string, data: Uint8Array) => void) {
    this.deliver = onDatagram;
  }
  send(peer: string, data: Uint8Array): void {
    const type = (data[0] >> 4) & 3;
    if (type === 2) { // an ACK: the answer to a Register
      const waiter = this.registerReplies.get(peer);
      this.registerReplies.delete(peer);
      waiter?.(data);
      return;
    }
    if (type === 0 && data[1] === 1) { // CON GET from the server: answer 2.05 piggybacked
      const tkl = data[0] & 15;
      const out = new Uint8Array(6 + tkl + this.text.length);
      out[0] = 0x60 | tkl;
      out[1] = 0x45;
      out[2] = data[2];
      out[3] = data[3];
      out.set(data.subarray(4, 4 + tkl), 4);
      out[4 + tkl] = 0xc0;
      out[5 + tkl] = 0xff;
      out.set(this.text, 6 + tkl);
      queueMicrotask(() => this.deliver(peer, out));
    }
  }
  close() {
    return Promise.resolve();
  }
}

/** Tokens and jitter from CSPRNG pools refilled in bulk (a suggestion measured here). */
function batchedIds(): CoapIds {
  const bytes = new Uint8Array(4096);
  let at = bytes.length;
  const words = new Uint32Array(1024);
  let next = words.length;
  return {
    token(length) {
      if (at + length > bytes.length) {
        crypto.getRandomValues(bytes);
        at = 0;
      }
      const token = bytes.slice(at, at + length);
      at += length;
      return token;
    },
    random() {
      if (next >= words.length) {
        crypto.getRandomValues(words);
        next = 0;
      }
      return words[next++] / 0x1_0000_0000;
    },
  };
}

const gc = (globalThis as { gc?: (o?: unknown) => void }).gc;
const codec = await loadCodec();
const net = new StubNetwork();
const engine = new CoapEngine(
  codec,
  net,
  Deno.args.includes("--batched-ids") ? { ids: batchedIds() } : {},
);
const server = new Lwm2mServer(engine, {
  codec,
  models: coreModels(),
  store: new MemoryStore(),
  events: new EventBus(Date.now),
});
await server.start();

const peerOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:5683`;
const nameOf = (i: number) => `inproc-${String(i).padStart(6, "0")}`;

async function register(i: number): Promise<boolean> {
  const peer = peerOf(i);
  const reply = new Promise<Uint8Array>((resolve) => net.registerReplies.set(peer, resolve));
  net.deliver(peer, registerDatagram(nameOf(i), i & 0xffff, i));
  return (await reply)[1] === 0x41;
}

async function timed(count: number, concurrency: number, one: (i: number) => Promise<boolean>) {
  gc?.();
  let next = 0;
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) if (!(await one(next++))) failed++;
  }));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    count,
    failed,
    cpuUsPerOp: +((cpu.user + cpu.system) / count).toFixed(2),
    wallUsPerOp: +((wall * 1000) / count).toFixed(2),
    perSecond: Math.round(count / (wall / 1000)),
  };
}

// devices for the reads first, then the timed registrations
for (let i = 0; i < DEVICES; i++) await register(1_000_000 + i);
const reg = await timed(REGISTRATIONS, CONCURRENCY, (i) => register(i));
const readOne = async (i: number) => {
  const device = 1_000_000 + ((i % CONCURRENCY) + CONCURRENCY * Math.floor(i / CONCURRENCY)) %
      DEVICES;
  const r = await server.perform(nameOf(device), { kind: "read", path: Lwm2mPath.parse("/3/0/0") });
  return r.kind === "content";
};
await timed(Math.min(20_000, READS), CONCURRENCY, readOne); // warm-up
const read = await timed(READS, CONCURRENCY, readOne);
console.log(
  JSON.stringify({ register: reg, read, registrations: server.registry.byEndpoint.size }),
);
await server.close();
await engine.close();
