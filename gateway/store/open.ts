/**
 * openStore: turns the parsed `--store` flag (gateway/config.ts StoreConfig; DESIGN.md §6) into a
 * Store backend. Called once by the shell at start; the caller flushes and closes it on SIGTERM.
 */

import type { StoreConfig } from "../config.ts";
import { openFileStore } from "./file.ts";
import { MemoryStore } from "./memory.ts";
import type { Store } from "./store.ts";

export async function openStore(config: StoreConfig): Promise<Store> {
  switch (config.kind) {
    case "memory":
      return new MemoryStore();
    case "file":
      return await openFileStore(config.path);
    case "redis":
      throw new Error(
        `--store ${redacted(config.url)}: the Redis store arrives with issue 10; ` +
          "use file:PATH (the default) or memory for now",
      );
  }
}

/** The URL without its password, for messages. */
function redacted(url: string): string {
  return url.replace(/^(redis:\/\/[^:@/]*:)[^@]*@/, "$1***@");
}
