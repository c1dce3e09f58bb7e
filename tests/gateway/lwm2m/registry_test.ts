/**
 * The registration registry state machine with literal times (LwM2M Core §6.2; lwm2m-interfaces.md
 * §2.4-§2.5): replace on re-Register, Update, expiry after lt + grace, queue-mode sleep and wake.
 */

import assert from "node:assert/strict";
import * as registry from "../../../gateway/lwm2m/registry.ts";
import type { RegisterParams } from "../../../gateway/lwm2m/registration.ts";

const objects = {
  rootPath: "/",
  objectLinks: [{ path: "/3/0", attributes: {} }],
  supportedFormats: [],
};

function params(endpoint: string, extra: Partial<RegisterParams> = {}): RegisterParams {
  return {
    endpoint,
    lwm2mVersion: "1.1",
    lifetimeSec: 60,
    binding: "U",
    queueMode: false,
    additionalAttributes: {},
    ...extra,
  };
}

Deno.test("register replaces an earlier registration of the same endpoint", () => {
  const s = registry.createRegistry();
  const first = registry.register(s, params("a"), objects, "10.0.0.1:5000", false, "id1", 1000);
  assert.equal(first.replaced, undefined);
  const second = registry.register(s, params("a"), objects, "10.0.0.1:5001", false, "id2", 2000);
  assert.equal(second.replaced?.registrationId, "id1");
  assert.equal(registry.byRegistrationId(s, "id1"), undefined);
  assert.equal(registry.byRegistrationId(s, "id2")?.address, "10.0.0.1:5001");
});

Deno.test("a registration expires after lt plus the grace period, not before", () => {
  const s = registry.createRegistry({ expiryGraceMs: 15_000 });
  registry.register(s, params("a"), objects, "p", false, "id1", 0);
  assert.deepEqual(registry.tick(s, 74_999), []);
  const events = registry.tick(s, 75_000);
  assert.deepEqual(events.map((e) => [e.type, e.endpoint]), [["expired", "a"]]);
  assert.equal(s.byEndpoint.size, 0);
});

Deno.test("an Update pushes the expiry back and applies changed parameters", () => {
  const s = registry.createRegistry({ expiryGraceMs: 0 });
  const { registration } = registry.register(s, params("a"), objects, "p", false, "id1", 0);
  const updated = registry.update(s, registration, { lifetimeSec: 120 }, null, "p", 50_000);
  assert.equal(updated.lifetimeSec, 120);
  assert.deepEqual(registry.tick(s, 60_000), []);
  assert.deepEqual(registry.tick(s, 169_999), []);
  assert.equal(registry.tick(s, 170_000)[0]?.type, "expired");
});

Deno.test("a queue-mode client sleeps after the window and wakes on its next message", () => {
  const s = registry.createRegistry({ queueWindowMs: 93_000 });
  registry.register(
    s,
    params("q", { queueMode: true, lifetimeSec: 3600 }),
    objects,
    "p",
    false,
    "id1",
    0,
  );
  assert.deepEqual(registry.tick(s, 92_999), []);
  assert.deepEqual(registry.tick(s, 93_000).map((e) => e.type), ["sleeping"]);
  assert.equal(registry.isSleeping(s, "q"), true);
  assert.equal(registry.touch(s, "q", 100_000)?.type, "awake");
  assert.equal(registry.isSleeping(s, "q"), false);
  assert.deepEqual(registry.tick(s, 150_000), []);
  assert.deepEqual(registry.tick(s, 193_000).map((e) => e.type), ["sleeping"]);
});

Deno.test("a message inside the window keeps a queue-mode client awake", () => {
  const s = registry.createRegistry({ queueWindowMs: 10_000 });
  registry.register(
    s,
    params("q", { queueMode: true, lifetimeSec: 3600 }),
    objects,
    "p",
    false,
    "id1",
    0,
  );
  assert.equal(registry.touch(s, "q", 9_000), null);
  assert.deepEqual(registry.tick(s, 10_000), []);
  assert.deepEqual(registry.tick(s, 19_000).map((e) => e.type), ["sleeping"]);
});

Deno.test("a non-queue client never sleeps", () => {
  const s = registry.createRegistry({ queueWindowMs: 1000 });
  registry.register(s, params("u", { lifetimeSec: 3600 }), objects, "p", false, "id1", 0);
  assert.deepEqual(registry.tick(s, 100_000), []);
  assert.equal(registry.markSleeping(s, "u"), null);
});

Deno.test("restore re-arms the expiry of a loaded registration", () => {
  const s = registry.createRegistry({ expiryGraceMs: 0 });
  const { registration } = registry.register(s, params("a"), objects, "p", false, "id1", 0);
  const t = registry.createRegistry({ expiryGraceMs: 0 });
  registry.restore(t, registration);
  assert.equal(registry.byRegistrationId(t, "id1")?.endpoint, "a");
  assert.equal(registry.tick(t, 60_000)[0]?.type, "expired");
});
