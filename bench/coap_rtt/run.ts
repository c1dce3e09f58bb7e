/**
 * CoAP round-trip benchmark of issue 3, one command: `bin/deno task bench:coap`.
 *
 * Starts the servers under test as child processes on 127.0.0.1 (bench/coap_rtt/servers.ts in
 * modes echo, transport and engine, all launched the same way, plus libcoap's
 * `coap-server-notls` answering GET /time), then drives each with the Node load client
 * (bench/coap_rtt/load_client.mjs) with 1 and 64 requests in flight, interleaving targets and
 * rounds so that drift of this noisy shared VM spreads over all of them. Prints per-run lines and a
 * table of round trips/s (median of the runs), the engine/echo ratio, the server's CPU time per
 * round trip (from /proc, less sensitive to neighbours than throughput) and p99 latency.
 *
 * Options (after `bin/deno task bench:coap`):
 *   --runs N (3)  --warmup MS (1000)  --duration MS (5000)  --inflight 1,64  --sockets K (one
 *   socket per request in flight = independent peers; 1 = one peer with all outstanding)
 *   --targets echo,transport,engine,libcoap,echo-reuse,engine-reuse (the last two are
 *     diagnostics, see bench/coap_rtt/servers.ts)
 *   --record           write the results into bench/RESULTS.md ("CoAP round trips (issue 3)")
 *   --profile[=MODE]   instead: one run (the last --inflight value, 64 by default) against MODE
 *                      (engine) started with --cpu-prof, then print its top functions
 *                      (bench/coap_rtt/profile_top.ts); the profile stays in
 *                      bench/coap_rtt/profiles/ (git-ignored)
 * Every load run is bounded by its duration (the client exits by itself; it is killed 10 s after
 * its deadline); every server is stopped at the end, on error and on Ctrl-C.
 */

import { formatSummary, summarize } from "./profile_top.ts";

const here = new URL("./", import.meta.url);
const repo = new URL("../../", import.meta.url);
const repoPath = decodeURIComponent(repo.pathname);
const CLIENT = decodeURIComponent(new URL("load_client.mjs", here).pathname);
const SERVERS = decodeURIComponent(new URL("servers.ts", here).pathname);
const RESULTS = decodeURIComponent(new URL("../RESULTS.md", here).pathname);
const HOST = "127.0.0.1";
const CLK_TCK = 100;

type TargetName = "echo" | "transport" | "engine" | "libcoap" | "echo-reuse" | "engine-reuse";

interface Target {
  name: TargetName;
  label: string;
  path: string;
  expect: "echo" | "coap";
}

const TARGETS: Record<TargetName, Target> = {
  echo: {
    name: "echo",
    label: "bare Deno UDP echo (Deno.listenDatagram)",
    path: "bench",
    expect: "echo",
  },
  transport: {
    name: "transport",
    label: "Deno echo via gateway udpTransport",
    path: "bench",
    expect: "echo",
  },
  engine: {
    name: "engine",
    label: "CoapEngine, GET /bench -> 2.05",
    path: "bench",
    expect: "coap",
  },
  libcoap: {
    name: "libcoap",
    label: "libcoap coap-server-notls, GET /time",
    path: "time",
    expect: "coap",
  },
  "echo-reuse": {
    name: "echo-reuse",
    label: "diagnostic: bare echo, reused receive buffer",
    path: "bench",
    expect: "echo",
  },
  "engine-reuse": {
    name: "engine-reuse",
    label: "diagnostic: CoapEngine on a reused-buffer transport",
    path: "bench",
    expect: "coap",
  },
};

const DEFAULT_TARGETS = "echo,transport,engine,libcoap,echo-reuse,engine-reuse";

interface ClientResult {
  inflight: number;
  sockets: number;
  rate: number;
  completed: number;
  total: number;
  lost: number;
  bad: number;
  stale: number;
  p50us: number | null;
  p99us: number | null;
  clientCpuUsPerRt: number | null;
}

interface RunResult extends ClientResult {
  target: TargetName;
  round: number;
  serverCpuUsPerRt: number | null;
}

