/**
 * Tests of bootstrap configuration provisioning (gateway/http/bootstrap.ts): validation with
 * messages naming the field, write-only keys, identity conflicts with the security store, and
 * server-initiated bootstrap (Execute /1/x/9) on a scripted device over real sockets.
 */

import assert from "node:assert/strict";
import { BootstrapConfigStore } from "../../../gateway/server/bootstrap_config.ts";
import { SecurityStore } from "../../../gateway/server/credentials.ts";
import { MemoryStore } from "../../../gateway/store/memory.ts";
import { pathOf } from "../../support/scripted_device.ts";
import { CHANGED, inProcessApp, withLiveGateway } from "./fleet_helpers.ts";

const KEY = "0102030405060708090a0b0c0d0e0f10";
const BS_KEY = "a1a2a3a4a5a6a7a8";

function config() {
  return {
    servers: [{
      shortServerId: 1,
      uri: "coaps://gateway.example:5684",
      securityMode: "psk",
      identity: "lamp-1",
      key: KEY,
      lifetime: 600,
      binding: "UQ",
      notificationStoring: true,
    }],
    bootstrapServer: {
      uri: "coaps://bs.example:5684",
      securityMode: "psk",
      identity: "lamp-1-bs",
      key: BS_KEY,
    },
    delete: ["/0", "/1"],
    objects: { "/3311/0/5850": false, "/3311/0/5851": 80 },
  };
}

Deno.test("PUT/GET/DELETE /api/bootstrap/{ep}: stored whole, shown without keys", async () => {
  const store = new MemoryStore();
  const { call } = inProcessApp({ store });
  const put = await call("PUT", "/api/bootstrap/lamp-1", config());
  assert.equal(put.status, 201);
  const get = await call("GET", "/api/bootstrap/lamp-1");
  assert.deepEqual(get.json, put.json);
  assert.equal(get.json.endpoint, "lamp-1");
  assert.deepEqual(get.json.servers[0], {
    shortServerId: 1,
    uri: "coaps://gateway.example:5684",
    securityMode: "psk",
    identity: "lamp-1",
    hasKey: true,
    lifetime: 600,
    binding: "UQ",
    notificationStoring: true,
  });
  assert.deepEqual(get.json.bootstrapServer, {
    uri: "coaps://bs.example:5684",
    securityMode: "psk",
    identity: "lamp-1-bs",
    hasKey: true,
  });
  assert.deepEqual(get.json.delete, ["/0", "/1"]);
  assert.deepEqual(get.json.objects, { "/3311/0/5850": false, "/3311/0/5851": 80 });
  const list = await call("GET", "/api/bootstrap");
  assert.equal(list.json.configs.length, 1);
  for (const text of [put.text, get.text, list.text]) {
    assert.ok(!text.includes(KEY) && !text.includes(BS_KEY), "keys are write-only");
  }
  // The bootstrap server (issue 7) reads the whole configuration, keys included.
  const stored = await new BootstrapConfigStore(store).get("lamp-1");
  assert.equal(stored?.servers[0].key, KEY);
  assert.equal(stored?.bootstrapServer?.key, BS_KEY);

  const nosec = await call("PUT", "/api/bootstrap/lamp-1", {
    servers: [{ shortServerId: 2, uri: "coap://10.0.0.1:5683", securityMode: "nosec" }],
  });
  assert.equal(nosec.status, 200);
  assert.deepEqual(nosec.json.servers[0], {
    shortServerId: 2,
    uri: "coap://10.0.0.1:5683",
    securityMode: "nosec",
    lifetime: 300,
    binding: "U",
    hasKey: false,
  });
  assert.equal((await call("DELETE", "/api/bootstrap/lamp-1")).status, 200);
  assert.equal((await call("GET", "/api/bootstrap/lamp-1")).status, 404);
});

