/**
 * HTTP load for the bridged-Read benchmark (issue 6): a separate process, like a cloud
 * application, runs a closed loop of `--concurrency` workers doing
 * GET /api/clients/{ep}/{path} on the gateway's HTTP port over the registered devices (worker w
 * reads devices w, w+C, ... in turn), and prints one JSON line {rate,total,failed,p50us,p99us}.
 * Started by bench/lwm2m/run.ts; bounded by its warm-up and duration.
 */

function flag(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : fallback;
}

const port = Number(flag("port", "0"));
const prefix = flag("prefix", "read");
const count = Number(flag("count", "128"));
const concurrency = Number(flag("concurrency", "64"));
const warmupMs = Number(flag("warmup", "1000"));
const durationMs = Number(flag("duration", "5000"));
const path = flag("path", "/3/0/0");
const name = (i: number) => `${prefix}-${String(i).padStart(6, "0")}`;

const start = performance.now();
const measureFrom = start + warmupMs;
const end = measureFrom + durationMs;
let total = 0;
let failed = 0;
const latencies: number[] = [];

async function worker(w: number): Promise<void> {
  for (let device = w; performance.now() < end; device = (device + concurrency) % count) {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/clients/${name(device)}${path}`);
    const ok = res.status === 200 && "value" in await res.json();
    const t1 = performance.now();
    if (t0 >= measureFrom && t1 <= end) {
      total++;
      if (!ok) failed++;
      latencies.push((t1 - t0) * 1000);
    }
  }
}

await Promise.all(Array.from({ length: Math.min(concurrency, count) }, (_, w) => worker(w)));
latencies.sort((a, b) => a - b);
const pct = (p: number) => Math.round(latencies[Math.floor(p * (latencies.length - 1))] ?? NaN);
console.log(JSON.stringify({
  rate: Math.round(((total - failed) * 1000) / durationMs),
  total,
  failed,
  p50us: pct(0.5),
  p99us: pct(0.99),
}));