interface Server {
  target: Target;
  port: number;
  child: Deno.ChildProcess;
  lines: AsyncIterator<string> | null;
  stdin: WritableStreamDefaultWriter<Uint8Array> | null;
}

// ---------------------------------------------------------------------------------------------
// arguments

function parseArgs(argv: string[]) {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf("=");
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (a === "--record" || a === "--profile") flags.set(a.slice(2), "");
    else flags.set(a.slice(2), argv[++i] ?? "");
  }
  const num = (name: string, fallback: number, max: number) => {
    const v = flags.has(name) ? Number(flags.get(name)) : fallback;
    if (!Number.isFinite(v) || v < 0 || v > max) throw new Error(`--${name} must be 0..${max}`);
    return v;
  };
  const targets = (flags.get("targets") ?? DEFAULT_TARGETS).split(",") as TargetName[];
  for (const t of targets) if (!(t in TARGETS)) throw new Error(`unknown target ${t}`);
  const inflight = (flags.get("inflight") ?? "1,64").split(",").map(Number);
  if (inflight.some((n) => !(n >= 1 && n <= 1024))) throw new Error("--inflight must be 1..1024");
  return {
    runs: num("runs", 3, 20),
    warmupMs: num("warmup", 1000, 10_000),
    durationMs: num("duration", 5000, 60_000),
    inflight,
    sockets: flags.has("sockets") ? num("sockets", 1, 1024) : null,
    targets,
    record: flags.has("record"),
    profile: flags.has("profile") ? ((flags.get("profile") || "engine") as TargetName) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// processes

const started: Server[] = [];

async function freeUdpPort(): Promise<number> {
  const probe = Deno.listenDatagram({ transport: "udp", hostname: HOST, port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  await new Promise((r) => setTimeout(r, 10));
  return port;
}

async function commandExists(name: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
    })
      .output();
    return success;
  } catch {
    return false;
  }
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

async function startDenoServer(target: Target, extraFlags: string[] = []): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-net",
      `--allow-net=${HOST}`,
      "--allow-read",
      ...extraFlags,
      SERVERS,
      target.name,
    ],
    cwd: repoPath,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = lineReader(child.stdout);
  const server: Server = { target, port: 0, child, lines, stdin: child.stdin.getWriter() };
  started.push(server);
  const first = await withTimeout(lines.next(), 20_000, `${target.name} server start`);
  if (first.done) throw new Error(`${target.name} server exited before announcing its port`);
  const hello = JSON.parse(first.value);
  if (!hello.ready) throw new Error(`${target.name} server: unexpected output ${first.value}`);
  server.port = hello.port;
  return server;
}

async function startLibcoap(target: Target): Promise<Server> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const port = await freeUdpPort();
    const child = new Deno.Command("coap-server-notls", {
      args: ["-A", HOST, "-p", String(port)],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const server: Server = { target, port, child, lines: null, stdin: null };
    started.push(server);
    if (await probe(port, target.path, 20)) return server;
    await stopServer(server); // the port was taken meanwhile, or it failed: try another
  }
  throw new Error("coap-server-notls did not answer GET /time");
}

/** Sends CON GET /path until a reply comes (bounded); returns its code and payload, or null. */
async function probe(port: number, path: string, tries: number): Promise<string | null> {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: HOST, port: 0 });
  try {
    const segment = new TextEncoder().encode(path);
    const request = new Uint8Array([0x40, 0x01, 0x12, 0x34, 0xb0 | segment.length, ...segment]);
    for (let i = 0; i < tries; i++) {
      await socket.send(request, { transport: "udp", hostname: HOST, port });
      const reply = await Promise.race([
        socket.receive(),
        new Promise<null>((r) => setTimeout(() => r(null), 100)),
      ]);
      if (reply) {
        const [bytes] = reply;
        const code = `${bytes[1] >> 5}.${String(bytes[1] & 31).padStart(2, "0")}`;
        const marker = bytes.indexOf(0xff, 4);
        const payload = marker >= 0 ? new TextDecoder().decode(bytes.subarray(marker + 1)) : "";
        return bytes[1] === 0x01 ? "echo of the request" : `${code} "${payload}"`;
      }
    }
    return null;
  } finally {
    socket.close();
  }
}

