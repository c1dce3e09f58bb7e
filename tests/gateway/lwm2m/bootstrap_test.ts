/**
 * The Bootstrap server session state machine with literal times (LwM2M Core §6.1; spec digest
 * lwm2m-interfaces.md §1.2-§1.6): Discover, Deletes that spare the bootstrap account and /3/0,
 * Security/Server writes, format fallback on 4.15, Finish and its 4.06, time-out.
 */

import assert from "node:assert/strict";
import {
  type BootstrapDecision,
  firstDecision,
  onStepResponse,
  onStepTimeout,
  startSession,
} from "../../../gateway/lwm2m/bootstrap.ts";
import type { BootstrapConfig } from "../../../gateway/lwm2m/bootstrap_types.ts";

const config: BootstrapConfig = {
  servers: [{
    shortServerId: 101,
    uri: "coaps://gw.example:5684",
    securityMode: "psk",
    identity: "lamp-1",
    key: "0a0b",
    lifetime: 300,
    binding: "U",
  }],
  delete: ["/0", "/1", "/3/0", "/0/1"],
};
const none = new Map();

function step(d: BootstrapDecision) {
  assert.equal(d.kind, "continue", JSON.stringify(d));
  return d.kind === "continue" ? d : undefined!;
}

Deno.test("a session discovers, deletes, writes Security and Server, then finishes", () => {
  const s = startSession("lamp-1", config, undefined, 0);
  assert.equal(step(firstDecision(s)).step.kind, "discover");
  // The client's bootstrap account is /0/1 (no ssid); /3/0 is the Device.
  let d = onStepResponse(
    s,
    69,
    '</>;lwm2m="1.1",</0/1>,</0/2>;ssid=7,</1/0>;ssid=7,</3/0>',
    none,
    10,
  );
  const kinds: string[] = [];
  while (d.kind === "continue") {
    const st = d.step;
    kinds.push(st.kind === "discover" || st.kind === "finish" ? st.kind : `${st.kind} ${st.path}`);
    if (st.kind === "write" && st.path === "/0/0") {
      assert.equal(st.values.get("/0/0/0"), "coaps://gw.example:5684");
      assert.equal(st.values.get("/0/0/1"), false);
      assert.equal(st.values.get("/0/0/2"), 0); // PSK
      assert.deepEqual(st.values.get("/0/0/3"), new TextEncoder().encode("lamp-1"));
      assert.deepEqual(st.values.get("/0/0/5"), new Uint8Array([10, 11]));
      assert.equal(st.values.get("/0/0/10"), 101);
    }
    if (st.kind === "write" && st.path === "/1/0") {
      assert.equal(st.values.get("/1/0/0"), 101);
      assert.equal(st.values.get("/1/0/1"), 300);
      assert.equal(st.values.get("/1/0/7"), "U");
    }
    d = onStepResponse(s, st.kind === "delete" ? 66 : 68, "", none, 20);
  }
  assert.deepEqual(kinds, ["delete /0", "delete /1", "write /0/0", "write /1/0", "finish"]);
  assert.equal(d.kind, "finished");
});

Deno.test("a new Security instance avoids the id of the kept bootstrap account", () => {
  const s = startSession("a", { servers: config.servers }, undefined, 0);
  const d = step(onStepResponse(s, 69, "</0/0>,</1/0>;ssid=1", none, 1));
  assert.deepEqual(d.step, { kind: "delete", path: "/0" });
  const writes = s.steps.filter((x) => x.kind === "write").map((x) =>
    x.kind === "write" ? x.path : ""
  );
  assert.deepEqual(writes, ["/0/1", "/1/0"]);
});

Deno.test("a write answered 4.15 is retried in the next format, the client's pct first", () => {
  const s = startSession("a", { servers: config.servers, delete: [] }, 110, 0);
  assert.equal(step(firstDecision(s)).format, 110);
  let d = step(onStepResponse(s, 69, "", none, 1));
  assert.equal(d.step.kind, "write");
  const again = step(onStepResponse(s, 143, "", none, 2));
  assert.equal(again.step, d.step);
  assert.equal(again.format, 11542);
  d = step(onStepResponse(s, 68, "", none, 3));
  assert.equal(d.format, 11542);
});

Deno.test("Finish answered 4.06 fails the session with the inconsistency reported", () => {
  const s = startSession("a", { servers: [], delete: [] }, undefined, 0);
  const d = step(onStepResponse(s, 132, "", none, 1)); // Discover refused: the plan still runs
  assert.equal(d.step.kind, "finish");
  const end = onStepResponse(s, 134, "", none, 2);
  assert.equal(end.kind, "failed");
  assert.match(end.kind === "failed" ? end.reason : "", /inconsistent/);
});

Deno.test("a write error or a session past EXCHANGE_LIFETIME fails; an unanswered step fails", () => {
  const s = startSession("a", { servers: config.servers, delete: [] }, undefined, 0);
  step(onStepResponse(s, 69, "", none, 1));
  const failed = onStepResponse(s, 128, "", none, 2);
  assert.equal(failed.kind, "failed");
  const late = startSession("b", { servers: [] }, undefined, 0);
  assert.equal(onStepResponse(late, 69, "", none, 247_001).kind, "failed");
  assert.equal(onStepTimeout(late).kind, "failed");
});

Deno.test("extra object values are written one instance at a time", () => {
  const s = startSession("a", { servers: [], delete: [] }, undefined, 0);
  const objects = new Map<string, boolean | number>([
    ["/3311/0/5850", false],
    ["/3311/0/5851", 50],
    ["/3311/1/5850", true],
  ]);
  step(onStepResponse(s, 69, "", objects, 1));
  const writes = s.steps.filter((x) => x.kind === "write").map((x) =>
    x.kind === "write" ? [x.path, x.values.size] : []
  );
  assert.deepEqual(writes, [["/3311/0", 2], ["/3311/1", 1]]);
});
