/**
 * The pure notification-attribute evaluator (gateway/client/notify_rules.ts; LwM2M Core §6.4.1,
 * lwm2m-interfaces.md §4.4) and attribute handling (gateway/client/attributes.ts, §4.1-§4.3),
 * with literal times.
 */

import assert from "node:assert/strict";
import {
  applyAttributeChange,
  effectiveAttributes,
  parseAttributeQuery,
} from "../../gateway/client/attributes.ts";
import {
  decideNotify,
  evaluationDue,
  initialTiming,
  meetsChangeConditions,
  nextWake,
} from "../../gateway/client/notify_rules.ts";

Deno.test("meetsChangeConditions: any change without conditions, crossing gt/lt, step st, edge", () => {
  assert.equal(meetsChangeConditions({}, 1, 1, 1), false);
  assert.equal(meetsChangeConditions({}, 1, 1, 2), true);
  assert.equal(meetsChangeConditions({}, "a", "a", "b"), true);
  assert.equal(meetsChangeConditions({}, new Map([[0, 1]]), undefined, new Map([[0, 1]])), false);
  // gt = 50: only a crossing counts, in both directions.
  assert.equal(meetsChangeConditions({ gt: 50 }, 30, 30, 40), false);
  assert.equal(meetsChangeConditions({ gt: 50 }, 30, 40, 60), true);
  assert.equal(meetsChangeConditions({ gt: 50 }, 60, 60, 70), false);
  assert.equal(meetsChangeConditions({ gt: 50 }, 70, 70, 50), true);
  assert.equal(meetsChangeConditions({ lt: 10 }, 20, 20, 5), true);
  assert.equal(meetsChangeConditions({ lt: 10 }, 5, 5, 4), false);
  // st = 5 from the last notified value, not the previous sample.
  assert.equal(meetsChangeConditions({ st: 5 }, 10, 13, 14), false);
  assert.equal(meetsChangeConditions({ st: 5 }, 10, 14, 15), true);
  assert.equal(meetsChangeConditions({ st: 5 }, 10, 10, 5), true);
  assert.equal(meetsChangeConditions({ st: 5, gt: 100 }, 10, 10, 12), false);
  // bigint values compare as numbers.
  assert.equal(meetsChangeConditions({ gt: 5 }, 1n, 1n, 10n), true);
  // edge: 1 rising, 0 falling.
  assert.equal(meetsChangeConditions({ edge: 1 }, false, false, true), true);
  assert.equal(meetsChangeConditions({ edge: 1 }, true, true, false), false);
  assert.equal(meetsChangeConditions({ edge: 0 }, true, true, false), true);
});

Deno.test("decideNotify: a change before pmin waits for pmin; pmax forces one; timers restart", () => {
  const attrs = { pmin: 10, pmax: 60 };
  let t = initialTiming(1000);
  assert.equal(nextWake(attrs, t), 61_000);
  // Change at 5 s: too early, pending until 11 s.
  let d = decideNotify(attrs, t, 5000, true);
  assert.equal(d.notify, false);
  assert.equal(d.timing.pending, true);
  assert.equal(d.wakeAtMs, 11_000);
  t = d.timing;
  d = decideNotify(attrs, t, 11_000, false);
  assert.equal(d.notify, true);
  assert.deepEqual(d.timing, { lastNotifyMs: 11_000, lastEvalMs: 11_000, pending: false });
  assert.equal(d.wakeAtMs, 71_000);
  // No change: pmax at 71 s.
  d = decideNotify(attrs, d.timing, 71_000, false);
  assert.equal(d.notify, true);
  // A change after pmin goes out at once.
  d = decideNotify(attrs, d.timing, 85_000, true);
  assert.equal(d.notify, true);
});

Deno.test("decideNotify: pmax below pmin is ignored, 0 means none; no attributes: every change", () => {
  const d = decideNotify({ pmin: 30, pmax: 10 }, initialTiming(0), 20_000, false);
  assert.equal(d.notify, false);
  assert.equal(d.wakeAtMs, null);
  assert.equal(decideNotify({ pmax: 0 }, initialTiming(0), 1e9, false).notify, false);
  assert.equal(decideNotify({}, initialTiming(0), 1, true).notify, true);
  assert.equal(decideNotify({}, initialTiming(0), 1, false).notify, false);
});

Deno.test("epmin defers evaluation, epmax forces one", () => {
  const attrs = { epmin: 5, epmax: 20 };
  const t = initialTiming(0);
  assert.deepEqual(evaluationDue(attrs, t, 2000), { now: false, atMs: 5000 });
  assert.deepEqual(evaluationDue(attrs, t, 5000), { now: true });
  assert.equal(nextWake(attrs, t), 20_000);
  assert.deepEqual(evaluationDue({}, t, 0), { now: true });
});

Deno.test("parseAttributeQuery: values, unset, rejects unknown names and bad syntax", () => {
  assert.deepEqual(parseAttributeQuery(["pmin=10", "gt=20.5", "st", "edge=1"]), {
    ok: true,
    value: { pmin: 10, gt: 20.5, st: null, edge: 1 },
  });
  for (
    const bad of [["dim=2"], ["foo=1"], ["pmin=-1"], ["pmin=1.5"], ["gt=abc"], ["edge=2"], [
      "st=-1",
    ], ["pmin=1", "pmin=2"]]
  ) {
    assert.equal(parseAttributeQuery(bad).ok, false, bad.join("&"));
  }
});

Deno.test("applyAttributeChange: levels, types, lt < gt, lt + 2*st < gt, epmin < epmax", () => {
  const res = { depth: 3, type: "integer" };
  assert.deepEqual(applyAttributeChange({ pmin: 1 }, { gt: 50, pmin: null }, res), {
    ok: true,
    value: { gt: 50 },
  });
  assert.equal(applyAttributeChange(undefined, { gt: 1 }, { depth: 2 }).ok, false);
  assert.equal(applyAttributeChange(undefined, { gt: 1 }, { depth: 3, type: "string" }).ok, false);
  assert.equal(applyAttributeChange(undefined, { edge: 1 }, res).ok, false);
  assert.equal(
    applyAttributeChange(undefined, { edge: 1 }, { depth: 3, type: "boolean" }).ok,
    true,
  );
  assert.equal(applyAttributeChange(undefined, { gt: 10, lt: 20 }, res).ok, false);
  assert.equal(applyAttributeChange(undefined, { gt: 20, lt: 10, st: 5 }, res).ok, false);
  assert.equal(applyAttributeChange(undefined, { gt: 21, lt: 10, st: 5 }, res).ok, true);
  assert.equal(applyAttributeChange({ epmin: 10 }, { epmax: 10 }, res).ok, false);
  assert.equal(applyAttributeChange(undefined, { pmin: 10, pmax: 5 }, { depth: 1 }).ok, true);
});

Deno.test("effectiveAttributes: RI > R > OI > O > server defaults; gt only from resource levels", () => {
  const table = new Map([
    ["/3", { pmin: 1, pmax: 100 }],
    ["/3/0", { pmin: 2, gt: 9 }],
    ["/3/0/9", { pmax: 50, gt: 80 }],
  ]);
  assert.deepEqual(effectiveAttributes(table, [3, 0, 9], { pmin: 7, pmax: 70 }), {
    pmin: 2,
    pmax: 50,
    gt: 80,
  });
  assert.deepEqual(effectiveAttributes(table, [3, 0], {}), { pmin: 2, pmax: 100 });
  assert.deepEqual(effectiveAttributes(undefined, [3, 0, 9], { pmin: 7 }), { pmin: 7 });
});
