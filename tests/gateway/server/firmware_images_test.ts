/** Tests of the chunked firmware image store (gateway/server/firmware_images.ts). */

import assert from "node:assert/strict";
import { CHUNK_BYTES, FirmwareImages, sha256Hex } from "../../../gateway/server/firmware_images.ts";
import { MemoryStore } from "../../../gateway/store/memory.ts";
import { NAMESPACES } from "../../../gateway/store/store.ts";

function image(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

Deno.test("an image larger than a chunk is stored in chunks and read back whole", async () => {
  const store = new MemoryStore();
  const images = new FirmwareImages(store, () => 5);
  const bytes = image(CHUNK_BYTES * 2 + 123);
  const info = await images.add(bytes, "v2.bin");
  assert.equal(info.size, bytes.length);
  assert.equal(info.chunks, 3);
  assert.equal(info.sha256, await sha256Hex(bytes));
  assert.match(info.id, /^[0-9a-f]{20}$/);
  const keys = (await store.list(NAMESPACES.firmware)).map((e) => e.key);
  assert.equal(keys.length, 4);
  assert.deepEqual(await new FirmwareImages(store).bytes(info.id), bytes, "read from the store");
  assert.deepEqual((await images.list()).map((i) => i.name), ["v2.bin"]);
  assert.equal(await images.delete(info.id), true);
  assert.equal((await store.list(NAMESPACES.firmware)).length, 0);
  assert.equal(await images.bytes(info.id), undefined);
  assert.equal(await images.delete(info.id), false);
});
