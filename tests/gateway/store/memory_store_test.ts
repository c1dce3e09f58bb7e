/**
 * MemoryStore (gateway/store/memory.ts): the shared Store contract, plus list() at 100,000 keys,
 * where a flat sorted array would spend seconds in Array.splice.
 */

import assert from "node:assert/strict";
import { MemoryStore } from "../../../gateway/store/memory.ts";
import { shuffled, storeContract } from "./contract.ts";

storeContract("memory", {
  open: () => Promise.resolve({ store: new MemoryStore(), dispose: () => Promise.resolve() }),
});

Deno.test("memory store: 100,000 keys put in random order list in order, page by page", async () => {
  const store = new MemoryStore();
  const keys = Array.from({ length: 100_000 }, (_, i) => `urn:imei:${(i * 7919) % 100_003}`);
  const started = performance.now();
  for (const key of shuffled(keys)) await store.put("registration", key, { lifetime: 300 });
  const putMs = performance.now() - started;
  const sorted = [...keys].sort(); // ASCII keys: UTF-16 order is UTF-8 order
  const seen: string[] = [];
  let after: string | undefined;
  const listStarted = performance.now();
  for (;;) {
    const page = await store.list("registration", { after, limit: 1000 });
    seen.push(...page.map((e) => e.key));
    if (page.length < 1000) break;
    after = page[page.length - 1].key;
  }
  const listMs = performance.now() - listStarted;
  assert.deepEqual(seen, sorted);
  // Generous bounds (a noisy VM); measured ~0.7 s and ~0.15 s. A flat array took 9.6 s to fill.
  assert.ok(putMs < 3000, `100,000 puts took ${putMs.toFixed(0)} ms`);
  assert.ok(listMs < 3000, `listing 100 pages took ${listMs.toFixed(0)} ms`);
  for (const key of sorted.slice(0, 50_000)) await store.delete("registration", key);
  const rest = await store.list("registration", { limit: 3 });
  assert.deepEqual(rest.map((e) => e.key), sorted.slice(50_000, 50_003));
  await store.close();
});
