/**
 * Firmware images (issue 6, POST /api/firmware): uploaded once, kept in the Store namespace
 * `firmware` as a metadata document `image/{id}` plus chunks `chunk/{id}/{n}` of CHUNK_BYTES each
 * (so no single Store document grows with the image), and read back whole for a push or a pull
 * download. The last few images read stay in memory, since a fleet update reads one image often.
 */

import { NAMESPACES, type Store } from "../store/store.ts";

/** Bytes per stored chunk (256 KiB: a few hundred KiB of base64 per Store document). */
export const CHUNK_BYTES = 256 * 1024;

/** Images kept in memory after a read. */
const CACHED_IMAGES = 2;

export interface ImageInfo {
  id: string;
  name?: string;
  size: number;
  /** Hex SHA-256 of the image. */
  sha256: string;
  chunks: number;
  createdAtMs: number;
}

const metaKey = (id: string) => `image/${id}`;
const chunkKey = (id: string, n: number) => `chunk/${id}/${String(n).padStart(6, "0")}`;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource)));
}

export class FirmwareImages {
  readonly #store: Store;
  readonly #clock: () => number;
  /** Most recently read last. */
  readonly #cache = new Map<string, Uint8Array>();

  constructor(store: Store, clock: () => number = Date.now) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Stores an image under a new unguessable id. */
  async add(bytes: Uint8Array, name?: string): Promise<ImageInfo> {
    const id = hex(crypto.getRandomValues(new Uint8Array(10)));
    const chunks = Math.ceil(bytes.length / CHUNK_BYTES);
    for (let n = 0; n < chunks; n++) {
      const part = bytes.slice(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES);
      await this.#store.put(NAMESPACES.firmware, chunkKey(id, n), part);
    }
    const info: ImageInfo = {
      id,
      ...(name !== undefined ? { name } : {}),
      size: bytes.length,
      sha256: await sha256Hex(bytes),
      chunks,
      createdAtMs: this.#clock(),
    };
    await this.#store.put(NAMESPACES.firmware, metaKey(id), info);
    return info;
  }

  info(id: string): Promise<ImageInfo | undefined> {
    return this.#store.get<ImageInfo>(NAMESPACES.firmware, metaKey(id));
  }

  async list(): Promise<ImageInfo[]> {
    const entries = await this.#store.list<ImageInfo>(NAMESPACES.firmware, { prefix: "image/" });
    return entries.map((e) => e.value);
  }

  /** The whole image, or undefined when there is no such image. */
  async bytes(id: string): Promise<Uint8Array | undefined> {
    const cached = this.#cache.get(id);
    if (cached) {
      this.#cache.delete(id);
      this.#cache.set(id, cached);
      return cached;
    }
    const info = await this.info(id);
    if (!info) return undefined;
    const out = new Uint8Array(info.size);
    for (let n = 0; n < info.chunks; n++) {
      const part = await this.#store.get<Uint8Array>(NAMESPACES.firmware, chunkKey(id, n));
      if (!part) throw new Error(`firmware image ${id}: chunk ${n} is missing from the store`);
      out.set(part, n * CHUNK_BYTES);
    }
    this.#cache.set(id, out);
    while (this.#cache.size > CACHED_IMAGES) this.#cache.delete(this.#cache.keys().next().value!);
    return out;
  }

  async delete(id: string): Promise<boolean> {
    const info = await this.info(id);
    if (!info) return false;
    await this.#store.delete(NAMESPACES.firmware, metaKey(id));
    for (let n = 0; n < info.chunks; n++) {
      await this.#store.delete(NAMESPACES.firmware, chunkKey(id, n));
    }
    this.#cache.delete(id);
    return true;
  }
}
