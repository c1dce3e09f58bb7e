/**
 * openStore: turns the parsed `--store` flag (gateway/config.ts StoreConfig; DESIGN.md §6) into a
 * Store backend. Called once by the shell at start; the caller flushes and closes it on SIGTERM.
 * `redis://[user:pw@]host:port[/db][?prefix=P][&cluster=1]`: `prefix` namespaces every key (default
 * "lwm2m"), `cluster=1` treats host:port as a seed node of a Redis Cluster. The Redis modules (and
 * their npm client) are loaded only for a redis:// store.
 */

import type { StoreConfig } from "../config.ts";
import { openFileStore } from "./file.ts";
import { MemoryStore } from "./memory.ts";
import type { Store } from "./store.ts";

export interface OpenStoreOptions {
  /** Connection errors of a Redis store after the start (rate-limited). */
  onError?: (error: Error) => void;
}

export async function openStore(
  config: StoreConfig,
  options: OpenStoreOptions = {},
): Promise<Store> {
  switch (config.kind) {
    case "memory":
      return new MemoryStore();
    case "file":
      return await openFileStore(config.path);
    case "redis": {
      const { connectRedis } = await import("./redis_link.ts");
      const { RedisStore } = await import("./redis.ts");
      const link = await connectRedis(config.url, { onError: options.onError });
      const prefix = new URL(config.url).searchParams.get("prefix") ?? undefined;
      try {
        return new RedisStore(link, { prefix });
      } catch (e) {
        await link.close();
        throw e;
      }
    }
  }
}
