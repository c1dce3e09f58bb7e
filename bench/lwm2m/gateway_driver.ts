/**
 * Gateway side of the LwM2M server benchmark (issue 4): a child process that runs the real gateway
 * (gateway/gateway.ts `startGateway`, CoAP on 127.0.0.1, HTTP on 127.0.0.1, the given `--store`)
 * and drives it in-process on command, so that server-initiated Reads go through the public
 * `server.perform` API exactly as the HTTP bridge calls it. Started by bench/lwm2m/run.ts:
 *
 *   deno run --unstable-net --v8-flags=--expose-gc ... gateway_driver.ts --store memory|file:PATH
 *
 * Prints `{"ready":true,"coapPort":N,...}`, then reads one JSON command per stdin line and
 * answers each with one JSON line on stdout:
 *   {"cmd":"mem","expireExchanges":bool}  full GC (V8 "last-resort" flavour, which also shrinks
 *       the heap, when --expose-gc is on), then Deno.memoryUsage() and the sizes of the server's
 *       and CoAP engine's tables. `expireExchanges` first drops the CoAP deduplication entries
 *       (RFC 7252 §4.5) as the engine's sweep does once EXCHANGE_LIFETIME (247 s) has passed:
 *       the memory a registration holds after its Register exchange is over.
 *   {"cmd":"read","prefix","count","concurrency","warmupMs","durationMs","path"}  closed loop of
 *       `concurrency` workers, each calling server.perform(endpoint, {kind: "read", path}) over
 *       its own devices (worker w reads devices w, w+C, w+2C, ... in turn, so no two reads go to
 *       one device at once); counts content results in the measured window.
 *   {"cmd":"rawget",...same}  diagnostic: the same round trips without the gateway: a bare
 *       Deno.listenDatagram socket (reused receive buffer) sends pre-encoded CON GET /3/0/0 to
 *       the same devices' addresses and matches replies by token.
 *   {"cmd":"heapsnapshot","file":PATH}  writes a V8 heap snapshot (node:v8) after a full GC.
 *   {"cmd":"breakdown"}  diagnostic, last command: drops the server's tables one at a time and
 *       reports the heap after each (see `breakdown`), then exits.
 *   {"cmd":"quit"}  (or stdin closing) stops the gateway and exits.
 * Every loop is bounded by its duration; a read that hangs is cut off by the request timeout.
 */

import process from "node:process";
import v8 from "node:v8";
import { parseConfig } from "../../gateway/config.ts";
import { startGateway } from "../../gateway/gateway.ts";
import { createLogger } from "../../gateway/log.ts";
import { Lwm2mPath } from "../../gateway/lwm2m/path.ts";
import { parsePeer } from "../../gateway/transport/datagram.ts";

const HOST = "127.0.0.1";

function flag(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1] : fallback;
}

const store = flag("store", "memory");
const parsed = parseConfig([
  "--coap-port",
  "0",
  "--coaps-port",
  "off",
  "--http-port",
  "0",
  "--host",
  HOST,
  "--store",
  store,
  "--log-level",
  "warn",
], {});
if (parsed.kind !== "config") throw new Error(`config: ${JSON.stringify(parsed)}`);
const gateway = await startGateway(parsed.config, createLogger("warn"));
const server = gateway.server!;

type GcOptions = { type: "major"; execution: "sync"; flavor: "last-resort" };
const gc = (globalThis as { gc?: (options?: GcOptions) => void }).gc;

function reply(value: Record<string, unknown>): void {
  console.log(JSON.stringify(value));
}

reply({
  ready: true,
  pid: Deno.pid,
  coapPort: gateway.coapPort,
  httpPort: gateway.httpPort,
  store: gateway.store.kind,
  gc: gc !== undefined,
});

// ---------------------------------------------------------------------------------------------
// commands

