/**
 * Tests of DTLS credential provisioning: the routes of gateway/http/security.ts (in-process), the
 * identity index of gateway/server/credentials.ts, and `--security-file` with a live gateway whose
 * log lines are captured: keys are never answered nor logged.
 */

import assert from "node:assert/strict";
import { SecurityStore } from "../../../gateway/server/credentials.ts";
import { MemoryStore } from "../../../gateway/store/memory.ts";
import { inProcessApp, liveGateway, withLiveGateway } from "./fleet_helpers.ts";

const KEY = "00112233445566778899aabbccddeeff";
const KEY2 = "deadbeefcafebabe0123456789abcdef";

Deno.test("PUT/GET/DELETE /api/security/{ep}: keys are write-only", async () => {
  const security = new SecurityStore(new MemoryStore());
  const { call } = inProcessApp({ security });
  const put = await call("PUT", "/api/security/lamp-1", {
    mode: "psk",
    identity: "lamp-1-id",
    key: KEY,
  });
  assert.equal(put.status, 201);
  assert.deepEqual(put.json, {
    endpoint: "lamp-1",
    mode: "psk",
    identity: "lamp-1-id",
    hasKey: true,
  });
  const get = await call("GET", "/api/security/lamp-1");
  assert.deepEqual(get.json, put.json);
  const list = await call("GET", "/api/security");
  assert.deepEqual(list.json, { credentials: [put.json] });
  for (const text of [put.text, get.text, list.text]) {
    assert.ok(!text.toLowerCase().includes(KEY), "no key in any answer");
  }
  // The index other code (DTLS) queries:
  assert.equal(security.endpointOf("lamp-1-id"), "lamp-1");
  assert.deepEqual(security.psk("lamp-1-id"), {
    endpoint: "lamp-1",
    key: Uint8Array.fromHex(KEY),
  });
  const replaced = await call("PUT", "/api/security/lamp-1", { mode: "nosec" });
  assert.equal(replaced.status, 200);
  assert.deepEqual(replaced.json, { endpoint: "lamp-1", mode: "nosec", hasKey: false });
  assert.equal(security.endpointOf("lamp-1-id"), undefined, "the old identity is released");
  const removed = await call("DELETE", "/api/security/lamp-1");
  assert.equal(removed.status, 200);
  assert.equal((await call("GET", "/api/security/lamp-1")).status, 404);
  assert.equal((await call("DELETE", "/api/security/lamp-1")).status, 404);
});

Deno.test("an identity already bound to another endpoint answers 409", async () => {
  const { call } = inProcessApp();
  await call("PUT", "/api/security/a", { mode: "psk", identity: "shared", key: KEY });
  const conflict = await call("PUT", "/api/security/b", {
    mode: "psk",
    identity: "shared",
    key: KEY2,
  });
  assert.equal(conflict.status, 409);
  assert.equal(conflict.json.error.code, "conflict");
  assert.match(conflict.json.error.message, /endpoint "a"/);
  assert.ok(!conflict.text.includes(KEY2));
  assert.equal((await call("GET", "/api/security/b")).status, 404);
  // The same endpoint may keep its identity with a new key; once freed, another may take it.
  assert.equal(
    (await call("PUT", "/api/security/a", { mode: "psk", identity: "shared", key: KEY2 })).status,
    200,
  );
  await call("DELETE", "/api/security/a");
  assert.equal(
    (await call("PUT", "/api/security/b", { mode: "psk", identity: "shared", key: KEY })).status,
    201,
  );
});

