/**
 * Tests of the pure firmware decisions (gateway/server/firmware_steps.ts, firmware_job.ts,
 * firmware_transfer.ts parseRange) against the /5 state machine of spec/objects.md.
 */

import assert from "node:assert/strict";
import {
  deliveryProblem,
  nextStep,
  prepare,
  resultName,
  stateName,
} from "../../../gateway/server/firmware_steps.ts";
import { jobJson, progressWorthReporting } from "../../../gateway/server/firmware_job.ts";
import { parseRange } from "../../../gateway/server/firmware_transfer.ts";

Deno.test("nextStep while downloading: Downloaded means Update, Idle with an error result fails", () => {
  assert.deepEqual(nextStep("downloading", null, null), { kind: "wait" });
  assert.deepEqual(nextStep("downloading", 1, 0), { kind: "wait" });
  assert.deepEqual(nextStep("downloading", 0, 0), { kind: "wait" });
  assert.deepEqual(nextStep("downloading", 0, 1), { kind: "wait" }, "an old success is no error");
  assert.deepEqual(nextStep("downloading", 2, 0), { kind: "update" });
  for (const result of [2, 3, 4, 5, 6, 7, 9]) {
    const step = nextStep("downloading", 0, result);
    assert.equal(step.kind, "failed");
    assert.match((step as { reason: string }).reason, new RegExp(`/5/0/5 = ${result}`));
  }
  assert.match(
    (nextStep("downloading", 0, 5) as { reason: string }).reason,
    /Integrity check failure/,
  );
});

Deno.test("nextStep while updating: result 1 succeeds, 8 (kept in Downloaded or Idle) fails", () => {
  assert.deepEqual(nextStep("updating", 3, 0), { kind: "wait" });
  assert.deepEqual(nextStep("updating", null, null), { kind: "wait" });
  assert.deepEqual(nextStep("updating", 0, 1), { kind: "succeeded" });
  assert.equal(nextStep("updating", 2, 8).kind, "failed");
  assert.equal(nextStep("updating", 0, 8).kind, "failed");
  assert.match((nextStep("updating", 0, 10) as { reason: string }).reason, /cancelled/);
});

Deno.test("prepare: Idle starts, Downloading/Downloaded reset first, Updating refuses", () => {
  assert.deepEqual(prepare(undefined), { kind: "start" });
  assert.deepEqual(prepare(0), { kind: "start" });
  assert.deepEqual(prepare(1), { kind: "reset" });
  assert.deepEqual(prepare(2), { kind: "reset" });
  assert.equal(prepare(3).kind, "refuse");
});

Deno.test("deliveryProblem follows /5/0/9 Delivery Method and /5/0/8 Protocol Support", () => {
  assert.equal(deliveryProblem("push", {}), null);
  assert.equal(deliveryProblem("push", { delivery: 2 }), null);
  assert.match(deliveryProblem("push", { delivery: 0 })!, /pull only/);
  assert.match(deliveryProblem("pull", { delivery: 1 })!, /push only/);
  assert.equal(deliveryProblem("pull", { delivery: 0, protocols: [0] }, "coap://h/fw/t"), null);
  assert.equal(deliveryProblem("pull", { protocols: [2, 3] }, "http://h/fw/t"), null);
  assert.match(deliveryProblem("pull", { protocols: [0] }, "http://h/fw/t")!, /http downloads/);
  assert.match(deliveryProblem("pull", { protocols: [0] }, "coaps://h/fw/t")!, /coaps/);
  assert.equal(deliveryProblem("pull", {}, "https://h/fw/t"), null, "unknown support: try");
});

Deno.test("state and result names come from objects.md", () => {
  assert.equal(stateName(2), "Downloaded");
  assert.equal(stateName(null), null);
  assert.equal(resultName(1), "Firmware updated successfully");
  assert.equal(resultName(42), "unknown (42)");
});

Deno.test("progress is worth an event every 5% and at the end", () => {
  assert.equal(progressWorthReporting(0, 1024, 100_000), false);
  assert.equal(progressWorthReporting(4_000, 5_000, 100_000), true);
  assert.equal(progressWorthReporting(99_000, 100_000, 100_000), true);
  assert.equal(progressWorthReporting(100, 100, 100_000), false);
  assert.equal(progressWorthReporting(0, 10, 10), true);
});

Deno.test("jobJson shows state names, percent and times", () => {
  const json = jobJson({
    endpoint: "e",
    image: "i",
    method: "push",
    status: "downloading",
    state: 1,
    result: 0,
    bytesSent: 512,
    size: 2048,
    startedAtMs: 0,
    updatedAtMs: 1000,
  });
  assert.deepEqual(json.progress, { bytesSent: 512, size: 2048, percent: 25 });
  assert.equal(json.stateName, "Downloading");
  assert.equal(json.updatedAt, "1970-01-01T00:00:01.000Z");
  assert.equal("finishedAt" in json, false);
});

Deno.test("parseRange: single byte ranges of an image", () => {
  assert.deepEqual(parseRange("bytes=0-99", 1000), [0, 99]);
  assert.deepEqual(parseRange("bytes=900-", 1000), [900, 999]);
  assert.deepEqual(parseRange("bytes=-100", 1000), [900, 999]);
  assert.deepEqual(parseRange("bytes=990-2000", 1000), [990, 999]);
  assert.equal(parseRange("bytes=1000-", 1000), null);
  assert.equal(parseRange("bytes=0-1,5-6", 1000), null);
  assert.equal(parseRange(null, 1000), null);
});