async function memory(expireExchanges: boolean) {
  const engine = server.engine.state;
  if (expireExchanges) {
    engine.dedupCon.clear();
    engine.dedupNon.clear();
  }
  for (let i = 0; i < 3; i++) {
    gc?.({ type: "major", execution: "sync", flavor: "last-resort" });
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = Deno.memoryUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    gc: gc !== undefined,
    registrations: server.registry.byEndpoint.size,
    registryTimers: server.registry.timers.size,
    dedupCon: engine.dedupCon.size,
    coapPeers: engine.peers.size,
    coapServers: engine.servers.size,
  };
}

/**
 * Diagnostic, destructive (the gateway is unusable afterwards): drops the server's tables one by
 * one and reports the JS heap after a full GC each time, so the heap each table held can be
 * attributed (strings shared between tables count where the last reference goes). What remains
 * at the end is held where this driver cannot reach: the server's sorted endpoint-name index and
 * the UDP transport's address cache (both private), plus code and baseline.
 */
async function breakdown() {
  const steps: { step: string; heapUsed: number; rss: number }[] = [];
  const measure = async (step: string) => {
    const m = await memory(false);
    steps.push({ step, heapUsed: m.heapUsed, rss: m.rss });
  };
  const engine = server.engine.state;
  const registry = server.registry;
  engine.dedupCon.clear();
  engine.dedupNon.clear();
  await measure("start (CoAP dedup entries expired)");
  if (gateway.store.kind === "memory") {
    await gateway.store.close(); // the memory store clears its maps
    await measure("memory store: JSON documents and sorted key index");
  }
  engine.peers.clear();
  await measure("CoAP engine: per-peer state (Map<peer, PeerState>)");
  while (registry.timers.popDue(Infinity)) {
    // drain the registry's deadline heap (one expiry entry per registration)
  }
  await measure("registry: deadline heap entries");
  registry.byId.clear();
  await measure("registry: byId map (registration id -> endpoint)");
  registry.byEndpoint.clear();
  await measure("registry: byEndpoint map and Registration objects (object links etc.)");
  return steps;
}

interface LoadSpec {
  prefix: string;
  count: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  path: string;
}

function endpointName(prefix: string, i: number): string {
  return `${prefix}-${String(i).padStart(6, "0")}`;
}

/** Closed-loop load with per-worker device lists; `once(worker, device)` does one round trip. */
async function closedLoop(
  spec: LoadSpec,
  once: (device: number) => Promise<boolean>,
) {
  const t0 = performance.now();
  const from = t0 + spec.warmupMs;
  const to = from + spec.durationMs;
  let completed = 0;
  let total = 0;
  let failed = 0;
  const samples: number[] = [];
  const worker = async (w: number) => {
    for (let j = 0;; j++) {
      const device = (w + j * spec.concurrency) % spec.count;
      const start = performance.now();
      if (start >= to) return;
      const ok = await once(device);
      const end = performance.now();
      total++;
      if (!ok) failed++;
      else if (end >= from && end < to) {
        completed++;
        if (samples.length < 2_000_000) samples.push(end - start);
      }
    }
  };
  const workers = [];
  for (let w = 0; w < spec.concurrency; w++) workers.push(worker(w));
  await Promise.all(workers);
  samples.sort((a, b) => a - b);
  const pct = (p: number) =>
    samples.length
      ? Math.round(samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] * 1000)
      : null;
  return {
    rate: Math.round(completed / (spec.durationMs / 1000)),
    completed,
    total,
    failed,
    p50us: pct(0.5),
    p99us: pct(0.99),
  };
}

async function reads(spec: LoadSpec) {
  const endpoints = Array.from({ length: spec.count }, (_, i) => endpointName(spec.prefix, i));
  const missing = endpoints.filter((e) => !server.get(e));
  if (missing.length) {
    throw new Error(`${missing.length} devices not registered, e.g. ${missing[0]}`);
  }
  let wrong = 0;
  const result = await closedLoop(spec, async (device) => {
    const r = await server.perform(endpoints[device], {
      kind: "read",
      path: Lwm2mPath.parse(spec.path),
    }, { timeoutMs: 5000 });
    if (r.kind !== "content") {
      if (wrong++ < 3) console.error(`read ${endpoints[device]}: ${JSON.stringify(r)}`);
      return false;
    }
    return true;
  });
  return { ...result, drops: Object.fromEntries(server.engine.drops) };
}

