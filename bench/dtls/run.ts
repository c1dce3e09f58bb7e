/**
 * DTLS benchmark of issue 8, one command: `bin/deno run -A bench/dtls/run.ts [--record]`.
 * Starts bench/dtls/server.ts (plain CoAP and CoAP over DTLS in one Deno process) and drives it
 * with bench/dtls/load.ts in a separate process, interleaving, per round: full PSK handshakes per
 * second (16 sockets back to back), then CoAP round trips per second over DTLS and over plain UDP
 * (64 sessions/sockets, one request in flight each). Reports medians over the rounds, and the
 * server's CPU time per operation from /proc (utime+stime), which depends far less on the load
 * generator and on neighbours of this shared 2-vCPU VM than throughput does.
 *   --runs N (3)  --warmup MS (1000)  --duration MS (4000)  --record (write bench/RESULTS.md)
 * Every load run ends at its deadline; the server is stopped at the end and on error.
 */

const here = new URL("./", import.meta.url);
const path = (name: string) => decodeURIComponent(new URL(name, here).pathname);
const RESULTS = path("../RESULTS.md");
const CLK_TCK = 100;

function flag(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}
const runs = flag("runs", 3), warmupMs = flag("warmup", 1000), durationMs = flag("duration", 4000);
const record = Deno.args.includes("--record");

function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLK_TCK; // utime, stime
}

const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", path("server.ts")],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
let line = "";
while (!line.includes("\n")) {
  const { value, done } = await reader.read();
  if (done) throw new Error("bench server exited");
  line += value;
}
const m = line.match(/plain=(\d+) dtls=(\d+)/)!;
const ports = { plain: Number(m[1]), dtls: Number(m[2]) };

type Mode = "handshake" | "rtt-dtls" | "rtt-plain";
const MODES: { mode: Mode; port: number; concurrency: number }[] = [
  { mode: "handshake", port: ports.dtls, concurrency: 16 },
  { mode: "rtt-dtls", port: ports.dtls, concurrency: 64 },
  { mode: "rtt-plain", port: ports.plain, concurrency: 64 },
];
const results: Record<Mode, { perSecond: number; cpuUs: number; failures: number }[]> = {
  handshake: [],
  "rtt-dtls": [],
  "rtt-plain": [],
};
const loadBefore = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
try {
  for (let round = 1; round <= runs; round++) {
    for (const { mode, port, concurrency } of MODES) {
      const load = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          path("load.ts"),
          mode,
          String(port),
          String(concurrency),
          String(warmupMs),
          String(durationMs),
        ],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      await new Promise((r) => setTimeout(r, warmupMs + 300)); // CPU counted over the measured part
      const cpuStart = cpuMs(server.pid);
      const killer = setTimeout(() => load.kill("SIGKILL"), warmupMs + durationMs + 20_000);
      const out = await load.output();
      clearTimeout(killer);
      const cpu = cpuMs(server.pid) - cpuStart;
      const r = JSON.parse(new TextDecoder().decode(out.stdout).trim());
      const cpuUs = r.count > 0 ? cpu * 1000 / r.count : NaN;
      results[mode].push({ perSecond: r.perSecond, cpuUs, failures: r.failures });
      console.log(
        `round ${round} ${mode}: ${r.perSecond.toFixed(0)}/s, server CPU ${
          cpuUs.toFixed(1)
        } µs/op, failures ${r.failures}`,
      );
    }
  }
} finally {
  server.kill("SIGTERM");
  await server.status;
}
const loadAfter = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const row = (mode: Mode, label: string) => {
  const rs = results[mode];
  const per = rs.map((r) => r.perSecond);
  return `| ${label} | ${fmt(median(per))} (${fmt(Math.min(...per))}–${fmt(Math.max(...per))}) | ${
    median(rs.map((r) => r.cpuUs)).toFixed(1)
  } | ${rs.reduce((a, r) => a + r.failures, 0)} |`;
};
const hs = median(results.handshake.map((r) => r.perSecond));
const rttDtls = median(results["rtt-dtls"].map((r) => r.perSecond));
const rttPlain = median(results["rtt-plain"].map((r) => r.perSecond));
const cpuHs = median(results.handshake.map((r) => r.cpuUs));
const cpuDtls = median(results["rtt-dtls"].map((r) => r.cpuUs));
const cpuPlain = median(results["rtt-plain"].map((r) => r.cpuUs));
const cpuInfo = Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.*)/)?.[1] ?? "?";
const table = [
  "| measure (median of runs) | per second (min–max) | server CPU µs/op | failures |",
  "|---|--:|--:|--:|",
  row("handshake", "full PSK handshakes (cookie exchange, CCM_8, EMS), 16 sockets"),
  row("rtt-dtls", "CoAP GET round trips over DTLS, 64 sessions"),
  row("rtt-plain", "CoAP GET round trips over plain UDP, 64 sockets"),
].join("\n");
const summary = [
  `- date: ${new Date().toISOString()}`,
  `- machine: ${navigator.hardwareConcurrency} vCPUs, ${cpuInfo}, Deno ${Deno.version.deno}; load average ${loadBefore} before, ${loadAfter} after (shared VM: other work was running)`,
  `- command: \`bin/deno run -A bench/dtls/run.ts --runs ${runs} --duration ${durationMs}${
    record ? " --record" : ""
  }\``,
  "- method: server = bench/dtls/server.ts (one Deno process, memory Store for sequence reservations), load = bench/dtls/load.ts (another Deno process, our sans-IO DTLS client core); " +
  `${warmupMs} ms warm-up + ${durationMs} ms measured, ${runs} interleaved rounds`,
  "",
  table,
  "",
  `Goals: ≥ 1,000 handshakes/s: **${hs >= 1000 ? "met" : "not met"}** (${
    fmt(hs)
  }/s measured; the server spent ${cpuHs.toFixed(0)} µs of CPU per handshake, i.e. ~${
    fmt(1e6 / cpuHs)
  }/s on one core). ` +
  `DTLS round trips ≥ 60% of plain: **${rttDtls >= 0.6 * rttPlain ? "met" : "not met"}** (${
    (100 * rttDtls / rttPlain).toFixed(0)
  }%; server CPU ${cpuDtls.toFixed(1)} vs ${cpuPlain.toFixed(1)} µs per round trip, ${
    (100 * cpuPlain / cpuDtls).toFixed(0)
  }%).`,
].join("\n");
console.log("\n" + summary);

if (record) {
  const begin = "<!-- dtls:begin (written by bench/dtls/run.ts --record) -->";
  const endMark = "<!-- dtls:end -->";
  const text = Deno.readTextFileSync(RESULTS);
  const block = `${begin}\n\n${summary}\n\n${endMark}`;
  const next = text.includes(begin)
    ? text.slice(0, text.indexOf(begin)) + block +
      text.slice(text.indexOf(endMark) + endMark.length)
    : `${text.trimEnd()}\n\n## DTLS (issue 8)\n\n${block}\n`;
  Deno.writeTextFileSync(RESULTS, next);
  console.log(`recorded in ${RESULTS}`);
}
