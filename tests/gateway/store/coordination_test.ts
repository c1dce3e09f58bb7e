/**
 * LocalCoordination (gateway/store/coordination.ts), the one-process Coordination of the memory
 * and file stores: the shared Coordination contract, and counters that keep growing across a
 * restart because they live in the store's `counter` namespace.
 */

import assert from "node:assert/strict";
import { coordinationOf, LocalCoordination } from "../../../gateway/store/coordination.ts";
import { openFileStore } from "../../../gateway/store/file.ts";
import { MemoryStore } from "../../../gateway/store/memory.ts";
import { coordinationContract } from "./coordination_contract.ts";

coordinationContract("local", {
  open() {
    const store = new MemoryStore();
    const one = coordinationOf(store);
    assert.ok(one instanceof LocalCoordination);
    return Promise.resolve({ a: one, b: one, dispose: () => store.close() });
  },
});

Deno.test("local coordination: counters survive a restart of the file store", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coord_test_" });
  try {
    let store = await openFileStore(`${dir}/gateway.db`);
    assert.equal(await coordinationOf(store).reserveBlock("dtls:s", "epoch1", 1000), 0);
    await store.close();
    store = await openFileStore(`${dir}/gateway.db`);
    const again = coordinationOf(store);
    assert.equal(await again.reserveBlock("dtls:s", "epoch1", 1000), 1000);
    assert.equal((await again.acquireLease("dtls:s", "new-process", 1000)).held, true);
    await again.dropScope("dtls:s");
    assert.equal(await again.reserveBlock("dtls:s", "epoch1", 1), 0);
    await store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
