/**
 * Redis for tests (issue 10). `LWM2M_TEST_REDIS` (set by .ci/run, which starts redis-server on a
 * loopback port) names a shared server, `LWM2M_TEST_REDIS_CLUSTER` a one-node Redis Cluster (it
 * refuses cross-slot commands like a real cluster). Tests that need one are declared with
 * `redisTest`, which marks them ignored, with a printed reason, when the server is not set or not
 * reachable. Each test works under its own key prefix and deletes it afterwards. `spawnRedis`
 * starts a private redis-server (for restart and password tests) when the binary is installed.
 */

import { connectRedis, type RedisLink } from "../../gateway/store/redis_link.ts";

/** Whether host:port of a redis:// URL accepts a TCP connection within 1 s. */
async function reachable(url: string | undefined): Promise<boolean> {
  if (!url) return false;
  const { hostname, port } = new URL(url);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const conn = await Promise.race([
      Deno.connect({ hostname, port: Number(port) }),
      new Promise<never>((_, reject) =>
        timer = setTimeout(() => reject(new Error("timeout")), 1000)
      ),
    ]);
    conn.close();
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

const shared = Deno.env.get("LWM2M_TEST_REDIS");
const cluster = Deno.env.get("LWM2M_TEST_REDIS_CLUSTER");

/** The shared test Redis URL, or null (tests are then ignored). */
export const TEST_REDIS: string | null = await reachable(shared) ? shared! : null;
/** The one-node Redis Cluster URL (with ?cluster=1), or null. */
export const TEST_REDIS_CLUSTER: string | null = await reachable(cluster)
  ? `${cluster}${cluster!.includes("?") ? "&" : "?"}cluster=1`
  : null;

const warned = new Set<string>();
function warnOnce(what: string, value: string | undefined): void {
  if (warned.has(what)) return;
  warned.add(what);
  console.warn(
    value
      ? `%c${what}=${value} is not reachable: its tests are ignored`
      : `%c${what} is not set: Redis tests are ignored (.ci/run starts redis-server and sets it)`,
    "color: #b58900",
  );
}

/** Deno.test against the shared Redis, ignored (visibly) without one. */
export function redisTest(
  name: string,
  body: (url: string) => Promise<void>,
  which: "single" | "cluster" = "single",
): void {
  const url = which === "single" ? TEST_REDIS : TEST_REDIS_CLUSTER;
  if (url === null) {
    if (which === "single") warnOnce("LWM2M_TEST_REDIS", shared);
    else warnOnce("LWM2M_TEST_REDIS_CLUSTER", cluster);
  }
  Deno.test({ name, ignore: url === null, fn: () => body(url!) });
}

/** A fresh key prefix for one test. */
export function testPrefix(): string {
  return `test-${crypto.randomUUID()}`;
}

/** Deletes every key of a prefix (SCAN on each node; test data only). */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const link = await connectRedis(url.replace(/[?&]cluster=1/, ""));
  try {
    let cursor = "0";
    do {
      const [next, keys] = await link.command<[string, string[]]>(
        ["SCAN", cursor, "MATCH", `{${prefix}:*`, "COUNT", "1000"],
      );
      for (const key of keys) await link.command(["DEL", key], key);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    await link.close();
  }
}

/** A free loopback TCP port (closed again: a small race, fine for tests). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

export function hasRedisServer(): boolean {
  try {
    return Deno.statSync("/usr/bin/redis-server").isFile;
  } catch {
    return false;
  }
}

export interface SpawnedRedis {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGTERM: it writes its AOF) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

/** Starts a private redis-server on a free loopback port (append-only file in a temp dir). */
export async function spawnRedis(extraArgs: string[] = []): Promise<SpawnedRedis> {
  const dir = await Deno.makeTempDir({ prefix: "redis_test_" });
  const port = freePort();
  let child: Deno.ChildProcess | null = null;
  const start = async () => {
    child = new Deno.Command("/usr/bin/redis-server", {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "yes",
        ...extraArgs,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + 10_000;
    while (!await reachable(`redis://127.0.0.1:${port}`)) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    if (child === null) return;
    const c: Deno.ChildProcess = child;
    child = null;
    c.kill("SIGTERM");
    await c.status;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    restart: start,
    async dispose() {
      await stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A raw link for assertions on Redis itself. */
export function rawLink(url: string): Promise<RedisLink> {
  return connectRedis(url);
}
