/**
 * Client scale benchmark (issue 5; DESIGN.md §6 `deno task simulate`): how many simulated LwM2M
 * clients one process holds and at what memory per client, and how fast they register with the
 * gateway (LwM2M Core §6.2.1 Register over loopback UDP). Each run starts a fresh gateway
 * (`deno task start`, memory store) and runs `deno task simulate --json --duration 0` against it
 * as a separate process, so the numbers are those of the commands users run.
 *
 *   bin/deno run -A bench/client_scale.ts            print the table
 *   bin/deno run -A bench/client_scale.ts --record   also write bench/RESULTS.md's section
 */

const root = new URL("../", import.meta.url);
const deno = Deno.execPath();
const record = Deno.args.includes("--record");

interface Run {
  label: string;
  count: number;
  perSocket: number;
  concurrency: number;
}

const RUNS: Run[] = [
  { label: "10,000 clients, 100 per UDP socket", count: 10_000, perSocket: 100, concurrency: 64 },
  { label: "10,000 clients, 1 UDP socket each", count: 10_000, perSocket: 1, concurrency: 64 },
  { label: "20,000 clients, 100 per UDP socket", count: 20_000, perSocket: 100, concurrency: 64 },
  {
    label: "10,000 clients, 1 socket each, 256 in flight",
    count: 10_000,
    perSocket: 1,
    concurrency: 256,
  },
];

interface Summary {
  registered: number;
  failed: number;
  count: number;
  elapsedMs: number;
  ratePerSec: number;
  rssBytes: number;
  baselineRssBytes: number;
  bytesPerClient: number;
  marginalBytesPerClient: number | null;
  heapBytesPerClient: number;
  sockets: number;
}