/** Closes a Deno server's stdin (it then reports and exits); SIGKILL after a grace period. */
async function stopServer(server: Server): Promise<Record<string, unknown> | null> {
  let report: Record<string, unknown> | null = null;
  const i = started.indexOf(server);
  if (i >= 0) started.splice(i, 1);
  try {
    if (server.stdin) {
      await server.stdin.close().catch(() => {});
      const next = await withTimeout(server.lines!.next(), 10_000, `${server.target.name} stop`);
      if (!next.done) report = JSON.parse(next.value);
    } else {
      server.child.kill("SIGTERM");
    }
    await withTimeout(server.child.status, 5_000, `${server.target.name} exit`);
  } catch {
    try {
      server.child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  return report;
}

function stopAllNow(): void {
  for (const s of started.splice(0)) {
    try {
      s.child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** utime + stime of a process in µs (all threads), from /proc. */
function cpuUs(pid: number): number | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
  } catch {
    return null;
  }
}

async function runClient(
  server: Server,
  inflight: number,
  sockets: number | null,
  warmupMs: number,
  durationMs: number,
): Promise<ClientResult & { serverCpuUsPerRt: number | null }> {
  const args = [
    CLIENT,
    "--port",
    String(server.port),
    "--inflight",
    String(inflight),
    "--sockets",
    String(Math.min(sockets ?? inflight, inflight)),
    "--warmup",
    String(warmupMs),
    "--duration",
    String(durationMs),
    "--path",
    server.target.path,
    "--expect",
    server.target.expect,
  ];
  const cpuBefore = cpuUs(server.child.pid);
  const child = new Deno.Command("node", {
    args,
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
  }, warmupMs + durationMs + 10_000);
  const out = await child.output();
  clearTimeout(killer);
  const cpuAfter = cpuUs(server.child.pid);
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success || !text) throw new Error(`load client failed (${out.code}): ${text}`);
  const result = JSON.parse(text.split("\n").at(-1)!) as ClientResult;
  const serverCpuUsPerRt = cpuBefore !== null && cpuAfter !== null && result.total > 0
    ? (cpuAfter - cpuBefore) / result.total
    : null;
  return { ...result, serverCpuUsPerRt };
}

// ---------------------------------------------------------------------------------------------
// reporting

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

async function machine(): Promise<Record<string, string>> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  const text = async (cmd: string, args: string[]) => {
    try {
      const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
      return new TextDecoder().decode(out.stdout).trim();
    } catch {
      return "n/a";
    }
  };
  const libcoap = await text("sh", [
    "-c",
    "dpkg-query -W -f='${Version}' libcoap3-bin 2>/dev/null",
  ]);
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
    cpu: model,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    node: await text("node", ["--version"]),
    libcoap: libcoap || "n/a",
    loadavg: (await Deno.readTextFile("/proc/loadavg").catch(() => "n/a")).split(" ").slice(0, 3)
      .join(" "),
  };
}

