/**
 * SortedKeys (gateway/store/sorted_keys.ts), the memory store's chunked index, against a plain
 * sorted-array model under random inserts and deletes that split chunks and empty them again.
 */

import assert from "node:assert/strict";
import { SortedKeys } from "../../../gateway/store/sorted_keys.ts";
import { shuffled } from "./contract.ts";

Deno.test("SortedKeys matches a sorted array under random inserts and deletes", () => {
  const index = new SortedKeys();
  const model = new Set<string>();
  const universe = Array.from({ length: 3000 }, (_, i) => `k${i.toString(36)}`);
  const ops = shuffled([...universe, ...universe.slice(0, 2000), ...universe.slice(500, 2500)], 7);
  ops.forEach((key, n) => {
    if (n % 3 === 2 || !model.has(key)) {
      assert.equal(index.insert(key), !model.has(key));
      model.add(key);
    } else {
      assert.equal(index.delete(key), true);
      model.delete(key);
    }
    if (n % 997 === 0 || n === ops.length - 1) {
      const want = [...model].sort();
      assert.deepEqual([...index.from("", false)], want);
      assert.equal(index.size, want.length);
      const pivot = want[want.length >> 1] ?? "k";
      assert.deepEqual([...index.from(pivot, true)], want.filter((k) => k > pivot));
      assert.deepEqual([...index.from(pivot, false)], want.filter((k) => k >= pivot));
    }
  });
  assert.equal(index.delete("absent"), false);
  for (const key of [...model]) index.delete(key);
  assert.equal(index.size, 0);
  assert.deepEqual([...index.from("", false)], []);
  assert.equal(index.insert("again"), true);
  assert.deepEqual([...index.from("a", true)], ["again"]);
});
