/**
 * Diagnostic for the SSE benchmark (issue 6): the HTTP side alone, without CoAP. The HTTP app
 * (gateway/http/app.ts) is served by Deno.serve on 127.0.0.1 with an EventBus fed directly: bursts
 * of notification events (the shape the LwM2M server emits) at an offered rate, one SSE consumer
 * over a real socket in a child process counting `event: notification` frames. Prints delivered/s
 * and the events dropped, for comparison with bench/http_events/run.ts end to end.
 *
 *   bin/deno run -A bench/http_events/pipeline.ts [--rate 100000] [--ms 3000]
 * (the child mode `--consume URL MS` is internal). Every wait is bounded.
 */

import { createHttpApp } from "../../gateway/http/app.ts";
import { createMetrics } from "../../gateway/metrics.ts";
import { EventBus } from "../../gateway/server/events.ts";
import { MemoryStore } from "../../gateway/store/memory.ts";
import { coreModels } from "../../objects/mod.ts";

const MARK = "event: notification\n";

function flag(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1] : fallback;
}

/** Child: reads the stream for `ms` after the first frame, prints `{"count","ms"}`. */
async function consume(url: string, ms: number) {
  const reader = (await fetch(url)).body!.pipeThrough(new TextDecoderStream()).getReader();
  let count = 0, first = 0, last = 0, carry = "";
  const stop = setTimeout(() => reader.cancel(), ms + 10_000);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const text = carry + value;
    for (let i = text.indexOf(MARK); i >= 0; i = text.indexOf(MARK, i + MARK.length)) count++;
    carry = text.slice(-(MARK.length - 1));
    const now = performance.now();
    if (first === 0 && count > 0) first = now;
    if (count > 0) last = now;
    if (text.includes("event: firmwareProgress\n")) break; // the end marker
  }
  clearTimeout(stop);
  console.log(JSON.stringify({ count, ms: last - first }));
  Deno.exit(0);
}

async function main() {
  const rate = Number(flag("rate", "100000"));
  const ms = Number(flag("ms", "3000"));
  const metrics = createMetrics(Date.now());
  const events = new EventBus();
  const app = createHttpApp({
    server: null,
    models: coreModels(),
    events,
    store: new MemoryStore(),
    metrics,
    nowMs: Date.now,
    apiToken: null,
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const url =
    `http://127.0.0.1:${server.addr.port}/api/events?type=notification,dropped,firmwareProgress`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--consume", url, String(ms)],
    stdout: "piped",
  }).spawn();
  const deadline = Date.now() + 10_000;
  while (metrics.eventConsumers === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < ms) {
    const due = Math.floor(rate * (performance.now() - start) / 1000) - sent;
    for (let i = 0; i < due; i++) {
      events.emit("notification", `dev-${sent % 32}`, {
        observationId: "5b1c9a57-4a4e-4b8e-9a39-0f0c7e0d3a11",
        values: { "/3/0/9": sent % 100 },
      });
      sent++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  events.emit("firmwareProgress", "end"); // the end marker for the consumer
  const out = await child.output();
  const r = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "{}");
  const perSec = Math.round(r.count / (r.ms / 1000));
  console.log(
    `offered ${rate}/s for ${ms} ms: emitted ${sent}, delivered ${r.count} ` +
      `(${perSec}/s), dropped ${metrics.eventsDropped}`,
  );
  console.log(JSON.stringify({
    offered: rate,
    emitted: sent,
    delivered: r.count,
    perSec,
    dropped: metrics.eventsDropped,
  }));
  await server.shutdown();
}

if (Deno.args[0] === "--consume") await consume(Deno.args[1], Number(Deno.args[2]));
else await main();