function table(
  results: RunResult[],
  targets: TargetName[],
  inflights: number[],
): { text: string; medians: Map<string, number> } {
  const medians = new Map<string, number>();
  const pick = (t: TargetName, n: number) =>
    results.filter((r) => r.target === t && r.inflight === n);
  const head = [
    "target",
    ...inflights.map((n) => `${n} in flight: rt/s (min–max)`),
    ...inflights.map((n) => `server CPU µs/rt @${n}`),
    ...inflights.map((n) => `p99 µs @${n}`),
  ];
  const rows: string[][] = [];
  for (const t of targets) {
    const row = [TARGETS[t].label];
    for (const n of inflights) {
      const rates = pick(t, n).map((r) => r.rate);
      const m = median(rates);
      medians.set(`${t}@${n}`, m);
      const range = rates.length > 1
        ? ` (${fmtInt(Math.min(...rates))}–${fmtInt(Math.max(...rates))})`
        : "";
      row.push(fmtInt(m) + range);
    }
    for (const n of inflights) {
      const cpu = pick(t, n).map((r) => r.serverCpuUsPerRt).filter((x): x is number => x !== null);
      row.push(cpu.length ? median(cpu).toFixed(1) : "n/a");
    }
    for (const n of inflights) {
      const p99 = pick(t, n).map((r) => r.p99us).filter((x): x is number => x !== null);
      row.push(p99.length ? fmtInt(median(p99)) : "n/a");
    }
    rows.push(row);
  }
  const ratio = (a: TargetName, b: TargetName, label: string) => {
    if (!targets.includes(a) || !targets.includes(b)) return;
    const row = [label];
    for (const n of inflights) {
      row.push(`${(100 * medians.get(`${a}@${n}`)! / medians.get(`${b}@${n}`)!).toFixed(0)}%`);
    }
    for (const n of inflights) {
      const ca = median(pick(a, n).map((r) => r.serverCpuUsPerRt ?? NaN));
      const cb = median(pick(b, n).map((r) => r.serverCpuUsPerRt ?? NaN));
      row.push(Number.isFinite(ca / cb) ? `${(ca / cb).toFixed(2)}x` : "n/a");
    }
    for (const _ of inflights) row.push("");
    rows.push(row);
  };
  ratio("engine", "echo", "**engine / echo**");
  ratio("engine", "libcoap", "engine / libcoap");
  ratio("transport", "echo", "transport echo / bare echo");
  ratio("engine-reuse", "echo", "diagnostic: engine-reuse / echo");
  ratio("engine-reuse", "echo-reuse", "diagnostic: engine-reuse / echo-reuse");
  const lines = [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
  ];
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
  return { text: lines.join("\n"), medians };
}

const BEGIN = "<!-- coap_rtt:begin (written by bench/coap_rtt/run.ts --record) -->";
const END = "<!-- coap_rtt:end -->";
const HEADING = "## CoAP round trips (issue 3)";

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
// main

async function profileRun(mode: TargetName, opts: ReturnType<typeof parseArgs>): Promise<void> {
  if (mode === "libcoap") {
    throw new Error("--profile takes a Deno target: echo, transport or engine");
  }
  const dir = decodeURIComponent(new URL("profiles/", here).pathname);
  await Deno.mkdir(dir, { recursive: true });
  const name = `${mode}-${Date.now()}.cpuprofile`;
  const server = await startDenoServer(TARGETS[mode], [
    "--cpu-prof",
    `--cpu-prof-dir=${dir}`,
    `--cpu-prof-name=${name}`,
    "--cpu-prof-interval=100",
  ]);
  console.log(
    `profiling ${mode} on port ${server.port}: ${await probe(server.port, TARGETS[mode].path, 20)}`,
  );
  const n = opts.inflight.at(-1)!;
  const r = await runClient(server, n, opts.sockets, opts.warmupMs, opts.durationMs);
  console.log(`${n} in flight: ${fmtInt(r.rate)} rt/s (with the profiler on), lost ${r.lost}`);
  console.log(`server: ${JSON.stringify(await stopServer(server))}`);
  const profile = JSON.parse(await Deno.readTextFile(dir + name));
  console.log(`\n${dir}${name}\n`);
  console.log(formatSummary(summarize(profile), 30));
}

