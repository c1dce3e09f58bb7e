/**
 * LwM2M server benchmark of issue 4, one command: `bin/deno task bench:lwm2m [--record]`.
 *
 * Three parts, each against the real gateway (gateway/gateway.ts `startGateway`, CoAP/UDP and HTTP
 * on 127.0.0.1) running in a child process (bench/lwm2m/gateway_driver.ts), with raw scripted
 * devices in a Node child process (bench/lwm2m/devices.mjs, node:dgram, no client library):
 *   reg   Registrations/s: W warm-up + N timed devices register (CON POST /rd, link-format
 *         payload), at most C outstanding, each from its own loopback address; a fresh gateway
 *         per run, once with `--store memory` and once with the default file store (SQLite in a
 *         temporary directory).
 *   read  Reads/s: K devices register and answer GET /3/0/0 with a piggybacked 2.05 text/plain;
 *         the gateway process calls `server.perform(ep, {kind: "read", path: /3/0/0})` with 64
 *         concurrent reads. Interleaved in the same run with the bare Deno UDP echo at 64 in
 *         flight, driven by the CoAP round-trip benchmark's own load client and echo server
 *         (bench/coap_rtt/load_client.mjs, bench/coap_rtt/servers.ts), plus two diagnostics: the
 *         echo with a reused receive buffer, and a bare Deno requester sending raw GETs from the
 *         gateway process to the same Node devices (the Read's direction without the gateway).
 *   mem   Memory per registration: 1,000 warm-up registrations, a full GC and RSS, then 99,000
 *         more (100,000 registered clients from 100,000 distinct loopback addresses 127.x.y.z:
 *         real UDP, no in-memory transport), full GC and RSS again: (after - before) / 99,000.
 *         Measured right after the last Register and again once the Register exchanges' CoAP
 *         deduplication entries are gone (as after EXCHANGE_LIFETIME, 247 s), with both stores.
 *
 * Options: --parts reg,read,mem  --runs N (3)  --reg-count N (5000)  --reg-warmup N (500)
 *   --concurrency C (64)  --read-devices K (128)  --inflight N (64)  --warmup MS (1000)
 *   --duration MS (5000)  --mem-count N (99000)  --mem-warmup N (1000)  --stores memory,file
 *   --breakdown (after the last mem run: heap held per table, see gateway_driver.ts)
 *   --record (write the block in bench/RESULTS.md "LwM2M server (issue 4)")
 *   --profile=reg|read|rawget (instead: one run with the gateway under --cpu-prof; prints its hot
 *     functions with bench/coap_rtt/profile_top.ts; the profile stays in bench/lwm2m/profiles/)
 *   --heap-snapshot N (instead: heap snapshots of the gateway (memory store) after the warm-up and
 *     after N more registrations with the dedup entries expired; prints the growth per kind of
 *     object and per registration, bench/lwm2m/heap_summary.ts)
 * Every child is bounded (duration, --max-ms, kill timers) and stopped at the end, on error and
 * on Ctrl-C.
 */

import { formatSummary, summarize } from "../coap_rtt/profile_top.ts";

const here = new URL("./", import.meta.url);
const path = (rel: string, base = here) => decodeURIComponent(new URL(rel, base).pathname);
const repoPath = path("../../");
const DRIVER = path("gateway_driver.ts");
const HTTP_LOAD = path("http_load.ts");
const DEVICES = path("devices.mjs");
const LOAD_CLIENT = path("../coap_rtt/load_client.mjs");
const ECHO_SERVERS = path("../coap_rtt/servers.ts");
const RESULTS = path("../RESULTS.md");
const HOST = "127.0.0.1";
const CLK_TCK = 100;

// ---------------------------------------------------------------------------------------------
// arguments

function parseArgs(argv: string[]) {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf("=");
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (["--record", "--breakdown", "--profile"].includes(a)) flags.set(a.slice(2), "");
    else flags.set(a.slice(2), argv[++i] ?? "");
  }
  const num = (name: string, fallback: number, min: number, max: number) => {
    const v = flags.has(name) ? Number(flags.get(name)) : fallback;
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new Error(`--${name} must be an integer ${min}..${max}`);
    }
    return v;
  };
  const parts = (flags.get("parts") ?? "reg,read,mem").split(",");
  for (const p of parts) if (!["reg", "read", "mem"].includes(p)) throw new Error(`part ${p}?`);
  const stores = (flags.get("stores") ?? "memory,file").split(",");
  for (const s of stores) if (!["memory", "file"].includes(s)) throw new Error(`store ${s}?`);
  const profile = flags.has("profile") ? (flags.get("profile") || "read") : null;
  if (profile !== null && !["reg", "read", "rawget"].includes(profile)) {
    throw new Error("--profile=reg|read|rawget");
  }
  return {
    parts,
    stores,
    runs: num("runs", 3, 1, 20),
    regCount: num("reg-count", 5000, 1, 1_000_000),
    regWarmup: num("reg-warmup", 500, 0, 100_000),
    concurrency: num("concurrency", 64, 1, 1024),
    readDevices: num("read-devices", 128, 1, 4096),
    inflight: num("inflight", 64, 1, 1024),
    warmupMs: num("warmup", 1000, 0, 60_000),
    durationMs: num("duration", 5000, 100, 120_000),
    memCount: num("mem-count", 99_000, 1, 1_000_000),
    memWarmup: num("mem-warmup", 1000, 0, 100_000),
    breakdown: flags.has("breakdown"),
    record: flags.has("record"),
    profile,
    heapSnapshot: flags.has("heap-snapshot") ? num("heap-snapshot", 10_000, 1, 200_000) : null,
  };
}

