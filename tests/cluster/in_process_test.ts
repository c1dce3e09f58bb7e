/**
 * Cluster behaviour (issue 10) with two gateway nodes in this process on one Redis, short timers:
 * a lifetime expiry is decided once (each node's bus shows one `expired`, not two); a request to a
 * sleeping queue-mode device made on B is queued by its owner A, and GET /api/requests/{id} on B
 * follows it to `done`; after A stops (its `bye`), B takes the device over at once and reads it;
 * an observation made through B is cancelled through B on A; DTLS credentials put on one node are
 * indexed on the other; a node whose pub/sub connection dropped rereads the store.
 * Ignored when LWM2M_TEST_REDIS is not set (tests/support/redis.ts).
 */

import assert from "node:assert/strict";
import type { GatewayOptions } from "../../gateway/gateway.ts";
import { OPTION } from "../../codec-wasm/coap_registry.ts";
import {
  CHANGED,
  content,
  FAST,
  GET,
  observeOf,
  registered,
  startTestGateway,
  type TestGateway,
  TEXT,
  uintOpt,
  waitUntil,
} from "../integration/lwm2m/helpers.ts";
import { RedisStore } from "../../gateway/store/redis.ts";
import { connectRedis } from "../../gateway/store/redis_link.ts";
import { dropPrefix, rawLink, redisTest, testPrefix } from "../support/redis.ts";
import { pathOf, ScriptedDevice } from "../support/scripted_device.ts";

const OPTIONS: GatewayOptions = {
  ...FAST,
  server: { ...FAST.server, queueWindowMs: 300 },
  cluster: { ackTimeoutMs: 500, heartbeatMs: 1000, askTimeoutMs: 500 },
};

/** Runs `body` with two nodes on one fresh key prefix; stops both and drops the keys. */
function twoNodes(
  name: string,
  body: (a: TestGateway, b: TestGateway, env: { redis: string; prefix: string }) => Promise<void>,
): void {
  redisTest(`cluster (in process): ${name}`, async (redis) => {
    const prefix = testPrefix();
    const store = `${redis}/0?prefix=${prefix}`;
    const a = await startTestGateway(OPTIONS, store);
    const b = await startTestGateway(OPTIONS, store).catch(async (e) => {
      await a.stop();
      throw e;
    });
    try {
      await body(a, b, { redis, prefix });
    } finally {
      await a.stop();
      await b.stop();
      await dropPrefix(redis, prefix);
    }
  });
}

function http(t: TestGateway, path: string, init?: RequestInit): Promise<Response> {
  return fetch(`http://127.0.0.1:${t.gateway.httpPort}${path}`, init);
}

twoNodes("a lifetime expiry is decided once across the nodes", async (a, b) => {
  await registered(a, "short", ["lt=1", "lwm2m=1.1"]);
  await waitUntil(() => b.server.get("short") !== undefined, "B to mirror the registration");
  await a.log.waitFor("expired", "short", undefined, 5000);
  await b.log.waitFor("expired", "short", undefined, 5000);
  await new Promise((r) => setTimeout(r, 300)); // room for a wrong second expiry
  assert.deepEqual(a.log.types("short").filter((t) => t === "expired"), ["expired"]);
  assert.deepEqual(b.log.types("short").filter((t) => t === "expired"), ["expired"]);
  assert.equal(a.server.get("short"), undefined);
  assert.equal(b.server.get("short"), undefined);
  assert.equal(await a.gateway.store.get("registration", "short"), undefined);
});

twoNodes(
  "a request made on B to a sleeping device of A is queued there and followed from B",
  async (a, b) => {
    const { device, location } = await registered(a, "sleepy", ["lt=300", "lwm2m=1.1", "Q"]);
    device.handler = (req) => pathOf(req) === "/3/0/0" ? content(TEXT, "woke") : { code: 132 };
    await a.log.waitFor("sleeping", "sleepy", undefined, 3000);
    await waitUntil(() => b.server.get("sleepy") !== undefined, "B to mirror the registration");
    const queued = await http(b, "/api/clients/sleepy/3/0/0");
    assert.equal(queued.status, 202, await queued.clone().text());
    const { requestId } = await queued.json();
    assert.equal(device.requests.length, 0);
    const status = await http(b, `/api/requests/${requestId}`);
    assert.equal(status.status, 200);
    assert.equal((await status.json()).state, "queued");

    assert.equal((await device.request(2, location)).code, CHANGED); // wakes up at A
    await b.log.waitFor("requestCompleted", "sleepy", (e) => e.requestId === requestId);
    assert.equal(device.requests.length, 1);
    const done = await (await http(b, `/api/requests/${requestId}`)).json();
    assert.equal(done.state, "done");
    assert.deepEqual(done.result.values, { "/3/0/0": "woke" });
    assert.equal((await http(b, "/api/requests/no-such")).status, 404);
  },
);