/** CON GET with an 8-byte token and the path's Uri-Path options (segments under 13 bytes). */
function encodeGet(path: string): Uint8Array {
  const bytes = [0x48, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  let previous = 0;
  for (const s of path.split("/").filter((x) => x !== "")) {
    const b = new TextEncoder().encode(s);
    bytes.push(((11 - previous) << 4) | b.length, ...b);
    previous = 11;
  }
  return new Uint8Array(bytes);
}

async function rawGets(spec: LoadSpec) {
  const addresses: Deno.NetAddr[] = [];
  for (let i = 0; i < spec.count; i++) {
    const r = server.get(endpointName(spec.prefix, i));
    if (!r) throw new Error(`device ${i} not registered`);
    addresses.push({ transport: "udp", ...parsePeer(r.address) });
  }
  const conn = Deno.listenDatagram({ transport: "udp", hostname: HOST, port: 0 });
  const template = encodeGet(spec.path);
  const waiting = new Map<number, (ok: boolean) => void>();
  let mid = Math.floor(Math.random() * 0x10000);
  let serial = 1;
  const loop = (async () => {
    const buffer = new Uint8Array(65536);
    try {
      for (;;) {
        const [data] = await conn.receive(buffer);
        if (data.length < 12) continue;
        const key = ((data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7]) >>> 0;
        const resolve = waiting.get(key);
        if (!resolve) continue;
        waiting.delete(key);
        resolve((data[0] >> 4 & 3) === 2 && data[1] === 0x45);
      }
    } catch {
      // closed
    }
  })();
  const result = await closedLoop(spec, (device) => {
    const key = serial++ >>> 0;
    const m = template.slice();
    mid = (mid + 1) & 0xffff;
    m[2] = mid >> 8;
    m[3] = mid & 0xff;
    m[4] = key >>> 24;
    m[5] = (key >> 16) & 0xff;
    m[6] = (key >> 8) & 0xff;
    m[7] = key & 0xff;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(key);
        resolve(false);
      }, 2000);
      waiting.set(key, (ok) => {
        clearTimeout(timer);
        resolve(ok);
      });
      conn.send(m, addresses[device]).catch(() => {});
    });
  });
  conn.close();
  await loop;
  return result;
}

// ---------------------------------------------------------------------------------------------
// command loop

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    let nl;
    while ((nl = rest.indexOf("\n")) >= 0) {
      yield rest.slice(0, nl);
      rest = rest.slice(nl + 1);
    }
  }
}

for await (const line of lines(Deno.stdin.readable)) {
  if (!line.trim()) continue;
  const command = JSON.parse(line);
  try {
    const cpu0 = process.cpuUsage();
    if (command.cmd === "mem") reply({ cmd: "mem", ...(await memory(!!command.expireExchanges)) });
    else if (command.cmd === "read" || command.cmd === "rawget") {
      const result = command.cmd === "read" ? await reads(command) : await rawGets(command);
      const cpu = process.cpuUsage(cpu0);
      reply({
        cmd: command.cmd,
        ...result,
        cpuUsPerRt: result.total ? +((cpu.user + cpu.system) / result.total).toFixed(1) : null,
      });
    } else if (command.cmd === "heapsnapshot") {
      await memory(false);
      reply({ cmd: "heapsnapshot", file: v8.writeHeapSnapshot(command.file) });
    } else if (command.cmd === "breakdown") {
      reply({ cmd: "breakdown", steps: await breakdown() });
      Deno.exit(0); // the gateway's state is gone: no orderly stop
    } else if (command.cmd === "quit") break;
    else reply({ error: `unknown command ${command.cmd}` });
  } catch (e) {
    reply({ error: e instanceof Error ? e.message : String(e) });
  }
}
await gateway.stop();
reply({ done: true });
// End by an empty event loop, not Deno.exit, so that --cpu-prof writes its profile; a leftover
// handle cannot keep the process alive for long.
Deno.unrefTimer(setTimeout(() => Deno.exit(0), 10_000));
