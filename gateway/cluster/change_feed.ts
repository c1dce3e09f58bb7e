/**
 * The store as the cluster layer hands it to the rest of a node (issue 10): the Redis store, plus
 * an announcement to the other nodes after each completed put or delete in the namespaces they
 * mirror in memory (registrations, observation records, DTLS credentials), so their indexes
 * follow the store.
 * The announcement carries only namespace and key: a receiver reads the document itself, which
 * makes late or repeated announcements harmless.
 */

import type { CoordinatingStore, Coordination } from "../store/coordination.ts";
import { NAMESPACES } from "../store/store.ts";
import type { ListOptions, Namespace, Store } from "../store/store.ts";

/** Namespaces whose changes other nodes hear about (they keep these in memory). */
export const MIRRORED: ReadonlySet<Namespace> = new Set([
  NAMESPACES.registration,
  NAMESPACES.observation,
  NAMESPACES.security,
]);

export class AnnouncingStore implements CoordinatingStore {
  readonly kind: Store["kind"];
  readonly coordination: Coordination;
  readonly #inner: Store;
  readonly #announce: (ns: Namespace, key: string) => void;

  constructor(
    inner: Store & { coordination: Coordination },
    announce: (ns: Namespace, key: string) => void,
  ) {
    this.kind = inner.kind;
    this.coordination = inner.coordination;
    this.#inner = inner;
    this.#announce = announce;
  }

  get<T>(ns: Namespace, key: string): Promise<T | undefined> {
    return this.#inner.get<T>(ns, key);
  }

  async put<T>(ns: Namespace, key: string, value: T): Promise<void> {
    await this.#inner.put(ns, key, value);
    if (MIRRORED.has(ns)) this.#announce(ns, key);
  }

  async delete(ns: Namespace, key: string): Promise<void> {
    await this.#inner.delete(ns, key);
    if (MIRRORED.has(ns)) this.#announce(ns, key);
  }

  list<T>(ns: Namespace, options?: ListOptions): Promise<{ key: string; value: T }[]> {
    return this.#inner.list<T>(ns, options);
  }

  flush(): Promise<void> {
    return this.#inner.flush();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
