/** Unit tests of the bounded per-consumer event buffer gateway/http/event_consumer.ts. */

import assert from "node:assert/strict";
import { EventConsumer, type EventFrame } from "../../../gateway/http/event_consumer.ts";

const frame = (seq: number): EventFrame => ({
  seq,
  type: "notification",
  json: JSON.stringify({ type: "notification", endpoint: "e", time: "t", seq }),
});

Deno.test("EventConsumer hands out frames in order, at most `max` at a time", () => {
  const c = new EventConsumer(10, () => 0);
  for (let i = 1; i <= 5; i++) c.push(frame(i));
  assert.deepEqual(c.take(3).map((f) => f.seq), [1, 2, 3]);
  assert.deepEqual(c.take(10).map((f) => f.seq), [4, 5]);
  assert.deepEqual(c.take(10), []);
});

Deno.test("a full EventConsumer drops the oldest and reports the gap first", () => {
  let drops = 0;
  const c = new EventConsumer(3, () => 86_400_000, () => drops++);
  for (let i = 1; i <= 10; i++) c.push(frame(i));
  assert.equal(drops, 7);
  assert.equal(c.size, 3);
  assert.equal(c.pendingDrops, 7);
  const frames = c.take(100);
  assert.equal(frames[0].type, "dropped");
  assert.deepEqual(JSON.parse(frames[0].json), {
    type: "dropped",
    endpoint: "",
    time: "1970-01-02T00:00:00.000Z",
    seq: 7,
    count: 7,
    firstSeq: 1,
    lastSeq: 7,
  });
  assert.deepEqual(frames.slice(1).map((f) => f.seq), [8, 9, 10]);
  // Reported once: later takes carry no second `dropped`.
  c.push(frame(11));
  assert.deepEqual(c.take(100).map((f) => f.type), ["notification"]);
});

Deno.test("EventConsumer keeps a bounded array under a long stream of drops", () => {
  const c = new EventConsumer(100, () => 0);
  for (let i = 1; i <= 100_000; i++) c.push(frame(i));
  assert.equal(c.size, 100);
  const frames = c.take(1000);
  assert.equal(JSON.parse(frames[0].json).count, 99_900);
  assert.equal(frames[1].seq, 99_901);
  assert.equal(frames.at(-1)!.seq, 100_000);
});

Deno.test("EventConsumer.wait resolves on push, on nudge and on close", async () => {
  const c = new EventConsumer(5, () => 0);
  let closedHook = 0;
  c.onClose = () => closedHook++;
  const ready = c.wait();
  c.push(frame(1));
  assert.equal(await ready, "ready");
  c.take(10);
  const nudged = c.wait();
  c.nudge();
  assert.equal(await nudged, "nudged");
  const closed = c.wait();
  c.close();
  c.close();
  assert.equal(await closed, "closed");
  assert.equal(closedHook, 1);
  c.push(frame(2)); // ignored after close
  assert.equal(c.size, 0);
});

Deno.test("EventConsumer refuses a zero capacity", () => {
  assert.throws(() => new EventConsumer(0, () => 0), RangeError);
});
