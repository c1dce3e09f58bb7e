/**
 * SSE notification benchmark of issue 6: notifications per second delivered to ONE SSE consumer
 * (goal 20,000/s). One command: `bin/deno run -A bench/http_events/run.ts [--record]`.
 *
 * Three processes on 127.0.0.1: the gateway as its CLI runs it (gateway/main.ts, memory store,
 * child process), K simulated devices (bench/http_events/devices.mjs under Node, another child)
 * and this process as the SSE consumer (fetch + stream reader, counting `event: notification`
 * frames). Per run: fresh devices register, one SSE stream opens on
 * /api/events?type=notification,dropped, every device gets POST /api/clients/{ep}/3/0/9/observe
 * (the gateway's GET Observe=0 hands them a token), then the devices send NON 2.05 notifications
 * with increasing Observe numbers at an offered rate for a fixed time. Delivered/s = notification
 * frames received / (last - first arrival); what the gateway read from its socket comes from its
 * /metrics, so losses split into "never read" (kernel socket buffer overflow) and "dropped" (the
 * consumer's bounded buffer). Offered rates below, at and above the goal, interleaved; median of
 * --runs. Then the HTTP side alone (bench/http_events/pipeline.ts) for comparison.
 *
 * Options: --runs N (3) --ms D (5000) --devices K (32) --rates 10000,20000,40000,60000
 *   --pipeline-rate R (200000; 0 skips) --record (write bench/RESULTS.md "HTTP events (issue 6)")
 *   --profile (the gateway runs with --cpu-prof; top functions printed) --no-sse (diagnostic)
 * Every wait is bounded; children are stopped at the end, on error and on Ctrl-C.
 */

const repo = new URL("../../", import.meta.url);
const repoPath = decodeURIComponent(repo.pathname);
const DEVICES = decodeURIComponent(new URL("devices.mjs", import.meta.url).pathname);
const RESULTS = decodeURIComponent(new URL("../RESULTS.md", import.meta.url).pathname);
const HOST = "127.0.0.1";
const CLK_TCK = 100;
const IDLE_END_MS = 1500;

function flag(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1] : fallback;
}
const RUNS = Number(flag("runs", "3"));
const MS = Number(flag("ms", "5000"));
const COUNT = Number(flag("devices", "32"));
const RATES = flag("rates", "10000,20000,40000,60000").split(",").map(Number);
/** Offered rate of the HTTP-only diagnostic (bench/http_events/pipeline.ts); 0 skips it. */
const PIPELINE_RATE = Number(flag("pipeline-rate", "200000"));
const RECORD = Deno.args.includes("--record");
/** `--profile`: the gateway runs with --cpu-prof; its top functions are printed at the end. */
const PROFILE = Deno.args.includes("--profile");
/** `--no-sse`: no consumer at all (diagnostic: what the gateway reads without the HTTP side). */
const NO_SSE = Deno.args.includes("--no-sse");
const PROFILE_DIR = decodeURIComponent(new URL("profiles/", import.meta.url).pathname);

const children: Deno.ChildProcess[] = [];
function stopAll() {
  for (const c of children) {
    try {
      c.kill("SIGTERM");
    } catch { /* already gone */ }
  }
}
Deno.addSignalListener("SIGINT", () => {
  stopAll();
  Deno.exit(130);
});

/** Lines of a child's stdout, with a bounded wait for the next one matching `match`. */
function lines(child: Deno.ChildProcess) {
  const queue: string[] = [];
  let wake = null as (() => void) | null;
  (async () => {
    let buf = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        queue.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      wake?.();
    }
  })().catch(() => {});
  return async (match: (line: string) => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = queue.findIndex(match);
      if (i >= 0) return queue.splice(0, i + 1).at(-1)!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        wake = () => (clearTimeout(t), r());
      });
    }
  };
}

function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLK_TCK; // utime + stime
}

async function startGateway() {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...(PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : []),
      "gateway/main.ts",
      ...["--coap-port", "0", "--coaps-port", "off", "--http-port", "0", "--host", HOST],
      ...["--store", "memory", "--log-level", "warn"],
    ],
    cwd: repoPath,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  children.push(child);
  const line = await lines(child)((l) => l.startsWith("listening "), 60_000, "the gateway");
  const m = /coap=(\d+) .*http=(\d+)/.exec(line)!;
  return { child, coapPort: Number(m[1]), httpPort: Number(m[2]) };
}

interface RunResult {
  rate: number;
  sent: number;
  sendMs: number;
  /** Datagrams the gateway read from its socket (its /metrics). */
  received: number;
  /** Notification frames per chunk the consumer read (how well writes are batched). */
  framesPerRead: number;
  delivered: number;
  dropped: number;
  deliveredPerSec: number;
  gatewayCpuUsPerEvent: number;
}

