/**
 * The pure registration lifecycle (gateway/client/registration_policy.ts; LwM2M Core §6.2,
 * lwm2m-interfaces.md §2.1-§2.6) with literal times: retry schedule from the Server object's
 * resources 14-20, Update timing, queries and the object-list payload.
 */

import assert from "node:assert/strict";
import {
  DEFAULT_RETRY,
  objectListPayload,
  onRegisterResult,
  onTimer,
  onUpdateResult,
  parseServerUri,
  registerQuery,
  type RegistrationDecision,
  retryPolicyOf,
  splitBinding,
  startRegistration,
  updateDueAtMs,
  updateQuery,
} from "../../gateway/client/registration_policy.ts";

Deno.test("retryPolicyOf: defaults of §2.6 and values from the Server instance", () => {
  assert.deepEqual(retryPolicyOf(() => undefined), DEFAULT_RETRY);
  const values: Record<number, unknown> = { 14: 30, 16: false, 17: 3, 18: 10, 19: 600, 20: 2 };
  assert.deepEqual(retryPolicyOf((r) => values[r]), {
    initialDelayMs: 30_000,
    retryCount: 3,
    retryTimerMs: 10_000,
    sequenceDelayMs: 600_000,
    sequenceRetryCount: 2,
    bootstrapOnFailure: false,
    failureBlock: false,
  });
});

Deno.test("registration retries: timer x 2^(attempt-1), sequence delay, then bootstrap or give up", () => {
  const policy = {
    ...DEFAULT_RETRY,
    retryCount: 3,
    retryTimerMs: 60_000,
    sequenceDelayMs: 600_000,
    sequenceRetryCount: 2,
  };
  let d: RegistrationDecision = startRegistration(policy, 0);
  assert.equal(d.kind, "register");
  const registerTimes: number[] = [0];
  let now = 0;
  for (let k = 0; k < 6; k++) {
    d = onRegisterResult(d.state, policy, null, 300, now);
    if (d.kind !== "wait") break;
    now = d.atMs;
    d = onTimer(d.state, 300, now);
    assert.equal(d.kind, "register");
    registerTimes.push(now);
  }
  assert.deepEqual(registerTimes, [0, 60_000, 180_000, 780_000, 840_000, 960_000]);
  assert.equal(d.kind, "bootstrap");
  const noBootstrap = onRegisterResult(
    d.state,
    { ...policy, bootstrapOnFailure: false },
    null,
    300,
    now,
  );
  assert.equal(noBootstrap.kind, "failed");
  assert.deepEqual(startRegistration({ ...policy, initialDelayMs: 30_000 }, 5), {
    kind: "wait",
    atMs: 30_005,
    state: { phase: "waiting", attempt: 1, sequence: 1, location: null, lastSuccessMs: 0 },
  });
});

Deno.test("updates: due before the lifetime ends; success plans the next; failure registers again", () => {
  assert.equal(updateDueAtMs(0, 300), 270_000);
  assert.equal(updateDueAtMs(0, 60), 50_000);
  assert.equal(updateDueAtMs(1000, 10), 6000);
  const registered = onRegisterResult(
    startRegistration(DEFAULT_RETRY, 0).state,
    DEFAULT_RETRY,
    "/rd/7",
    300,
    1000,
  );
  assert.deepEqual(registered, {
    kind: "wait",
    atMs: 271_000,
    state: { phase: "registered", attempt: 1, sequence: 1, location: "/rd/7", lastSuccessMs: 1000 },
  });
  assert.equal(onTimer(registered.state, 300, 100_000).kind, "wait");
  const update = onTimer(registered.state, 300, 271_000);
  assert.equal(update.kind, "update");
  const next = onUpdateResult(update.state, true, 300, 272_000);
  assert.deepEqual(next.kind === "wait" && [next.atMs, next.state.location], [542_000, "/rd/7"]);
  assert.equal(onUpdateResult(update.state, false, 300, 272_000).kind, "register");
});

Deno.test("Register/Update queries and the object list payload (alternate root, ver, ct)", () => {
  assert.deepEqual(
    registerQuery({
      endpoint: "ep1",
      lifetimeSec: 60,
      lwm2mVersion: "1.1",
      binding: "U",
      queue: true,
    }),
    [
      "ep=ep1",
      "lt=60",
      "lwm2m=1.1",
      "b=U",
      "Q",
    ],
  );
  assert.deepEqual(updateQuery({}), []);
  assert.deepEqual(updateQuery({ lifetimeSec: 90, binding: "U", queue: true }), [
    "lt=90",
    "b=U",
    "Q",
  ]);
  assert.deepEqual(splitBinding("UQ"), { binding: "U", queue: true });
  assert.deepEqual(splitBinding("Q"), { binding: "U", queue: true });
  const objects = [
    { objectId: 0, version: "1.2", instances: [0] },
    { objectId: 1, version: "1.0", instances: [0] },
    { objectId: 3, version: "1.2", instances: [0] },
    { objectId: 5, version: "1.0", instances: [] },
    { objectId: 3311, version: "1.0", instances: [0, 1] },
  ];
  assert.equal(
    objectListPayload(objects, [110, 11542]),
    `</>;ct="110 11542",</1/0>,</3/0>;ver=1.2,</5>,</3311/0>,</3311/1>`,
  );
  assert.equal(
    objectListPayload(objects.slice(1, 2), [112], "/c1"),
    `</c1>;rt=oma.lwm2m;ct=112,</c1/1/0>`,
  );
});

Deno.test("parseServerUri: schemes, default ports, IPv6", () => {
  assert.deepEqual(parseServerUri("coap://10.0.0.1"), {
    scheme: "coap",
    host: "10.0.0.1",
    port: 5683,
  });
  assert.deepEqual(parseServerUri("coaps://h:1234/x"), { scheme: "coaps", host: "h", port: 1234 });
  assert.deepEqual(parseServerUri("coap://[::1]:5"), { scheme: "coap", host: "::1", port: 5 });
  assert.equal(parseServerUri("ftp://h"), null);
  assert.equal(parseServerUri("coap://h:99999"), null);
});
