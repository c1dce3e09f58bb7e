/**
 * Store benchmarks (gateway/store): put (overwrite and new key), get and list of a
 * registration-sized document on the memory store and the file store (SQLite WAL, synchronous
 * NORMAL; and FULL for put), each holding 100,000 registrations; and the codec alone.
 * Run: bin/deno bench -A bench/store_bench.ts   (temp files removed on exit)
 */

import { decodeDocument, encodeDocument } from "../gateway/store/codec.ts";
import { openFileStore } from "../gateway/store/file.ts";
import { MemoryStore } from "../gateway/store/memory.ts";
import type { Store } from "../gateway/store/store.ts";

const KEYS = 100_000;
const NS = "registration";

/** Shaped like a stored Registration (DESIGN.md §6), ~500 bytes of JSON. */
function registration(i: number) {
  return {
    endpoint: `urn:imei:${35_000_000_000_000 + i}`,
    registrationId: `r${i.toString(36)}x9f3a7c21d4e5`,
    lwm2mVersion: "1.1",
    lifetimeSec: 300,
    binding: "U",
    queueMode: false,
    address: `10.0.${(i >> 8) & 255}.${i & 255}:5683`,
    secure: false,
    rootPath: "/",
    objectLinks: ["/1/0", "/3/0", "/4/0", "/5/0", "/3311/0", "/3311/1"].map((path) => ({
      path,
      attributes: {},
    })),
    supportedFormats: [110, 112, 11542, 11543],
    registeredAtMs: 1_700_000_000_000 + i,
    lastSeenAtMs: 1_700_000_000_000 + i,
    token: new Uint8Array([i & 255, 1, 2, 3, 4, 5, 6, 7]),
  };
}

const key = (i: number) => `urn:imei:${35_000_000_000_000 + i}`;
const dir = await Deno.makeTempDir({ prefix: "store_bench_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

async function filled(store: Store): Promise<Store> {
  for (let i = 0; i < KEYS; i++) await store.put(NS, key(i), registration(i));
  return store;
}

const stores: [string, Store][] = [
  ["memory", await filled(new MemoryStore())],
  ["file", await filled(await openFileStore(`${dir}/normal.db`))],
];
const full = await openFileStore(`${dir}/full.db`, { synchronous: "full" });
console.log(`document: ${JSON.stringify(registration(1)).length} bytes of JSON`);

let n = 0;
const next = () => (n = (n * 1103515245 + 12345) >>> 0) % KEYS;
for (const [name, store] of stores) {
  let fresh = KEYS;
  Deno.bench(`${name}: put (overwrite)`, { group: "put" }, async () => {
    const i = next();
    await store.put(NS, key(i), registration(i));
  });
  Deno.bench(`${name}: put (new key)`, { group: "put new" }, async () => {
    const i = fresh++;
    await store.put(NS, key(i), registration(i));
  });
  Deno.bench(`${name}: get`, { group: "get" }, async () => {
    await store.get(NS, key(next()));
  });
  Deno.bench(`${name}: list 100 after a cursor`, { group: "list" }, async () => {
    await store.list(NS, { after: key(next()), limit: 100 });
  });
  Deno.bench(`${name}: list by prefix (~10 keys)`, { group: "prefix" }, async () => {
    await store.list(NS, { prefix: key(next()).slice(0, -1) });
  });
}
Deno.bench("file synchronous=FULL: put (fsync each)", { group: "put" }, async () => {
  const i = next();
  await full.put(NS, key(i), registration(i));
});
Deno.bench("file: flush (WAL checkpoint + fsync)", async () => {
  await stores[1][1].put(NS, key(next()), registration(1));
  await stores[1][1].flush();
});
const text = encodeDocument(registration(7));
Deno.bench("codec: encodeDocument", { group: "codec" }, () => {
  encodeDocument(registration(7));
});
Deno.bench("codec: decodeDocument", { group: "codec" }, () => {
  decodeDocument(text);
});
Deno.bench("codec: JSON.parse alone (baseline)", { group: "codec" }, () => {
  JSON.parse(text);
});