twoNodes(
  "observe and cancel through B run on A; after A stops, B takes the device over",
  async (a, b) => {
    const { device } = await registered(a, "moving");
    device.handler = (req) => {
      if (observeOf(req) === 0) {
        const reply = content(TEXT, "87");
        return { ...reply, options: [uintOpt(OPTION.OBSERVE, 0), ...reply.options] };
      }
      return req.code === GET ? content(TEXT, "42") : { code: 132 };
    };
    await waitUntil(() => b.server.get("moving") !== undefined, "B to mirror the registration");
    const observed = await http(b, "/api/clients/moving/3/0/9/observe?format=text", {
      method: "POST",
    });
    assert.equal(observed.status, 200, await observed.clone().text());
    const { observationId } = await observed.json();
    assert.equal(b.server.observations.get(observationId)?.endpoint, "moving");
    assert.equal(a.server.observations.get(observationId)?.endpoint, "moving");
    const cancelled = await http(b, "/api/clients/moving/3/0/9/observe", { method: "DELETE" });
    assert.equal(cancelled.status, 200, await cancelled.clone().text());
    assert.equal(device.requests.length, 2, "Observe, then the cancelling GET, both from A");
    assert.equal(observeOf(device.requests[1]), 1);
    await waitUntil(() => a.server.observations.get(observationId) === undefined, "A to drop it");

    await a.gateway.stop(); // leaves the cluster with a `bye`
    // The scripted device answers its configured server: point it at B (as a balancer would).
    const port = Number(device.address.split(":")[1]);
    device.close();
    const moved = await ScriptedDevice.open(b.coapPort, port);
    b.devices.push(moved);
    moved.handler = device.handler;
    const started = Date.now();
    const read = await http(b, "/api/clients/moving/3/0/0?timeout=3000");
    assert.equal(read.status, 200, await read.clone().text());
    assert.deepEqual((await read.json()).values, { "/3/0/0": "42" });
    assert.ok(Date.now() - started < 2000, "no wait for an ack from a node that said bye");
    assert.equal(moved.requests.length, 1, "B sent the Read itself");
  },
);

twoNodes(
  "DTLS credentials put through one node are known to the other's handshakes",
  async (a, b) => {
    const put = await http(b, "/api/security/psk-dev", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ mode: "psk", identity: "psk-dev-id", key: "00112233" }),
    });
    assert.ok(put.ok, await put.clone().text());
    await waitUntil(() => a.gateway.security.psk("psk-dev-id") !== undefined, "A to index the key");
    assert.deepEqual(a.gateway.security.psk("psk-dev-id")?.key, Uint8Array.fromHex("00112233"));
    assert.equal((await http(a, "/api/security/psk-dev", { method: "DELETE" })).ok, true);
    await waitUntil(() => b.gateway.security.psk("psk-dev-id") === undefined, "B to forget it");
  },
);

twoNodes(
  "after its subscriber reconnects, a node rereads what it may have missed",
  async (a, b, env) => {
    await registered(a, "template");
    // A registration written behind the nodes' backs (never announced) ...
    const hidden = { ...a.server.get("template")!, endpoint: "hidden", registrationId: "feedface" };
    const raw = new RedisStore(await connectRedis(env.redis), { prefix: env.prefix });
    await raw.put("registration", "hidden", hidden);
    await raw.close();
    assert.equal(b.server.get("hidden"), undefined);
    // ... is picked up once the pub/sub connections drop and come back.
    const admin = await rawLink(env.redis);
    await admin.command(["CLIENT", "KILL", "TYPE", "pubsub"]);
    await admin.close();
    await waitUntil(() => b.server.get("hidden") !== undefined, "B to resync", 10_000);
    await waitUntil(() => a.server.get("hidden") !== undefined, "A to resync", 10_000);
  },
);