type Options = ReturnType<typeof parseArgs>;

// ---------------------------------------------------------------------------------------------
// processes

interface Child {
  name: string;
  child: Deno.ChildProcess;
  lines: AsyncGenerator<string>;
  stdin: WritableStreamDefaultWriter<Uint8Array>;
}

const children = new Set<Child>();
const te = new TextEncoder();

async function* lineReader(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    let nl;
    while ((nl = rest.indexOf("\n")) >= 0) {
      yield rest.slice(0, nl);
      rest = rest.slice(nl + 1);
    }
  }
  if (rest) yield rest;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function spawn(name: string, cmd: string, args: string[]): Child {
  const child = new Deno.Command(cmd, {
    args,
    cwd: repoPath,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const c: Child = { name, child, lines: lineReader(child.stdout), stdin: child.stdin.getWriter() };
  children.add(c);
  return c;
}

async function nextJson(c: Child, ms: number, what: string): Promise<Record<string, unknown>> {
  for (;;) {
    const next = await withTimeout(c.lines.next(), ms, `${c.name} ${what}`);
    if (next.done) throw new Error(`${c.name} exited during ${what}`);
    if (next.value.startsWith("{")) {
      const v = JSON.parse(next.value);
      if (v.error) throw new Error(`${c.name} ${what}: ${v.error}`);
      return v;
    }
    console.log(`[${c.name}] ${next.value}`);
  }
}

async function command(
  c: Child,
  body: Record<string, unknown>,
  ms: number,
): Promise<Record<string, unknown>> {
  await c.stdin.write(te.encode(JSON.stringify(body) + "\n"));
  return await nextJson(c, ms, String(body.cmd));
}

/** Closes stdin (the child then reports and exits); SIGKILL after a grace period. */
async function stop(c: Child): Promise<Record<string, unknown> | null> {
  children.delete(c);
  let report: Record<string, unknown> | null = null;
  try {
    await c.stdin.close().catch(() => {});
    const next = await withTimeout(c.lines.next(), 15_000, `${c.name} stop`);
    if (!next.done && next.value.startsWith("{")) report = JSON.parse(next.value);
    await withTimeout(c.child.status, 10_000, `${c.name} exit`);
  } catch {
    kill(c);
  }
  return report;
}

function kill(c: Child): void {
  children.delete(c);
  try {
    c.child.kill("SIGKILL");
  } catch {
    // already gone
  }
}

interface Gateway extends Child {
  coapPort: number;
  httpPort: number;
  pid: number;
  tmpDir: string | null;
}

async function startGateway(store: "memory" | "file", extraFlags: string[] = []): Promise<Gateway> {
  const tmpDir = store === "file" ? await Deno.makeTempDir({ prefix: "bench-lwm2m-" }) : null;
  const storeFlag = store === "file" ? `file:${tmpDir}/gateway.db` : "memory";
  const c = spawn(`gateway(${store})`, Deno.execPath(), [
    "run",
    "--unstable-net",
    // devices use many loopback addresses (127.x.y.z), which Deno cannot list as a CIDR range
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-sys",
    "--v8-flags=--expose-gc",
    ...extraFlags,
    DRIVER,
    "--store",
    storeFlag,
  ]);
  const hello = await nextJson(c, 30_000, "start");
  if (!hello.ready) throw new Error(`gateway: unexpected ${JSON.stringify(hello)}`);
  // the same object as in `children`, so stopping it is tracked
  return Object.assign(c, {
    coapPort: hello.coapPort as number,
    httpPort: hello.httpPort as number,
    pid: c.child.pid,
    tmpDir,
  });
}

async function stopGateway(g: Gateway): Promise<void> {
  if (children.has(g)) {
    children.delete(g);
    try {
      await g.stdin.write(te.encode(JSON.stringify({ cmd: "quit" }) + "\n"));
      await withTimeout(g.child.status, 15_000, `${g.name} exit`);
    } catch {
      kill(g);
    }
  }
  if (g.tmpDir) await Deno.remove(g.tmpDir, { recursive: true }).catch(() => {});
}

/** Runs `node devices.mjs register ...` to completion; returns its JSON line. */
async function registerDevices(
  port: number,
  count: number,
  warmup: number,
  concurrency: number,
  prefix: string,
  hostBase: number,
): Promise<Record<string, unknown>> {
  const maxMs = 120_000 + count * 5; // generous, and still bounded
  const child = new Deno.Command("node", {
    args: [
      DEVICES,
      "register",
      "--port",
      String(port),
      "--count",
      String(count),
      "--warmup",
      String(warmup),
      "--concurrency",
      String(concurrency),
      "--prefix",
      prefix,
      "--host-base",
      String(hostBase),
      "--max-ms",
      String(maxMs),
    ],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const killer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // exited
    }
  }, maxMs + 5000);
  const out = await child.output();
  clearTimeout(killer);
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success || !text) throw new Error(`devices register failed (${out.code}): ${text}`);
  const result = JSON.parse(text.split("\n").at(-1)!);
  if (result.failed > 0) console.log(`  warning: ${result.failed} registrations failed`);
  return result;
}