async function datagramsReceived(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^lwm2m_coap_datagrams_received_total (\d+)/m.exec(text)?.[1] ?? NaN);
}

/** Counts notification frames (and reported drops) of an SSE body. */
function consume(body: ReadableStream<Uint8Array>) {
  const state = { count: 0, dropped: 0, first: 0, last: 0, reads: 0 };
  const MARK = "event: notification\n";
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const done = (async () => {
    let carry = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      state.reads++;
      const text = carry + value;
      let n = 0;
      for (let i = text.indexOf(MARK); i >= 0; i = text.indexOf(MARK, i + MARK.length)) n++;
      for (const m of text.matchAll(/"type":"dropped"[^\n]*"count":(\d+)/g)) {
        state.dropped += Number(m[1]);
      }
      if (n > 0) {
        const now = performance.now();
        if (state.count === 0) state.first = now;
        state.last = now;
        state.count += n;
      }
      carry = text.slice(-(MARK.length - 1));
    }
  })().catch(() => {});
  return { state, reader, done };
}

async function oneRun(
  gw: { child: Deno.ChildProcess; coapPort: number; httpPort: number },
  run: string,
  rate: number,
): Promise<RunResult> {
  const devices = new Deno.Command("node", {
    args: [DEVICES, "--port", String(gw.coapPort), "--count", String(COUNT), "--prefix", run],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  children.push(devices);
  const next = lines(devices);
  const ready = JSON.parse(await next((l) => l.includes('"ready"'), 60_000, "devices"));
  const base = `http://${HOST}:${gw.httpPort}`;
  const sse = consume(
    NO_SSE
      ? new ReadableStream({ start: (c) => c.close() })
      : (await fetch(`${base}/api/events?type=notification,dropped`)).body!,
  );
  for (const ep of ready.endpoints as string[]) {
    const r = await fetch(`${base}/api/clients/${ep}/3/0/9/observe?format=text&timeout=5000`, {
      method: "POST",
    });
    if (r.status !== 200) throw new Error(`observe ${ep}: ${r.status} ${await r.text()}`);
    await r.body?.cancel();
  }
  const writer = devices.stdin.getWriter();
  const cpu0 = cpuMs(gw.child.pid);
  const received0 = await datagramsReceived(base);
  await writer.write(
    new TextEncoder().encode(JSON.stringify({ cmd: "blast", rate, ms: MS }) + "\n"),
  );
  const report = JSON.parse(await next((l) => l.includes('"sent"'), MS + 30_000, "blast report"));
  // The stream is done when nothing arrived for IDLE_END_MS (bounded by 30 s).
  const deadline = Date.now() + 30_000;
  let seen = -1;
  while (Date.now() < deadline && sse.state.count !== seen) {
    seen = sse.state.count;
    await new Promise((r) => setTimeout(r, IDLE_END_MS));
  }
  const cpu = cpuMs(gw.child.pid) - cpu0;
  const received = await datagramsReceived(base) - received0;
  await sse.reader.cancel().catch(() => {});
  await writer.close().catch(() => {});
  await devices.status;
  const { count, first, last, dropped, reads } = sse.state;
  return {
    rate,
    sent: report.sent,
    sendMs: report.ms,
    received,
    framesPerRead: reads > 0 ? count / reads : 0,
    delivered: count,
    dropped,
    deliveredPerSec: count > 1 ? count / ((last - first) / 1000) : 0,
    gatewayCpuUsPerEvent: received > 0 ? cpu * 1000 / received : 0,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

async function machine(): Promise<string> {
  const cpu = Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.+)/)?.[1] ?? "?";
  const node = new TextDecoder().decode(
    (await new Deno.Command("node", { args: ["--version"] })
      .output()).stdout,
  ).trim();
  return `${navigator.hardwareConcurrency} CPUs, ${cpu}, Linux ${Deno.osRelease()}; ` +
    `Deno ${Deno.version.deno}, Node ${node}`;
}

const loadavg = () => Deno.loadavg().map((x) => x.toFixed(2)).join(" ");

async function main() {
  const where = await machine();
  const load0 = loadavg();
  const gw = await startGateway();
  const results = new Map<number, RunResult[]>(RATES.map((r) => [r, []]));
  try {
    for (let round = 0; round < RUNS; round++) {
      for (const rate of RATES) {
        const r = await oneRun(gw, `r${round}-${rate}`, rate);
        results.get(rate)!.push(r);
        console.log(
          `run ${round + 1} offered ${fmt(rate)}/s: sent ${fmt(r.sent)} in ${fmt(r.sendMs)} ms, ` +
            `gateway read ${fmt(r.received)}, ` +
            `delivered ${fmt(r.delivered)} (${fmt(r.deliveredPerSec)}/s), dropped ${r.dropped}, ` +
            `gateway CPU ${r.gatewayCpuUsPerEvent.toFixed(1)} µs/notification, ` +
            `${r.framesPerRead.toFixed(1)} frames per read`,
        );
      }
    }
  } finally {
    gw.child.kill("SIGTERM");
    await gw.child.status;
  }
  if (PROFILE) await printProfile();
  const pipeline = [];
  for (let round = 0; PIPELINE_RATE > 0 && round < RUNS; round++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "bench/http_events/pipeline.ts", "--rate", String(PIPELINE_RATE)],
      cwd: repoPath,
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim().split("\n");
    console.log(`pipeline run ${round + 1}: ${text[0]}`);
    pipeline.push(JSON.parse(text.at(-1)!));
  }
  const pct = (xs: number[]) => `${(median(xs) * 100).toFixed(1)}%`;
  const rows = RATES.map((rate) => {
    const rs = results.get(rate)!;
    const per = rs.map((r) => r.deliveredPerSec);
    const cells = [
      `${fmt(rate)}/s for ${MS} ms`,
      fmt(median(rs.map((r) => r.sent / r.sendMs * 1000))),
      pct(rs.map((r) => r.received / r.sent)),
      `**${fmt(median(per))}** (${fmt(Math.min(...per))}–${fmt(Math.max(...per))})`,
      pct(rs.map((r) => r.delivered / r.sent)),
      String(rs.reduce((n, r) => n + r.dropped, 0)),
      median(rs.map((r) => r.gatewayCpuUsPerEvent)).toFixed(1),
    ];
    return `| ${cells.join(" | ")} |`;
  });
  const block = [
    `- date: ${new Date().toISOString()}`,
    `- machine: ${where}; load average ${load0} before, ${loadavg()} after (a shared VM: ` +
    "other sessions' builds and benchmarks ran at the same time; compare only rows of one run)",
    `- command: \`bin/deno run -A bench/http_events/run.ts${RECORD ? " --record" : ""}\` ` +
    `(--runs ${RUNS} --ms ${MS} --devices ${COUNT} --rates ${RATES.join(",")})`,
    `- method: gateway CLI child (memory store), ${COUNT} Node devices (one UDP socket each) in ` +
    "another child sending NON 2.05 notifications (text/plain, Observe numbers increasing) on " +
    "the tokens of the gateway's GET Observe=0; this process is the one SSE consumer " +
    "(`/api/events?type=notification,dropped`). delivered/s = frames / (last - first arrival); " +
    "median of the runs (min–max); gateway CPU = utime+stime of the gateway process (all threads) / notifications it read.",
    "",
    "| offered | sent/s | read by the gateway / sent | delivered/s to one SSE consumer | " +
    "delivered / sent | `dropped` (all runs) | gateway CPU µs per notification read |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    ...(pipeline.length > 0
      ? [
        "",
        `HTTP side alone (\`bench/http_events/pipeline.ts --rate ${PIPELINE_RATE}\`: the EventBus ` +
        "fed directly in the server process, no CoAP; the SSE consumer in a child process over a " +
        `real socket): **${
          fmt(median(pipeline.map((p) => p.perSec)))
        }** notifications/s delivered ` +
        `(median of ${pipeline.length}; ${
          fmt(median(pipeline.map((p) => p.dropped / p.emitted * 100)))
        }% of the offered ones dropped by the consumer's bounded buffer).`,
      ]
      : []),
  ].join("\n");
  console.log("\n" + block);
  if (RECORD) await record(block);
}