async function startGateway(): Promise<{ port: number; stop(): Promise<void> }> {
  const child = new Deno.Command(deno, {
    args: [
      "task",
      "start",
      "--coap-port",
      "0",
      "--coaps-port",
      "off",
      "--http-port",
      "0",
      "--store",
      "memory",
      "--host",
      "127.0.0.1",
      "--log-level",
      "error",
    ],
    cwd: root,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = Date.now() + 30_000;
  while (!/listening coap=(\d+)/.test(text) && Date.now() < deadline) {
    const r = await reader.read();
    if (r.done) break;
    text += r.value;
  }
  const m = /listening coap=(\d+)/.exec(text);
  if (!m) throw new Error(`gateway did not start: ${text}`);
  (async () => {
    try {
      while (!(await reader.read()).done) { /* drain */ }
    } catch { /* closed */ }
  })();
  return {
    port: Number(m[1]),
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

async function simulate(port: number, run: Run, prefix: string): Promise<Summary> {
  const out = await new Deno.Command(deno, {
    args: [
      "task",
      "simulate",
      "--server",
      `coap://127.0.0.1:${port}`,
      "--count",
      String(run.count),
      "--prefix",
      prefix,
      "--per-socket",
      String(run.perSocket),
      "--concurrency",
      String(run.concurrency),
      "--bind",
      "127.0.0.1",
      "--duration",
      "0",
      "--json",
    ],
    cwd: root,
    stdout: "piped",
    stderr: "null",
  }).output();
  const line = new TextDecoder().decode(out.stdout).split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`simulate printed no summary (exit ${out.code})`);
  return JSON.parse(line);
}

function openFileLimit(): string {
  try {
    return Deno.readTextFileSync("/proc/self/limits").split("\n").find((l) =>
      l.startsWith("Max open files")
    )?.split(/\s{2,}/).slice(1, 3).join(" / ") ?? "?";
  } catch {
    return "?";
  }
}

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "?";
  } catch {
    return "?";
  }
}

function git(args: string[]): string {
  try {
    return new TextDecoder().decode(
      new Deno.Command("git", { args, cwd: root, stdout: "piped", stderr: "null" }).outputSync()
        .stdout,
    ).trim();
  } catch {
    return "?";
  }
}

const kb = (b: number | null) => b === null ? "–" : `${(b / 1024).toFixed(1)} KB`;
const rows: string[] = [];
const loadBefore = Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
for (const [k, run] of RUNS.entries()) {
  const gw = await startGateway();
  try {
    const s = await simulate(gw.port, run, `bench${k}-`);
    const row =
      `| ${run.label} | ${s.registered.toLocaleString("en")}/${s.count.toLocaleString("en")} | ${
        s.sockets.toLocaleString("en")
      } | ` +
      `${((s.rssBytes - s.baselineRssBytes) / 1048576).toFixed(1)} MB | **${
        kb(s.bytesPerClient)
      }** | ${kb(s.marginalBytesPerClient)} | ` +
      `${kb(s.heapBytesPerClient)} | ${(s.elapsedMs / 1000).toFixed(1)} s | **${
        Math.round(s.ratePerSec).toLocaleString("en")
      }/s** |`;
    rows.push(row);
    console.log(row);
  } finally {
    await gw.stop();
  }
}
const loadAfter = Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
const dirty = git(["status", "--porcelain", "gateway/client"])
  ? " + uncommitted gateway/client/"
  : "";

const section = [
  "## Client library and simulator (issue 5)",
  "",
  "<!-- client_scale:begin (written by bench/client_scale.ts --record) -->",
  `- date: ${new Date().toISOString()}`,
  `- machine: ${navigator.hardwareConcurrency} CPUs, ${cpuModel()}, Linux ${Deno.osRelease()}; load average ${loadBefore} before, ${loadAfter} after (shared VM: compare rows of one run)`,
  `- code: ${
    git(["rev-parse", "--short", "HEAD"])
  }${dirty}; Deno ${Deno.version.deno} (V8 ${Deno.version.v8}); open files ${openFileLimit()} (soft / hard)`,
  "- command: `bin/deno run -A bench/client_scale.ts --record`; each row: a fresh gateway (`deno task start --store memory`, loopback) and " +
  "`deno task simulate --server coap://127.0.0.1:PORT --count N --per-socket K --concurrency C --bind 127.0.0.1 --duration 0 --json` as its own process",
  "- memory: RSS growth of the simulator process from before the first client to after the last registration, after a full GC " +
  "(the task runs V8 with `--expose-gc,--optimize-for-size,--max-semi-space-size=1`); *marginal* = growth from 10% registered to the end " +
  "(code and pools already warm) per client added; rate = registrations (2.01 received) per second from the first start to the last answer",
  "",
  "| run | registered | UDP sockets | RSS growth | RSS per client | marginal per client | JS heap per client | time | registrations/s |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows,
  "",
  "Reading: one process holds 10,000 and 20,000 streetlights. With sockets shared (100 clients per socket, told apart by alternate " +
  "root paths, see docs/client.md) the 4 KB goal is met at the margin, and overall once the one-off growth (compiled code, pools: " +
  "about 20 MB) is spread over 20,000 clients; at 10,000 it is not quite (the per-client column). A socket of its own costs a client " +
  "about 5 KB more (Deno's UDP socket and its pending receive). Registration rates are with the gateway and the simulator on the same " +
  "2 CPUs (and other load: see the load average).",
  "<!-- client_scale:end -->",
  "",
].join("\n");
console.log("\n" + section);

if (record) {
  const path = new URL("bench/RESULTS.md", root);
  const text = await Deno.readTextFile(path);
  const start = text.indexOf("## Client library and simulator (issue 5)");
  let next: string;
  if (start < 0) next = text.trimEnd() + "\n\n" + section;
  else {
    const end = text.indexOf("<!-- client_scale:end -->", start);
    const after = end < 0
      ? ""
      : text.slice(end + "<!-- client_scale:end -->".length).replace(/^\n+/, "");
    next = text.slice(0, start) + section + (after ? "\n" + after : "");
  }
  await Deno.writeTextFile(path, next);
  console.log("written to bench/RESULTS.md");
}
