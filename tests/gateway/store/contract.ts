/**
 * The Store contract suite (gateway/store/store.ts), one definition run against every backend:
 * memory_store_test.ts and file_store_test.ts call storeContract() with a factory, and the Redis
 * backend (issue 10) will do the same. Each test gets a fresh, empty store and disposes of it.
 */

import assert from "node:assert/strict";
import { UnstorableValueError } from "../../../gateway/store/codec.ts";
import type { Namespace, Store } from "../../../gateway/store/store.ts";

export interface StoreFactory {
  /** A fresh empty store, and how to remove whatever it left behind (after close). */
  open(): Promise<{ store: Store; dispose(): Promise<void> }>;
}

const REG: Namespace = "registration";
const OBS: Namespace = "observation";

/** UTF-8 byte-wise comparison: the order the contract promises. */
export function compareUtf8(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** Deterministic shuffle (xorshift), so a failure reproduces. */
export function shuffled<T>(items: readonly T[], seed = 0x9e3779b9): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13, s >>>= 0, s ^= s >>> 17, s ^= s << 5, s >>>= 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** A document with every kind of value the codec carries. */
export function richDocument(i: number) {
  return {
    endpoint: `urn:dev:${i}`,
    lifetime: 300 + i,
    ratio: 0.1 + i,
    queueMode: i % 2 === 0,
    rootPath: null,
    note: "héllo 😀 \u0000 \uFFFF",
    links: [{ path: `/3/${i}`, attributes: { ct: "110" } }, []],
    key: new Uint8Array([i & 0xff, 0, 255, 128]),
    empty: new Uint8Array(0),
    counter: 2n ** 64n + BigInt(i),
    negative: -(2n ** 63n),
    literal: { $bytes: "not base64!" },
    literal2: { $object: { $bigint: 1 } },
    ["__proto__"]: { odd: true },
  };
}

export function storeContract(backend: string, factory: StoreFactory): void {
  const test = (name: string, body: (store: Store) => Promise<void>) =>
    Deno.test(`${backend} store: ${name}`, async () => {
      const { store, dispose } = await factory.open();
      try {
        await body(store);
      } finally {
        await store.close();
        await dispose();
      }
    });

  test("get/put/overwrite/delete one key", async (store) => {
    assert.equal(await store.get(REG, "ep1"), undefined);
    await store.put(REG, "ep1", { lifetime: 300 });
    assert.deepEqual(await store.get(REG, "ep1"), { lifetime: 300 });
    await store.put(REG, "ep1", { lifetime: 60, binding: "UQ" });
    assert.deepEqual(await store.get(REG, "ep1"), { lifetime: 60, binding: "UQ" });
    await store.delete(REG, "ep1");
    assert.equal(await store.get(REG, "ep1"), undefined);
    await store.delete(REG, "ep1"); // deleting an absent key is a no-op
    await store.put(REG, "", "empty key, string value");
    assert.equal(await store.get(REG, ""), "empty key, string value");
    assert.deepEqual(await store.list(REG), [{ key: "", value: "empty key, string value" }]);
  });

  test("callers cannot mutate stored state", async (store) => {
    const doc = { links: ["/3/0"], bytes: new Uint8Array([1, 2]) };
    await store.put(REG, "ep", doc);
    doc.links.push("/5/0");
    doc.bytes[0] = 9;
    const read = await store.get<typeof doc>(REG, "ep");
    assert.deepEqual(read, { links: ["/3/0"], bytes: new Uint8Array([1, 2]) });
    read!.links.push("/4/0");
    const listed = await store.list<typeof doc>(REG);
    listed[0].value.links.length = 0;
    assert.deepEqual((await store.get<typeof doc>(REG, "ep"))!.links, ["/3/0"]);
  });

  test("bytes, bigint and tag-like objects round-trip exactly", async (store) => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    await store.put(REG, "rich", richDocument(7));
    await store.put(REG, "bytes", all);
    await store.put(REG, "big", -123456789012345678901234567890n);
    const rich = await store.get<ReturnType<typeof richDocument>>(REG, "rich");
    assert.deepEqual(rich, richDocument(7));
    assert.ok(rich!.key instanceof Uint8Array && Object.hasOwn(rich!, "__proto__"));
    assert.equal(Object.getPrototypeOf(rich), Object.prototype);
    assert.deepEqual(await store.get(REG, "bytes"), all);
    assert.equal(await store.get(REG, "big"), -123456789012345678901234567890n);
    assert.deepEqual((await store.list(REG, { prefix: "ri" }))[0].value, richDocument(7));
  });

  test("unstorable values and bad keys are rejected and change nothing", async (store) => {
    await store.put(REG, "ep", 1);
    for (const bad of [NaN, Infinity, new Date(0), new Map(), undefined, () => 0, [1, undefined]]) {
      await assert.rejects(store.put(REG, "ep", bad), UnstorableValueError);
    }
    await assert.rejects(store.put(REG, "ep", { a: { b: [0, Symbol()] } }), /at \.a\.b\[1\]/);
    assert.equal(await store.get(REG, "ep"), 1);
    for (const key of ["a\0b", "\uD800", "x\uDC00"]) {
      await assert.rejects(store.put(REG, key, 1), TypeError);
      await assert.rejects(store.get(REG, key), TypeError);
    }
    await assert.rejects(store.put("nope" as Namespace, "k", 1), /unknown store namespace/);
    await assert.rejects(store.list(REG, { limit: -1 }), TypeError);
    await assert.rejects(store.list(REG, { limit: 1.5 }), TypeError);
    await assert.rejects(store.list(REG, { prefix: "\uD83D" }), TypeError);
    assert.deepEqual(await store.list(REG), [{ key: "ep", value: 1 }]);
  });

  test("namespaces are isolated", async (store) => {
    await store.put(REG, "ep", { in: "registration" });
    await store.put(OBS, "ep", { in: "observation" });
    await store.put(OBS, "ep|1", { in: "observation" });
    assert.deepEqual(await store.get(REG, "ep"), { in: "registration" });
    assert.deepEqual((await store.list(REG)).map((e) => e.key), ["ep"]);
    assert.deepEqual((await store.list(OBS)).map((e) => e.key), ["ep", "ep|1"]);
    await store.delete(REG, "ep");
    assert.deepEqual(await store.get(OBS, "ep"), { in: "observation" });
    assert.deepEqual(await store.list("security"), []);
  });

  test("list pages 1000 keys in order with prefix, after and limit", async (store) => {
    const keys = Array.from({ length: 1000 }, (_, i) => `ep-${i}`); // ep-10 < ep-100 < ep-2
    for (const key of shuffled(keys)) await store.put(REG, key, { key });
    await store.put(OBS, "ep-0", "other namespace");
    const sorted = [...keys].sort(compareUtf8);
    const all = await store.list<{ key: string }>(REG);
    assert.deepEqual(all.map((e) => e.key), sorted);
    assert.ok(all.every((e) => e.value.key === e.key));

    const paged: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.list(REG, { after, limit: 99 });
      paged.push(...page.map((e) => e.key));
      if (page.length < 99) break;
      after = page[page.length - 1].key;
    }
    assert.deepEqual(paged, sorted);

    const with12 = sorted.filter((k) => k.startsWith("ep-12"));
    assert.deepEqual((await store.list(REG, { prefix: "ep-12" })).map((e) => e.key), with12);
    assert.equal(with12.length, 11); // ep-12, ep-120..ep-129
    const page = await store.list(REG, { prefix: "ep-12", after: "ep-123", limit: 3 });
    assert.deepEqual(page.map((e) => e.key), ["ep-124", "ep-125", "ep-126"]);
    const before = await store.list(REG, { prefix: "ep-12", after: "ep-1", limit: 2 });
    assert.deepEqual(before.map((e) => e.key), ["ep-12", "ep-120"]);
    assert.deepEqual(await store.list(REG, { limit: 0 }), []);
    assert.deepEqual(await store.list(REG, { after: "ep-999" }), []);
    assert.deepEqual(await store.list(REG, { prefix: "ep-12", after: "ep-13" }), []);
    assert.deepEqual(await store.list(REG, { prefix: "zz" }), []);

    for (const key of keys.filter((_, i) => i % 2 === 1)) await store.delete(REG, key);
    const left = sorted.filter((k) => Number(k.slice(3)) % 2 === 0);
    assert.deepEqual((await store.list(REG)).map((e) => e.key), left);
  });

  test("list orders non-ASCII keys byte-wise on UTF-8", async (store) => {
    const keys = [
      "",
      "Z",
      "a",
      "ab",
      "z",
      "é",
      "\u00FF",
      "\u07FF",
      "\u0800",
      "\uD7FF",
      "\uD7FF\u{1F600}",
      "\uE000",
      "\uFFFF",
      "\u{10000}",
      "\u{1F600}",
      "\u{10FFFF}",
      "a\u{10FFFF}",
      "a\u{10FFFF}b",
      "a\u{10FFFF}\u{10FFFF}",
      "b",
      "\u0001",
      "A\u{1F600}",
      "A\uFFFD",
    ];
    for (const key of shuffled(keys)) await store.put(REG, key, key);
    const sorted = [...keys].sort(compareUtf8);
    assert.deepEqual((await store.list(REG)).map((e) => e.key), sorted);
    for (const prefix of ["a\u{10FFFF}", "\uD7FF", "\uE000", "A", "\u{10FFFF}"]) {
      const want = sorted.filter((k) => k.startsWith(prefix));
      const got = (await store.list(REG, { prefix })).map((e) => e.key);
      assert.deepEqual(got, want, `prefix ${JSON.stringify(prefix)}`);
    }
    const afterFFFF = (await store.list(REG, { after: "\uFFFF", limit: 2 })).map((e) => e.key);
    assert.deepEqual(afterFFFF, ["\u{10000}", "\u{1F600}"]);
  });

  test("flush resolves, close is idempotent and later calls reject", async (store) => {
    await store.put(REG, "ep", 1);
    await store.flush();
    await store.close();
    await store.close();
    await assert.rejects(store.get(REG, "ep"), /closed/);
    await assert.rejects(store.put(REG, "ep", 2), /closed/);
    await assert.rejects(store.list(REG), /closed/);
    await assert.rejects(store.flush(), /closed/);
  });
}