async function printProfile() {
  const { formatSummary, summarize } = await import("../coap_rtt/profile_top.ts");
  const files = [...Deno.readDirSync(PROFILE_DIR)].filter((e) => e.name.endsWith(".cpuprofile"))
    .map((e) => PROFILE_DIR + e.name).sort((a, b) =>
      Deno.statSync(b).mtime!.getTime() - Deno.statSync(a).mtime!.getTime()
    );
  console.log(`\nprofile ${files[0]}`);
  console.log(formatSummary(summarize(JSON.parse(Deno.readTextFileSync(files[0]))), 30));
}

const HEADING = "## HTTP events (issue 6)";
const BEGIN = "<!-- http_events:begin (written by bench/http_events/run.ts --record) -->";
const END = "<!-- http_events:end -->";

async function record(block: string) {
  let text = await Deno.readTextFile(RESULTS).catch(() => "# Benchmark results\n");
  const section = `${BEGIN}\n\n${block}\n\n${END}`;
  const b = text.indexOf(BEGIN);
  const e = text.indexOf(END);
  if (b >= 0 && e > b) text = text.slice(0, b) + section + text.slice(e + END.length);
  else text = `${text.trimEnd()}\n\n${HEADING}\n\n${section}\n`;
  await Deno.writeTextFile(RESULTS, text);
  console.log(`\nrecorded in ${RESULTS}`);
}

try {
  await main();
} finally {
  stopAll();
}