Deno.test("security validation errors name the field and never quote the key", async () => {
  const { call } = inProcessApp();
  const cases: [unknown, RegExp][] = [
    [{ mode: "psk", identity: "x" }, /body\.key: required when mode is psk/],
    [{ mode: "psk", key: KEY }, /body\.identity: required when mode is psk/],
    [{ mode: "psk", identity: "x", key: "abc" }, /body\.key: must be 1\.\.64 bytes as hex/],
    [{ mode: "psk", identity: "x", key: "zz" + KEY }, /body\.key/],
    [{ mode: "nosec", key: KEY }, /body\.key: only allowed when mode is psk/],
    [{ mode: "rpk" }, /body\.mode/],
    [{ mode: "psk", identity: "", key: KEY }, /body\.identity/],
    [{ mode: "psk", identity: "x".repeat(257), key: KEY }, /body\.identity: at most 256 bytes/],
  ];
  for (const [body, message] of cases) {
    const res = await call("PUT", "/api/security/e", body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match(res.json.error.message, message);
    assert.ok(!res.text.includes(KEY), "the key is not echoed");
  }
  const broken = await call("PUT", "/api/security/e", `{"mode":"psk","key":${KEY}}`);
  assert.equal(broken.status, 400);
  assert.ok(!broken.text.includes(KEY.slice(0, 6)), "a JSON syntax error does not echo the body");
});

Deno.test("credentials persist in the Store and reload into the identity index", async () => {
  const store = new MemoryStore();
  const first = new SecurityStore(store);
  await first.put("ep-1", { mode: "psk", identity: "id-1", key: Uint8Array.fromHex(KEY) });
  await first.put(
    "ep-1",
    { mode: "psk", identity: "bs-id", key: Uint8Array.fromHex(KEY2) },
    "bootstrap",
  );
  const second = new SecurityStore(store);
  await second.ready();
  assert.equal(second.endpointOf("id-1"), "ep-1");
  assert.equal(second.endpointOf("bs-id"), undefined, "roles are kept apart");
  assert.equal(second.endpointOf("bs-id", "bootstrap"), "ep-1");
  assert.deepEqual((await second.list()).map((c) => c.endpoint), ["ep-1"]);
  assert.equal((await second.list("bootstrap")).length, 1);
});

Deno.test("--security-file loads credentials at start; keys stay out of answers and logs", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(
      file,
      JSON.stringify([
        { endpoint: "lamp-a", mode: "psk", identity: "lamp-a", key: KEY },
        { endpoint: "lamp-b", mode: "nosec" },
      ]),
    );
    await withLiveGateway(async (g) => {
      assert.equal(g.gateway.security.endpointOf("lamp-a"), "lamp-a");
      const list = await g.http("GET", "/api/security");
      assert.deepEqual(list.json.credentials, [
        { endpoint: "lamp-a", mode: "psk", identity: "lamp-a", hasKey: true },
        { endpoint: "lamp-b", mode: "nosec", hasKey: false },
      ]);
      const put = await g.http("PUT", "/api/security/lamp-c", {
        mode: "psk",
        identity: "lamp-c",
        key: KEY2,
      });
      assert.equal(put.status, 201);
      const conflict = await g.http("PUT", "/api/security/lamp-d", {
        mode: "psk",
        identity: "lamp-a",
        key: KEY2,
      });
      assert.equal(conflict.status, 409);
      const bad = await g.http("PUT", "/api/security/lamp-e", `{"mode":"psk","key":${KEY2}`);
      assert.equal(bad.status, 400);
      for (const text of [list.text, put.text, conflict.text, bad.text, ...g.logLines]) {
        assert.ok(!text.includes(KEY) && !text.includes(KEY2), `no key in: ${text}`);
      }
      assert.ok(g.logLines.some((l) => l.includes("loaded 2 credentials")));
    }, ["--security-file", file]);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a bad --security-file stops the start with the entry and field, not the key", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(
      file,
      JSON.stringify([
        { endpoint: "ok", mode: "psk", identity: "ok", key: KEY },
        { endpoint: "broken", mode: "psk", identity: "b", key: KEY2 + "x" },
      ]),
    );
    await assert.rejects(() => liveGateway(["--security-file", file]), (e: Error) => {
      assert.match(e.message, /--security-file .*: entry 1 key: must be 1\.\.64 bytes/);
      assert.ok(!e.message.includes(KEY2));
      return true;
    });
    await Deno.writeTextFile(
      file,
      JSON.stringify([
        { endpoint: "a", mode: "psk", identity: "same", key: KEY },
        { endpoint: "b", mode: "psk", identity: "same", key: KEY2 },
      ]),
    );
    await assert.rejects(
      () => liveGateway(["--security-file", file]),
      /entry 1 \(endpoint "b"\): the PSK identity is already bound to endpoint "a"/,
    );
  } finally {
    await Deno.remove(file);
  }
});
