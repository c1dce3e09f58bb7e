/**
 * RedisStore (gateway/store/redis.ts): the shared Store contract against a real Redis, and against
 * a one-node Redis Cluster (which refuses any command or script that spans hash slots, so passing
 * there shows the key design is cluster-safe); the Coordination contract with two stores as two
 * nodes; the documented key layout; data kept across a store reopen and across a redis-server
 * restart while the store stays open; openStore with password, db and prefix.
 * Ignored (visibly) when LWM2M_TEST_REDIS is not set, see tests/support/redis.ts.
 */

import assert from "node:assert/strict";
import { parseConfig } from "../../../gateway/config.ts";
import { openStore } from "../../../gateway/store/open.ts";
import { RedisStore } from "../../../gateway/store/redis.ts";
import { connectRedis } from "../../../gateway/store/redis_link.ts";
import {
  dropPrefix,
  hasRedisServer,
  rawLink,
  redisTest,
  spawnRedis,
  TEST_REDIS,
  TEST_REDIS_CLUSTER,
  testPrefix,
} from "../../support/redis.ts";
import { coordinationContract } from "./coordination_contract.ts";
import { richDocument, storeContract } from "./contract.ts";

async function openRedis(url: string, prefix = testPrefix()) {
  const store = new RedisStore(await connectRedis(url), { prefix });
  return { store, prefix, dispose: () => dropPrefix(url, prefix) };
}

if (TEST_REDIS) storeContract("redis", { open: () => openRedis(TEST_REDIS!) });
else redisTest("redis store: contract suite", () => Promise.resolve());
if (TEST_REDIS_CLUSTER) {
  storeContract("redis cluster", { open: () => openRedis(TEST_REDIS_CLUSTER!) });
} else redisTest("redis cluster store: contract suite", () => Promise.resolve(), "cluster");

for (const [name, url] of [["redis", TEST_REDIS], ["redis cluster", TEST_REDIS_CLUSTER]]) {
  if (!url) continue;
  coordinationContract(name!, {
    async open() {
      const prefix = testPrefix();
      const one = await openRedis(url, prefix);
      const two = await openRedis(url, prefix);
      return {
        a: one.store.coordination,
        b: two.store.coordination,
        async dispose() {
          await one.store.close();
          await two.store.close();
          await one.dispose();
        },
      };
    },
  });
}

redisTest("redis store: keys follow the documented hash-tagged layout", async (url) => {
  const { store, prefix, dispose } = await openRedis(url);
  const raw = await rawLink(url);
  try {
    await store.put("registration", "ep1", { lifetime: 300 });
    await store.coordination.acquireLease("dtls:ab", "n1", 5000);
    await store.coordination.reserveBlock("dtls:ab", "epoch1", 10);
    const doc = `{${prefix}:registration}:doc`;
    assert.equal(await raw.command(["HGET", doc, "ep1"]), '{"lifetime":300}');
    assert.deepEqual(await raw.command(["ZRANGE", `{${prefix}:registration}:keys`, "0", "-1"]), [
      "ep1",
    ]);
    assert.equal(await raw.command(["GET", `{${prefix}:scope:dtls:ab}:lease`]), "n1");
    assert.equal(await raw.command(["HGET", `{${prefix}:scope:dtls:ab}:seq`, "epoch1"]), "10");
    await store.delete("registration", "ep1");
    assert.equal(await raw.command(["EXISTS", doc]), 0, "an empty namespace leaves no key");
  } finally {
    await store.close();
    await raw.close();
    await dispose();
  }
});

redisTest("redis store: a reopened store sees everything, pages of more than 1000", async (url) => {
  const { store, prefix, dispose } = await openRedis(url);
  try {
    for (let i = 0; i < 2500; i++) await store.put("registration", `ep-${i}`, richDocument(i));
    await store.flush();
    await store.close();
    await assert.rejects(store.get("registration", "ep-1"), /closed/);
    const again = (await openRedis(url, prefix)).store;
    assert.deepEqual(await again.get("registration", "ep-7"), richDocument(7));
    const all = await again.list("registration");
    assert.equal(all.length, 2500);
    assert.deepEqual(all.slice(0, 3).map((e) => e.key), ["ep-0", "ep-1", "ep-10"]);
    const page = await again.list("registration", { after: "ep-1", limit: 1200 });
    assert.equal(page.length, 1200);
    assert.equal(page[0].key, "ep-10");
    await again.close();
  } finally {
    await dispose();
  }
});

function ownRedisTest(name: string, body: () => Promise<void>): void {
  if (!hasRedisServer()) {
    console.warn("%c/usr/bin/redis-server missing: test ignored", "color:#b58900");
  }
  Deno.test({ name, ignore: !hasRedisServer(), fn: body });
}

ownRedisTest("redis store: survives a redis-server restart with the store open", async () => {
  const redis = await spawnRedis();
  const link = await connectRedis(redis.url, { commandTimeoutMs: 1000 });
  const store = new RedisStore(link, { prefix: "r" });
  try {
    await store.put("registration", "ep", { lifetime: 300 });
    await redis.stop(); // SIGTERM: Redis writes its append-only file
    await assert.rejects(store.get("registration", "ep"), "no Redis: the call fails, bounded");
    await redis.restart();
    const deadline = Date.now() + 10_000;
    let value: unknown;
    for (;;) { // the link reconnects with backoff (50 ms doubling to 2 s)
      try {
        value = await store.get("registration", "ep");
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.deepEqual(value, { lifetime: 300 });
    await store.put("registration", "ep2", 2);
    assert.equal((await store.list("registration")).length, 2);
  } finally {
    await store.close();
    await redis.dispose();
  }
});

ownRedisTest(
  "openStore: redis:// with password, db and prefix; errors hide the password",
  async () => {
    const redis = await spawnRedis(["--requirepass", "s3cret"]);
    try {
      const url = `redis://:s3cret@127.0.0.1:${redis.port}/3?prefix=gw1`;
      const parsed = parseConfig(["--store", url], {});
      assert.ok(parsed.kind === "config");
      const store = await openStore(parsed.config.store);
      assert.equal(store.kind, "redis");
      await store.put("registration", "ep", 1);
      await store.close();
      const raw = await rawLink(`redis://:s3cret@127.0.0.1:${redis.port}/3`);
      assert.equal(await raw.command(["HGET", "{gw1:registration}:doc", "ep"]), "1");
      await raw.close();
      for (const bad of [`redis://:wrong@127.0.0.1:${redis.port}`, "redis://:s3cret@127.0.0.1:1"]) {
        const config = parseConfig(["--store", bad], {});
        assert.ok(config.kind === "config");
        const started = Date.now();
        await assert.rejects(openStore(config.config.store), (e: Error) => {
          assert.ok(!e.message.includes("wrong") && !e.message.includes("s3cret"), e.message);
          assert.match(e.message, /--store redis:\/\/:\*\*\*@127\.0\.0\.1/);
          return true;
        });
        assert.ok(Date.now() - started < 5000, "a bad --store fails fast");
      }
    } finally {
      await redis.dispose();
    }
  },
);