/** utime + stime of a process in µs (all threads), from /proc. */
function cpuUs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

/** `mem` on the gateway, plus its anonymous and file-backed RSS from /proc (not readable inside). */
async function memory(g: Gateway, expireExchanges = false): Promise<Record<string, number>> {
  const m = await command(g, { cmd: "mem", expireExchanges }, 60_000) as Record<string, number>;
  const status = Deno.readTextFileSync(`/proc/${g.pid}/status`);
  const kB = (field: string) =>
    Number(new RegExp(`^${field}:\\s*(\\d+)`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { ...m, rssAnon: kB("RssAnon"), rssFile: kB("RssFile") };
}

function peakRssMB(pid: number): number | null {
  try {
    const kb = /VmHWM:\s*(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// part 1: registrations per second

interface RegRow {
  store: string;
  round: number;
  rate: number;
  p50us: number;
  p99us: number;
  failed: number;
  retransmissions: number;
  gatewayCpuUsPerReg: number;
  clientCpuUsPerReg: number;
}

async function regPart(o: Options): Promise<RegRow[]> {
  const rows: RegRow[] = [];
  console.log(
    `\n== registrations/s: ${o.regWarmup} warm-up + ${o.regCount} timed devices, ` +
      `${o.concurrency} outstanding, fresh gateway per run ==`,
  );
  for (let round = 1; round <= o.runs; round++) {
    const order = round % 2 ? o.stores : [...o.stores].reverse();
    for (const store of order as ("memory" | "file")[]) {
      const g = await startGateway(store);
      try {
        const cpu0 = cpuUs(g.pid);
        const r = await registerDevices(
          g.coapPort,
          o.regCount,
          o.regWarmup,
          o.concurrency,
          "reg",
          20,
        );
        const cpu1 = cpuUs(g.pid);
        const row: RegRow = {
          store,
          round,
          rate: r.rate as number,
          p50us: r.p50us as number,
          p99us: r.p99us as number,
          failed: r.failed as number,
          retransmissions: r.retransmissions as number,
          gatewayCpuUsPerReg: (cpu1 - cpu0) / (o.regCount + o.regWarmup),
          clientCpuUsPerReg: r.clientCpuUsPerReg as number,
        };
        rows.push(row);
        console.log(
          `round ${round}  ${store.padEnd(6)} ${fmtInt(row.rate).padStart(6)} reg/s  ` +
            `p50 ${fmtInt(row.p50us)} µs  p99 ${fmtInt(row.p99us)} µs  gateway ${
              row.gatewayCpuUsPerReg.toFixed(0)
            } µs/reg  client ${row.clientCpuUsPerReg} µs/reg  failed ${row.failed}  retx ${row.retransmissions}`,
        );
      } finally {
        await stopGateway(g);
      }
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// part 2: reads per second vs the bare echo

type ReadTarget = "read" | "http" | "echo" | "rawget" | "echo-reuse";

const READ_LABELS: Record<ReadTarget, string> = {
  http: "HTTP-bridged Read: 64 concurrent GET /api/clients/{ep}/3/0/0 from another process",
  read: "**LwM2M Read** (server.perform read /3/0/0: gateway -> Node device -> gateway)",
  echo: "**bare Deno UDP echo** (Node load client -> Deno.listenDatagram echo -> client)",
  rawget: "diagnostic: bare Deno requester (raw GET from the gateway process -> same devices)",
  "echo-reuse": "diagnostic: bare echo with a reused receive buffer (coap_rtt echo-reuse)",
};

interface ReadRow {
  target: ReadTarget;
  round: number;
  rate: number;
  p50us: number | null;
  p99us: number | null;
  lost: number;
  /** CPU of the Deno side (gateway process or echo server) per round trip, from /proc. */
  denoCpuUsPerRt: number;
  /** CPU of the Node side (devices or load client) per round trip. */
  nodeCpuUsPerRt: number | null;
}

async function startEcho(mode: "echo" | "echo-reuse"): Promise<Child & { port: number }> {
  const c = spawn(mode, Deno.execPath(), [
    "run",
    "--unstable-net",
    `--allow-net=${HOST}`,
    "--allow-read",
    ECHO_SERVERS,
    mode,
  ]);
  const hello = await nextJson(c, 30_000, "start");
  return Object.assign(c, { port: hello.port as number });
}

async function echoRun(
  server: Child & { port: number },
  o: Options,
): Promise<Omit<ReadRow, "target" | "round">> {
  const cpu0 = cpuUs(server.child.pid);
  const child = new Deno.Command("node", {
    args: [
      LOAD_CLIENT,
      "--port",
      String(server.port),
      "--inflight",
      String(o.inflight),
      "--warmup",
      String(o.warmupMs),
      "--duration",
      String(o.durationMs),
      "--path",
      "bench",
      "--expect",
      "echo",
    ],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const killer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // exited
    }
  }, o.warmupMs + o.durationMs + 10_000);
  const out = await child.output();
  clearTimeout(killer);
  const cpu1 = cpuUs(server.child.pid);
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success || !text) throw new Error(`load client failed (${out.code}): ${text}`);
  const r = JSON.parse(text.split("\n").at(-1)!);
  return {
    rate: r.rate,
    p50us: r.p50us,
    p99us: r.p99us,
    lost: r.lost + r.bad,
    denoCpuUsPerRt: (cpu1 - cpu0) / r.total,
    nodeCpuUsPerRt: r.clientCpuUsPerRt,
  };
}

async function readRun(
  g: Gateway,
  devicesPid: number,
  cmd: "read" | "rawget",
  o: Options,
): Promise<Omit<ReadRow, "target" | "round">> {
  const g0 = cpuUs(g.pid);
  const d0 = cpuUs(devicesPid);
  const r = await command(g, {
    cmd,
    prefix: "read",
    count: o.readDevices,
    concurrency: o.inflight,
    warmupMs: o.warmupMs,
    durationMs: o.durationMs,
    path: "/3/0/0",
  }, o.warmupMs + o.durationMs + 30_000);
  const g1 = cpuUs(g.pid);
  const d1 = cpuUs(devicesPid);
  const total = r.total as number;
  return {
    rate: r.rate as number,
    p50us: r.p50us as number,
    p99us: r.p99us as number,
    lost: r.failed as number,
    denoCpuUsPerRt: (g1 - g0) / total,
    nodeCpuUsPerRt: +((d1 - d0) / total).toFixed(2),
  };
}

/** HTTP-bridged Reads (issue 6): the same devices and path, requested over the HTTP API. */
async function httpRun(
  g: Gateway,
  devicesPid: number,
  o: Options,
): Promise<Omit<ReadRow, "target" | "round">> {
  const g0 = cpuUs(g.pid);
  const d0 = cpuUs(devicesPid);
  const load = spawn("http-load", Deno.execPath(), [
    "run",
    "--allow-net=127.0.0.1",
    HTTP_LOAD,
    "--port",
    String(g.httpPort),
    "--count",
    String(o.readDevices),
    "--concurrency",
    String(o.inflight),
    "--warmup",
    String(o.warmupMs),
    "--duration",
    String(o.durationMs),
  ]);
  const r = await nextJson(load, o.warmupMs + o.durationMs + 30_000, "http reads");
  children.delete(load);
  await load.child.status;
  const total = r.total as number;
  return {
    rate: r.rate as number,
    p50us: r.p50us as number,
    p99us: r.p99us as number,
    lost: r.failed as number,
    denoCpuUsPerRt: (cpuUs(g.pid) - g0) / total,
    nodeCpuUsPerRt: +((cpuUs(devicesPid) - d0) / total).toFixed(2),
  };
}

async function readPart(o: Options): Promise<{ rows: ReadRow[]; notes: string[] }> {
  console.log(
    `\n== reads/s: ${o.readDevices} devices, ${o.inflight} in flight, ${o.warmupMs} ms warm-up + ` +
      `${o.durationMs} ms measured, interleaved with the bare echo ==`,
  );
  const g = await startGateway("memory");
  const rows: ReadRow[] = [];
  const notes: string[] = [];
  let devices: Child | null = null;
  const echoes: (Child & { port: number })[] = [];
  try {
    devices = spawn("devices", "node", [
      DEVICES,
      "serve",
      "--port",
      String(g.coapPort),
      "--count",
      String(o.readDevices),
      "--prefix",
      "read",
      "--max-ms",
      String(60_000 + o.runs * 4 * (o.warmupMs + o.durationMs + 5000)),
    ]);
    const ready = await nextJson(devices, 30_000, "register");
    if (ready.failed) throw new Error(`devices: ${ready.failed} registrations failed`);
    const echo = await startEcho("echo");
    const echoReuse = await startEcho("echo-reuse");
    echoes.push(echo, echoReuse);
    const targets: ReadTarget[] = ["read", "http", "echo", "rawget", "echo-reuse"];
    for (let round = 1; round <= o.runs; round++) {
      const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]);
      for (const t of order) {
        const r = t === "echo"
          ? await echoRun(echo, o)
          : t === "echo-reuse"
          ? await echoRun(echoReuse, o)
          : t === "http"
          ? await httpRun(g, devices.child.pid, o)
          : await readRun(g, devices.child.pid, t, o);
        rows.push({ target: t, round, ...r });
        console.log(
          `round ${round}  ${t.padEnd(10)} ${
            fmtInt(r.rate).padStart(7)
          } rt/s  p50 ${r.p50us} µs  ` +
            `p99 ${r.p99us} µs  Deno side ${
              r.denoCpuUsPerRt.toFixed(1)
            } µs/rt  Node side ${r.nodeCpuUsPerRt} µs/rt  lost ${r.lost}`,
        );
      }
    }
    notes.push(`gateway peak RSS ${peakRssMB(g.pid)} MB`);
    const report = await stop(devices);
    devices = null;
    notes.push(`devices: ${JSON.stringify(report)}`);
  } finally {
    if (devices) kill(devices);
    for (const e of echoes) await stop(e);
    await stopGateway(g);
  }
  return { rows, notes };
}

// ---------------------------------------------------------------------------------------------
// part 3: memory per registration

interface MemRow {
  store: string;
  round: number;
  registered: number;
  regRate: number;
  before: Record<string, number>;
  after: Record<string, number>;
  steady: Record<string, number>;
  peakRssMB: number | null;
}

async function memPart(
  o: Options,
): Promise<{ rows: MemRow[]; breakdown: Record<string, unknown>[] | null }> {
  console.log(
    `\n== memory: ${o.memWarmup} warm-up + ${o.memCount} measured registrations ` +
      `(one loopback address each), full GC before each RSS reading ==`,
  );
  const rows: MemRow[] = [];
  let breakdown: Record<string, unknown>[] | null = null;
  for (let round = 1; round <= o.runs; round++) {
    const order = round % 2 ? o.stores : [...o.stores].reverse();
    for (const store of order as ("memory" | "file")[]) {
      const g = await startGateway(store);
      try {
        if (o.memWarmup > 0) {
          await registerDevices(g.coapPort, o.memWarmup, 0, o.concurrency, "warm", 40);
        }
        const before = await memory(g);
        const r = await registerDevices(g.coapPort, o.memCount, 0, o.concurrency, "mem", 20);
        const after = await memory(g);
        const steady = await memory(g, true);
        const row: MemRow = {
          store,
          round,
          registered: steady.registrations,
          regRate: r.rate as number,
          before,
          after,
          steady,
          peakRssMB: peakRssMB(g.pid),
        };
        rows.push(row);
        const per = (m: Record<string, number>, key: string) =>
          ((m[key] - before[key]) / o.memCount).toFixed(0);
        console.log(
          `round ${round}  ${store.padEnd(6)} registered ${row.registered}  ` +
            `RSS/reg ${per(after, "rss")} B (dedup expired: ${per(steady, "rss")} B)  ` +
            `heap/reg ${per(after, "heapUsed")} B (${per(steady, "heapUsed")} B)  ` +
            `RSS ${mb(before.rss)} -> ${mb(after.rss)} -> ${mb(steady.rss)} MB  ${
              fmtInt(row.regRate)
            } reg/s`,
        );
        const breakdownStore = o.stores.includes("memory") ? "memory" : o.stores[0];
        if (o.breakdown && round === o.runs && store === breakdownStore) {
          const b = await command(g, { cmd: "breakdown" }, 120_000);
          breakdown = (b.steps as Record<string, number>[]).map((s, i, all) => ({
            step: s.step,
            heapUsedMB: mb(s.heapUsed),
            freedBytesPerReg: i === 0
              ? null
              : Math.round((all[i - 1].heapUsed - s.heapUsed) / o.memCount),
            store,
          }));
          breakdown.push({
            step:
              "remaining above the pre-registration baseline (name index, UDP address cache, ...)",
            freedBytesPerReg: Math.round(
              ((b.steps as Record<string, number>[]).at(-1)!.heapUsed - before.heapUsed) /
                o.memCount,
            ),
            store,
          });
          for (const s of breakdown) console.log(`  breakdown: ${JSON.stringify(s)}`);
          children.delete(g);
        }
      } finally {
        await stopGateway(g);
      }
    }
  }
  return { rows, breakdown };
}

// ---------------------------------------------------------------------------------------------
// reporting

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmtInt(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n)
    ? "n/a"
    : Math.round(n).toLocaleString("en-US");
}

function mb(bytes: number): number {
  return Math.round(bytes / 1e5) / 10;
}

function range(values: number[]): string {
  return values.length > 1
    ? ` (${fmtInt(Math.min(...values))}–${fmtInt(Math.max(...values))})`
    : "";
}

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

async function machine(): Promise<Record<string, string>> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const text = async (cmd: string, args: string[]) => {
    try {
      const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
      return new TextDecoder().decode(out.stdout).trim();
    } catch {
      return "n/a";
    }
  };
  const commit = await text("git", ["-C", repoPath, "rev-parse", "--short", "HEAD"]);
  const dirty = await text("git", [
    "-C",
    repoPath,
    "status",
    "--porcelain",
    "gateway",
    "codec-wasm",
  ]);
  return {
    code: `${commit}${
      dirty && dirty !== "n/a" ? " + uncommitted changes in gateway/ or codec-wasm/" : ""
    }`,
    nproc: String(navigator.hardwareConcurrency),
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown",
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    node: await text("node", ["--version"]),
    nofile: await text("sh", ["-c", "ulimit -n"]),
    loadavg: await loadavg(),
  };
}

async function loadavg(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg").catch(() => "n/a")).split(" ").slice(0, 3)
    .join(" ");
}

function regTable(rows: RegRow[], stores: string[]): string {
  const body = stores.map((store) => {
    const rs = rows.filter((r) => r.store === store);
    const rates = rs.map((r) => r.rate);
    return [
      store === "memory" ? "`--store memory`" : "default file store (SQLite, WAL)",
      fmtInt(median(rates)) + range(rates),
      fmtInt(median(rs.map((r) => r.p50us))),
      fmtInt(median(rs.map((r) => r.p99us))),
      median(rs.map((r) => r.gatewayCpuUsPerReg)).toFixed(0),
      median(rs.map((r) => r.clientCpuUsPerReg)).toFixed(0),
      String(rs.reduce((a, r) => a + r.failed, 0)),
    ];
  });
  return table([
    "store",
    "registrations/s (min–max)",
    "p50 µs",
    "p99 µs",
    "gateway CPU µs/reg",
    "device-side CPU µs/reg",
    "failed",
  ], body);
}

function readTable(rows: ReadRow[]): { text: string; ratio: number; ratioReuse: number } {
  const targets: ReadTarget[] = ["read", "http", "echo", "rawget", "echo-reuse"];
  const med = (t: ReadTarget) => median(rows.filter((r) => r.target === t).map((r) => r.rate));
  const body = targets.filter((t) => rows.some((r) => r.target === t)).map((t) => {
    const rs = rows.filter((r) => r.target === t);
    const rates = rs.map((r) => r.rate);
    return [
      READ_LABELS[t],
      fmtInt(median(rates)) + range(rates),
      median(rs.map((r) => r.denoCpuUsPerRt)).toFixed(1),
      median(rs.map((r) => r.nodeCpuUsPerRt ?? NaN)).toFixed(1),
      fmtInt(median(rs.map((r) => r.p50us ?? NaN))),
      fmtInt(median(rs.map((r) => r.p99us ?? NaN))),
      String(rs.reduce((a, r) => a + r.lost, 0)),
    ];
  });
  const ratio = med("read") / med("echo");
  const ratioReuse = med("read") / med("echo-reuse");
  const perRound = [...new Set(rows.map((r) => r.round))].map((round) => {
    const get = (t: ReadTarget) => rows.find((r) => r.round === round && r.target === t)?.rate;
    const a = get("read");
    const b = get("echo");
    return a && b ? `${(100 * a / b).toFixed(0)}%` : "n/a";
  });
  body.push([
    "**Read / bare echo**",
    `**${(100 * ratio).toFixed(0)}%** (per round ${perRound.join(", ")})`,
    ...["", "", "", "", ""],
  ]);
  body.push(["Read / echo-reuse", `${(100 * ratioReuse).toFixed(0)}%`, ...["", "", "", "", ""]]);
  if (rows.some((r) => r.target === "http")) {
    body.push([
      "**HTTP-bridged Read / direct Read** (issue 6 goal ≥ 50%)",
      `**${(100 * med("http") / med("read")).toFixed(0)}%**`,
      ...["", "", "", "", ""],
    ]);
  }
  body.push([
    "Read / bare Deno requester",
    `${(100 * med("read") / med("rawget")).toFixed(0)}%`,
    ...["", "", "", "", ""],
  ]);
  return {
    text: table([
      "round trip",
      "rt/s (min–max)",
      "Deno-side CPU µs/rt",
      "Node-side CPU µs/rt",
      "p50 µs",
      "p99 µs",
      "lost",
    ], body),
    ratio,
    ratioReuse,
  };
}

function memTable(rows: MemRow[], stores: string[], count: number) {
  const verdicts: Record<string, number> = {};
  const body = stores.map((store) => {
    const rs = rows.filter((r) => r.store === store);
    const per = (pick: (r: MemRow) => Record<string, number>, key: string) =>
      rs.map((r) => (pick(r)[key] - r.before[key]) / count);
    const rssNow = per((r) => r.after, "rss");
    const rssSteady = per((r) => r.steady, "rss");
    const anonSteady = per((r) => r.steady, "rssAnon");
    verdicts[store] = median(rssSteady);
    verdicts[`${store}:now`] = median(rssNow);
    return [
      store === "memory" ? "`--store memory`" : "default file store (SQLite, WAL)",
      fmtInt(median(rs.map((r) => r.registered))),
      fmtInt(median(rssNow)) + range(rssNow),
      fmtInt(median(rssSteady)) + range(rssSteady),
      fmtInt(median(anonSteady)),
      fmtInt(median(per((r) => r.after, "heapUsed"))),
      fmtInt(median(per((r) => r.steady, "heapUsed"))),
      `${mb(median(rs.map((r) => r.before.rss)))} -> ${mb(median(rs.map((r) => r.after.rss)))} -> ${
        mb(median(rs.map((r) => r.steady.rss)))
      }`,
      String(median(rs.map((r) => r.peakRssMB ?? NaN))),
      fmtInt(median(rs.map((r) => r.regRate))),
    ];
  });
  return {
    text: table([
      "store",
      "registered",
      "RSS B/reg, right after (min–max)",
      "**RSS B/reg, dedup expired** (min–max)",
      "of which anonymous (RssAnon)",
      "JS heap B/reg, right after",
      "JS heap B/reg, dedup expired",
      "RSS MB before -> after -> expired",
      "peak RSS MB",
      "reg/s while filling",
    ], body),
    verdicts,
  };
}

const BEGIN = "<!-- lwm2m:begin (written by bench/lwm2m/run.ts --record) -->";
const END = "<!-- lwm2m:end -->";
const HEADING = "## LwM2M server (issue 4)";

async function record(block: string): Promise<void> {
  let text = await Deno.readTextFile(RESULTS).catch(() => "# Benchmark results\n");
  const generated = `${BEGIN}\n${block}\n${END}`;
  const b = text.indexOf(BEGIN);
  const e = text.indexOf(END);
  if (b >= 0 && e > b) text = text.slice(0, b) + generated + text.slice(e + END.length);
  else if (text.includes(HEADING)) {
    const at = text.indexOf(HEADING) + HEADING.length;
    text = `${text.slice(0, at)}\n\n${generated}\n${text.slice(at)}`;
  } else text = `${text.trimEnd()}\n\n${HEADING}\n\n${generated}\n`;
  await Deno.writeTextFile(RESULTS, text);
  console.log(`\nrecorded in ${RESULTS}`);
}

// ---------------------------------------------------------------------------------------------
// profiling

async function profileRun(o: Options): Promise<void> {
  const dir = path("profiles/");
  await Deno.mkdir(dir, { recursive: true });
  const name = `${o.profile}-${Date.now()}.cpuprofile`;
  const flags = [
    "--cpu-prof",
    `--cpu-prof-dir=${dir}`,
    `--cpu-prof-name=${name}`,
    "--cpu-prof-interval=100",
  ];
  const g = await startGateway("memory", flags);
  try {
    if (o.profile === "reg") {
      const r = await registerDevices(
        g.coapPort,
        o.regCount,
        o.regWarmup,
        o.concurrency,
        "reg",
        20,
      );
      console.log(`registrations (with the profiler on): ${JSON.stringify(r)}`);
    } else {
      const devices = spawn("devices", "node", [
        DEVICES,
        "serve",
        "--port",
        String(g.coapPort),
        "--count",
        String(o.readDevices),
        "--prefix",
        "read",
        "--max-ms",
        String(60_000 + o.warmupMs + o.durationMs),
      ]);
      try {
        await nextJson(devices, 30_000, "register");
        const r = await readRun(g, devices.child.pid, o.profile as "read" | "rawget", o);
        console.log(`reads (with the profiler on): ${JSON.stringify(r)}`);
      } finally {
        await stop(devices);
      }
    }
  } finally {
    await stopGateway(g);
  }
  const profile = JSON.parse(await Deno.readTextFile(dir + name));
  console.log(`\n${dir}${name}\n`);
  console.log(formatSummary(summarize(profile), 35));
}

async function heapSnapshotRun(o: Options, count: number): Promise<void> {
  const g = await startGateway("memory");
  await Deno.mkdir(path("profiles/"), { recursive: true });
  const stamp = Date.now();
  const before = path(`profiles/heap-before-${stamp}.heapsnapshot`);
  const after = path(`profiles/heap-${count}-${stamp}.heapsnapshot`);
  try {
    await registerDevices(g.coapPort, o.memWarmup, 0, o.concurrency, "warm", 40);
    await command(g, { cmd: "heapsnapshot", file: before }, 300_000);
    await registerDevices(g.coapPort, count, 0, o.concurrency, "snap", 20);
    await command(g, { cmd: "mem", expireExchanges: true }, 60_000);
    await command(g, { cmd: "heapsnapshot", file: after }, 300_000);
  } finally {
    await stopGateway(g);
  }
  await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", path("heap_summary.ts"), before, after, String(count), "30"],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
}

// ---------------------------------------------------------------------------------------------
// main

async function main(): Promise<void> {
  const o = parseArgs(Deno.args);
  if (o.profile) return await profileRun(o);
  if (o.heapSnapshot) return await heapSnapshotRun(o, o.heapSnapshot);
  const info = await machine();
  const date = new Date().toISOString();
  console.log(`machine: ${JSON.stringify(info)}`);
  const reg = o.parts.includes("reg") ? await regPart(o) : null;
  const read = o.parts.includes("read") ? await readPart(o) : null;
  const mem = o.parts.includes("mem") ? await memPart(o) : null;
  const loadAfter = await loadavg();

  const command = `bin/deno task bench:lwm2m${Deno.args.length ? " " + Deno.args.join(" ") : ""}`;
  const out: string[] = [
    `- date: ${date}`,
    `- machine: ${info.nproc} CPUs (nproc), ${info.cpu}, Linux ${info.kernel}; load average ` +
    `${info.loadavg} before, ${loadAfter} after (shared VM: compare rows of one run only)`,
    `- code: ${info.code}`,
    `- versions: Deno ${info.deno} (V8 ${info.v8}) for the gateway, Node ${info.node} for the devices and load client`,
    `- command: \`${command}\`; every number is the median of ${o.runs} runs (min–max in brackets)`,
    `- open files: \`ulimit -n\` = ${info.nofile}, not raised: the device process holds at most ` +
    `${
      Math.max(o.concurrency, o.readDevices)
    } sockets at a time (register: a socket per outstanding ` +
    `registration, closed after its 2.01; read: ${o.readDevices} sockets)`,
  ];
  const verdicts: string[] = [];
  if (reg) {
    out.push(
      "",
      `### Registrations per second`,
      "",
      `Method: a fresh gateway child process per run (\`startGateway\`, CoAP on 127.0.0.1); a Node ` +
        `process (bench/lwm2m/devices.mjs) registers ${fmtInt(o.regWarmup)} warm-up and then ` +
        `${
          fmtInt(o.regCount)
        } timed devices, at most ${o.concurrency} outstanding; each device has ` +
        `its own loopback address and socket and sends CON POST /rd?ep=..&lt=86400&lwm2m=1.1&b=U ` +
        `with a 72-byte link-format payload (\`</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>,</4/0>,</5/0>,</6/0>,</3303/0>\`); ` +
        `rate = timed devices / (first timed send to last 2.01). Gateway CPU from /proc over warm-up and timed devices.`,
      "",
      regTable(reg, o.stores),
    );
  }
  if (read) {
    const t = readTable(read.rows);
    out.push(
      "",
      `### Reads per second (and the bare UDP echo of the same run)`,
      "",
      `What is compared: a **Read** is \`server.perform(ep, {kind: "read", path: /3/0/0})\` called ` +
        `in the gateway process (bench/lwm2m/gateway_driver.ts) by ${o.inflight} concurrent callers ` +
        `over ${o.readDevices} registered devices (caller w reads devices w, w+${o.inflight}, ... so no device ` +
        `has two reads at once): the gateway builds the CON GET (Accept TLV, from the registration), ` +
        `sends it to a Node scripted device, which answers with a pre-encoded piggybacked 2.05 ` +
        `text/plain "ACME Corporation" echoing message id and token; the gateway matches it, decodes ` +
        `the value through the object model and resolves the typed result. The **bare echo** is a ` +
        `round trip from the issue-3 Node load client (bench/coap_rtt/load_client.mjs, ` +
        `${o.inflight} in flight, one socket each) to the bare Deno echo (bench/coap_rtt/servers.ts ` +
        `\`echo\`: \`for await\` over Deno.listenDatagram, send back) and back. Both have one Deno and ` +
        `one Node process per round trip, the Deno side initiating for Reads and answering for the ` +
        `echo. ${o.warmupMs} ms warm-up + ${o.durationMs} ms measured per run, targets interleaved ` +
        `(order rotated each round). CPU per round trip from /proc (whole process, all threads).`,
      "",
      t.text,
      "",
      ...read.notes.map((n) => `- ${n}`),
    );
    verdicts.push(
      `- **Reads ≥ 70% of the bare UDP echo: ${t.ratio >= 0.7 ? "met" : "not met"}: ` +
        `${(100 * t.ratio).toFixed(0)}%** (against the reused-buffer echo ${
          (100 * t.ratioReuse).toFixed(0)
        }%)`,
    );
  }
  if (mem) {
    const t = memTable(mem.rows, o.stores, o.memCount);
    out.push(
      "",
      `### Memory per registration (100,000 registered clients)`,
      "",
      `Method: real UDP, no in-memory transport: each device registers from its own loopback ` +
        `address (127.x.y.z, kernel-chosen port), so the gateway holds 100,000 distinct peers; ` +
        `its socket is closed after the 2.01 (the registration stays). ${fmtInt(o.memWarmup)} ` +
        `warm-up registrations, then a full GC (\`--expose-gc\`, V8's "last-resort" GC, which also ` +
        `shrinks the heap) and RSS (Deno.memoryUsage), then ${fmtInt(o.memCount)} registrations ` +
        `(${fmtInt(o.memWarmup + o.memCount)} registered), GC and RSS again: ` +
        `bytes per registration = ΔRSS / ${fmtInt(o.memCount)}. "Right after" includes the CoAP ` +
        `deduplication entries of the Register exchanges, which the engine keeps for ` +
        `EXCHANGE_LIFETIME (247 s); "dedup expired" drops them as the engine's sweep does after ` +
        `that time (simulated by clearing the table instead of waiting), i.e. what a registration ` +
        `holds for its lifetime.`,
      "",
      t.text,
    );
    if (mem.breakdown) {
      out.push(
        "",
        `JS heap held per registration by table (--breakdown, ${mem.breakdown[0]?.store} store, ` +
          `last run: tables dropped one by one, full GC after each; shared strings count where the last reference goes):`,
        "",
        table(
          ["table dropped", "heap freed, B/reg"],
          mem.breakdown.slice(1).map((s) => [String(s.step), fmtInt(s.freedBytesPerReg as number)]),
        ),
      );
    }
    for (const store of o.stores) {
      const v = t.verdicts[store];
      verdicts.push(
        `- **≤ 600 B of RSS per registration (${store} store): ${v <= 600 ? "met" : "not met"}: ` +
          `${fmtInt(v)} B** once the Register exchanges' dedup entries expired; ` +
          `${fmtInt(t.verdicts[`${store}:now`])} B right after registering`,
      );
    }
  }
  if (verdicts.length) out.push("", "### Goal verdicts", "", ...verdicts);
  const block = out.join("\n");
  console.log(`\n${block}\n`);
  if (o.record) await record(block);
}

Deno.addSignalListener("SIGINT", () => {
  for (const c of [...children]) kill(c);
  Deno.exit(130);
});

try {
  await main();
} catch (error) {
  console.error(`bench:lwm2m failed: ${error instanceof Error ? error.stack : error}`);
  for (const c of [...children]) kill(c);
  Deno.exit(1);
}
for (const c of [...children]) kill(c);
Deno.exit(0);