async function main(): Promise<void> {
  const opts = parseArgs(Deno.args);
  if (!(await commandExists("node"))) throw new Error("node is needed for the load client");
  if (opts.profile) return await profileRun(opts.profile, opts);

  let targets = opts.targets;
  if (targets.includes("libcoap") && !(await commandExists("coap-server-notls"))) {
    console.log("coap-server-notls not found (apt-get install -y libcoap3-bin): libcoap skipped");
    targets = targets.filter((t) => t !== "libcoap");
  }
  const info = await machine();
  const date = new Date().toISOString();
  console.log(`machine: ${JSON.stringify(info)}\n`);

  const servers = new Map<TargetName, Server>();
  for (const t of targets) {
    const server = t === "libcoap"
      ? await startLibcoap(TARGETS[t])
      : await startDenoServer(TARGETS[t]);
    servers.set(t, server);
    const answer = await probe(server.port, TARGETS[t].path, 20);
    if (!answer) throw new Error(`${t} does not answer on port ${server.port}`);
    console.log(`${t.padEnd(9)} port ${server.port} pid ${server.child.pid}: ${answer}`);
  }
  console.log(
    `\n${opts.runs} rounds x inflight ${opts.inflight.join(",")} x ${targets.length} targets, ` +
      `${opts.warmupMs} ms warm-up + ${opts.durationMs} ms measured each\n`,
  );

  const results: RunResult[] = [];
  for (let round = 1; round <= opts.runs; round++) {
    for (const n of opts.inflight) {
      // rotate the order each round, so no target always runs first or right after another
      const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]);
      for (const t of order) {
        const r = await runClient(servers.get(t)!, n, opts.sockets, opts.warmupMs, opts.durationMs);
        results.push({ ...r, target: t, round });
        console.log(
          `round ${round}  ${String(n).padStart(3)} in flight  ${t.padEnd(9)} ${
            fmtInt(r.rate).padStart(8)
          } rt/s` +
            `  server ${
              r.serverCpuUsPerRt?.toFixed(1) ?? "n/a"
            } µs/rt  client ${r.clientCpuUsPerRt} µs/rt` +
            `  p50 ${r.p50us} µs  p99 ${r.p99us} µs  lost ${r.lost}  bad ${r.bad}  stale ${r.stale}`,
        );
      }
    }
  }

  const reports: Record<string, unknown> = {};
  for (const [t, s] of servers) {
    const rss = (() => {
      try {
        return /VmHWM:\s*(\d+)/.exec(Deno.readTextFileSync(`/proc/${s.child.pid}/status`))?.[1];
      } catch {
        return undefined;
      }
    })();
    const report = await stopServer(s);
    reports[t] = { ...(report ?? {}), peakRssMB: rss ? Math.round(Number(rss) / 1024) : null };
  }
  const loadAfter = (await Deno.readTextFile("/proc/loadavg").catch(() => "n/a")).split(" ").slice(
    0,
    3,
  ).join(" ");

  const { text } = table(results, targets, opts.inflight);
  const lostTotal = results.reduce((a, r) => a + r.lost + r.bad, 0);
  const sockets = opts.sockets === null
    ? "one socket (peer) per request in flight"
    : `${opts.sockets} socket(s)`;
  const command = `bin/deno task bench:coap${Deno.args.length ? " " + Deno.args.join(" ") : ""}`;
  const block = [
    `- date: ${date}`,
    `- machine: ${info.nproc} CPUs, ${info.cpu}, Linux ${info.kernel}; load average ${info.loadavg} before, ` +
    `${loadAfter} after (the VM is shared: compare only rows of one run)`,
    `- code: ${info.code}`,
    `- versions: Deno ${info.deno} (V8 ${info.v8}), Node ${info.node} (load client), libcoap ${info.libcoap}`,
    `- command: \`${command}\``,
    `- method: Node load client (node:dgram), CON GET with 8-byte token, replies matched by message id; ` +
    `${sockets}; ${opts.warmupMs} ms warm-up + ${opts.durationMs} ms measured; median of ${opts.runs} ` +
    `interleaved runs; server CPU from /proc (utime+stime, all threads) per round trip`,
    `- lost or bad replies over all runs: ${lostTotal}`,
    "",
    text,
    "",
    "Servers at the end (requests served, JS heap in use, peak RSS, CoAP dedup entries held):",
    ...Object.entries(reports).map(([t, r]) => `- ${t}: \`${JSON.stringify(r)}\``),
  ].join("\n");
  console.log(
    `\n${text}\n\nservers at the end: ${JSON.stringify(reports)}\nloadavg after: ${loadAfter}`,
  );
  if (opts.record) await record(block);
}

Deno.addSignalListener("SIGINT", () => {
  stopAllNow();
  Deno.exit(130);
});

try {
  await main();
} catch (error) {
  console.error(`bench:coap failed: ${error instanceof Error ? error.message : error}`);
  stopAllNow();
  Deno.exit(1);
}
stopAllNow();
Deno.exit(0);
