/**
 * Redis store at scale (issue 10 benchmark): N registration documents of the shape the LwM2M
 * server stores (gateway/lwm2m/registry.ts, 6 object links) written through RedisStore into a
 * private redis-server (started here on a free loopback port, no persistence), then: Redis
 * used_memory per registration, put rate (512 puts in flight), and the time to list them all (what
 * a node does at start to fill its mirror). Usage:
 *   bin/deno run -A bench/cluster/redis_memory.ts [N=1000000]
 */

import { RedisStore } from "../../gateway/store/redis.ts";
import { connectRedis } from "../../gateway/store/redis_link.ts";
import { spawnRedis } from "../../tests/support/redis.ts";

const count = Number(Deno.args[0] ?? 1_000_000);
const IN_FLIGHT = 512;

function registration(i: number) {
  const now = 1_790_000_000_000 + i;
  return {
    endpoint: `urn:imei:${String(350000000000000 + i)}`,
    lwm2mVersion: "1.1",
    lifetimeSec: 86400,
    binding: "U",
    queueMode: false,
    additionalAttributes: {},
    registrationId: (0x1000000000 + i * 7919).toString(16).padStart(20, "0"),
    address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:56830`,
    secure: false,
    rootPath: "/",
    objectLinks: ["/1/0", "/3/0", "/4/0", "/5/0", "/6/0", "/3303/0"].map((path) => ({
      path,
      attributes: {},
    })),
    supportedFormats: [11543],
    registeredAtMs: now,
    updatedAtMs: now,
    lastSeenAtMs: now,
  };
}

async function usedMemory(link: Awaited<ReturnType<typeof connectRedis>>): Promise<number> {
  const info = await link.command<string>(["INFO", "memory"]);
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

const redis = await spawnRedis(["--appendonly", "no"]);
try {
  const link = await connectRedis(redis.url);
  const store = new RedisStore(link, { prefix: "bench" });
  const before = await usedMemory(link);
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    for (let i = next++; i < count; i = next++) {
      const r = registration(i);
      await store.put("registration", r.endpoint, r);
    }
  }));
  const putSec = (performance.now() - started) / 1000;
  const after = await usedMemory(link);
  const docBytes = JSON.stringify(registration(count >> 1)).length;
  const listStarted = performance.now();
  const listed = (await store.list("registration")).length;
  const listSec = (performance.now() - listStarted) / 1000;
  console.log(JSON.stringify({
    registrations: count,
    documentBytes: docBytes,
    redisUsedMemoryMB: Math.round(after / 2 ** 20),
    redisBytesPerRegistration: Math.round((after - before) / count),
    putsPerSec: Math.round(count / putSec),
    listAllSec: Number(listSec.toFixed(1)),
    listed,
  }));
  await store.close();
} finally {
  await redis.dispose();
}