Deno.test("bootstrap validation errors are 400 naming the field", async () => {
  const { call } = inProcessApp();
  const server = config().servers[0];
  const cases: [unknown, RegExp][] = [
    [{ servers: [] }, /body\.servers/],
    [{ servers: [{ ...server, shortServerId: 0 }] }, /body\.servers\.0\.shortServerId/],
    [{ servers: [{ ...server, shortServerId: 65535 }] }, /body\.servers\.0\.shortServerId/],
    [{ servers: [{ ...server, uri: "http://x" }] }, /body\.servers\.0\.uri: must be a coap/],
    [{ servers: [{ ...server, uri: "coap://x:5683" }] }, /body\.servers\.0\.uri: .*coaps/],
    [{ servers: [{ ...server, key: undefined }] }, /body\.servers\.0\.key: required/],
    [{ servers: [{ ...server, identity: undefined }] }, /body\.servers\.0\.identity: required/],
    [{ servers: [{ ...server, key: "xyz" }] }, /body\.servers\.0\.key: must be 1\.\.64 bytes/],
    [{ servers: [{ ...server, lifetime: 0 }] }, /body\.servers\.0\.lifetime/],
    [{ servers: [{ ...server, binding: "X" }] }, /body\.servers\.0\.binding/],
    [{ servers: [server, server] }, /body\.servers\.1\.shortServerId: duplicate/],
    [{
      servers: [{ shortServerId: 1, uri: "coap://x", securityMode: "nosec", key: KEY }],
    }, /body\.servers\.0\.key: only allowed/],
    [
      { servers: [server], bootstrapServer: { uri: "coaps://b", securityMode: "psk" } },
      /body\.bootstrapServer\.identity/,
    ],
    [{ servers: [server], delete: ["/0/1/2"] }, /body\.delete\.0/],
    [{ servers: [server], objects: { "/3311/0/5850": "on" } }, /body\.objects: .*5850/],
    [{ servers: [server], objects: { "/0/0/0": "x" } }, /body\.objects\.\/0\/0\/0/],
    [{ servers: [server], extra: true }, /extra/],
  ];
  for (const [body, message] of cases) {
    const res = await call("PUT", "/api/bootstrap/e", body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.json.error.code, "bad_request");
    assert.match(res.json.error.message, message, JSON.stringify(body));
    assert.ok(!res.text.includes(KEY));
  }
});

Deno.test("a bootstrap PSK identity bound to another endpoint answers 409", async () => {
  const store = new MemoryStore();
  const security = new SecurityStore(store);
  await security.put("someone-else", { mode: "psk", identity: "lamp-1", key: new Uint8Array([1]) });
  const { call } = inProcessApp({ store, security });
  const res = await call("PUT", "/api/bootstrap/lamp-1", config());
  assert.equal(res.status, 409);
  assert.match(res.json.error.message, /someone-else/);
  assert.equal((await call("GET", "/api/bootstrap/lamp-1")).status, 404);
});

Deno.test("POST /api/bootstrap/{ep}/trigger executes /1/x/9 on the registered client", async () => {
  await withLiveGateway(async (g) => {
    const device = await g.register("bs-lamp", "</1/3>,</3/0>");
    device.handler = (req) =>
      req.code === 2 && pathOf(req) === "/1/3/9" ? { code: CHANGED } : { code: 132 };
    const noConfig = await g.http("POST", "/api/bootstrap/bs-lamp/trigger");
    assert.equal(noConfig.status, 409);
    assert.match(noConfig.json.error.message, /no bootstrap configuration/);
    await g.http("PUT", "/api/bootstrap/bs-lamp", config());
    const res = await g.http("POST", "/api/bootstrap/bs-lamp/trigger");
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { endpoint: "bs-lamp", path: "/1/3/9", triggered: true });
    assert.equal(pathOf(device.requests.at(-1)!), "/1/3/9");
    const explicit = await g.http("POST", "/api/bootstrap/bs-lamp/trigger?instance=0");
    assert.equal(explicit.status, 404, "the device has no /1/0/9: its 4.04 is mapped");
    assert.equal(explicit.json.error.coapCode, "4.04");
    await g.http("PUT", "/api/bootstrap/nobody", config());
    const unregistered = await g.http("POST", "/api/bootstrap/nobody/trigger");
    assert.equal(unregistered.status, 404);
    assert.equal(unregistered.json.error.code, "client_not_found");
  });
});
