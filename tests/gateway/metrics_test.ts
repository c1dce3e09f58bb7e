/** Tests of the Prometheus text rendering in gateway/metrics.ts. */

import assert from "node:assert/strict";
import { createMetrics, renderMetrics } from "../../gateway/metrics.ts";

Deno.test("renderMetrics gives every sample a HELP and a TYPE line", () => {
  const text = renderMetrics(createMetrics(0), 0);
  const samples = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  assert.ok(samples.length >= 2);
  for (const sample of samples) {
    const name = sample.split(" ")[0];
    assert.match(text, new RegExp(`^# HELP ${name} .+$`, "m"));
    assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge)$`, "m"));
  }
  assert.ok(text.endsWith("\n"));
});

Deno.test("renderMetrics never reports a negative uptime", () => {
  assert.match(renderMetrics(createMetrics(5_000), 4_000), /^lwm2m_process_uptime_seconds 0$/m);
});
