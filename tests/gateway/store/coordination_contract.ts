/**
 * The Coordination contract (gateway/store/coordination.ts), one definition run against the Redis
 * implementation (two stores on one Redis stand for two nodes) and LocalCoordination (one
 * process): leases exclude other owners until they expire, reserved blocks never overlap, owner-
 * gated reservations stop with the lease, a claim is won once.
 */

import assert from "node:assert/strict";
import type { Coordination } from "../../../gateway/store/coordination.ts";

export interface CoordinationFactory {
  /** Two views of one shared coordination (two nodes; the same object for one process). */
  open(): Promise<{ a: Coordination; b: Coordination; dispose(): Promise<void> }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function coordinationContract(
  name: string,
  factory: CoordinationFactory,
  declare: (name: string, fn: () => Promise<void>) => void = (n, fn) => Deno.test(n, fn),
): void {
  const test = (what: string, body: (a: Coordination, b: Coordination) => Promise<void>) =>
    declare(`${name} coordination: ${what}`, async () => {
      const { a, b, dispose } = await factory.open();
      try {
        await body(a, b);
      } finally {
        await dispose();
      }
    });

  test("a lease excludes other owners, renews for its owner and expires", async (a, b) => {
    const first = await a.acquireLease("dtls:s1", "node-a", 300);
    assert.deepEqual({ held: first.held, owner: first.owner }, { held: true, owner: "node-a" });
    const other = await b.acquireLease("dtls:s1", "node-b", 300);
    assert.equal(other.held, false);
    assert.equal(other.owner, "node-a");
    assert.ok(other.ttlMs > 0 && other.ttlMs <= 300, `ttl ${other.ttlMs}`);
    assert.equal((await a.acquireLease("dtls:s1", "node-a", 300)).held, true); // renewal
    assert.equal((await b.acquireLease("dtls:s2", "node-b", 300)).held, true); // other scope
    await sleep(400);
    const taken = await b.acquireLease("dtls:s1", "node-b", 5000);
    assert.deepEqual({ held: taken.held, owner: taken.owner }, { held: true, owner: "node-b" });
    assert.equal(await a.releaseLease("dtls:s1", "node-a"), false);
    assert.equal(await b.releaseLease("dtls:s1", "node-b"), true);
    assert.equal((await a.acquireLease("dtls:s1", "node-a", 5000)).held, true);
  });

  test("reserved blocks are disjoint under concurrency and survive the lease", async (a, b) => {
    const calls = Array.from(
      { length: 200 },
      (_, i) =>
        (i % 2 ? a : b).reserveBlock("dtls:s1", "epoch1", 1 + (i % 7)).then((first) => ({
          first: first!,
          size: 1 + (i % 7),
        })),
    );
    const blocks = (await Promise.all(calls)).sort((x, y) => x.first - y.first);
    let next = 0;
    for (const { first, size } of blocks) {
      assert.equal(first, next, "blocks must tile 0.. without gaps or overlaps");
      next = first + size;
    }
    assert.equal(await a.reserveBlock("dtls:s1", "epoch2", 10), 0, "counters are independent");
    assert.equal(await b.reserveBlock("dtls:s1", "epoch1", 1), next);
  });

  test("an owner-gated reservation needs the lease", async (a, b) => {
    assert.equal(await a.reserveBlock("dtls:s9", "e", 100, "node-a"), null); // nobody holds it
    await a.acquireLease("dtls:s9", "node-a", 5000);
    assert.equal(await a.reserveBlock("dtls:s9", "e", 100, "node-a"), 0);
    assert.equal(await b.reserveBlock("dtls:s9", "e", 100, "node-b"), null);
    await a.releaseLease("dtls:s9", "node-a");
    await b.acquireLease("dtls:s9", "node-b", 5000);
    assert.equal(await b.reserveBlock("dtls:s9", "e", 100, "node-b"), 100);
    assert.equal(await a.reserveBlock("dtls:s9", "e", 100, "node-a"), null);
  });

  test("a floor raises a counter before the reservation and never lowers it", async (a, b) => {
    assert.equal(await a.reserveBlock("dtls:f", "e", 10, undefined, 5000), 5000);
    assert.equal(await b.reserveBlock("dtls:f", "e", 10, undefined, 100), 5010);
    assert.equal(await b.reserveBlock("dtls:f", "e", 1), 5020);
    await assert.rejects(
      async () => await a.reserveBlock("dtls:f", "e", 1, undefined, -1),
      RangeError,
    );
  });

  test("dropScope forgets lease and counters", async (a, b) => {
    await a.acquireLease("dtls:gone", "node-a", 5000);
    await a.reserveBlock("dtls:gone", "e", 50);
    await b.dropScope("dtls:gone");
    assert.equal((await b.acquireLease("dtls:gone", "node-b", 5000)).held, true);
    assert.equal(await b.reserveBlock("dtls:gone", "e", 1), 0);
  });

  test("a claim is won exactly once until it expires", async (a, b) => {
    const wins = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claimOnce("expire:ep1", "r1", 300)),
    );
    assert.equal(wins.filter(Boolean).length, 1);
    assert.equal(await a.claimOnce("expire:ep1", "r2", 300), true, "another token");
    await sleep(400);
    assert.equal(await b.claimOnce("expire:ep1", "r1", 300), true, "expired claims can be won");
  });

  test("bad arguments are refused", async (a) => {
    await assert.rejects(async () => await a.acquireLease("s", "o", 0), RangeError);
    await assert.rejects(async () => await a.reserveBlock("s", "n", 1.5), RangeError);
    await assert.rejects(async () => await a.claimOnce("s", "t", -1), RangeError);
  });
}
