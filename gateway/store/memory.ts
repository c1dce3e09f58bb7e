/**
 * MemoryStore: the Store (store.ts) held in this process, for `--store memory` and tests. Values
 * are kept as encoded JSON text (codec.ts), so callers never share or mutate stored state, and the
 * same values are accepted and rejected as by the file and Redis backends. Each namespace has a
 * Map for get/put and a SortedKeys index (in code point order, see keys.ts) for list.
 */

import { decodeDocument, encodeDocument } from "./codec.ts";
import { checkKey, checkLimit, checkNamespace, keyOfSortKey, run, sortKey } from "./keys.ts";
import type { ListOptions, Namespace, Store } from "./store.ts";
import { SortedKeys } from "./sorted_keys.ts";

interface Space {
  /** sortKey(key) -> encoded value. */
  values: Map<string, string>;
  order: SortedKeys;
}

export class MemoryStore implements Store {
  readonly kind = "memory";
  #spaces = new Map<Namespace, Space>();
  #closed = false;

  get<T>(ns: Namespace, key: string): Promise<T | undefined> {
    return run(() => {
      this.#check(ns, key);
      const text = this.#spaces.get(ns)?.values.get(sortKey(key));
      return text === undefined ? undefined : decodeDocument<T>(text);
    });
  }

  put<T>(ns: Namespace, key: string, value: T): Promise<void> {
    return run(() => {
      this.#check(ns, key);
      const text = encodeDocument(value);
      let space = this.#spaces.get(ns);
      if (space === undefined) {
        space = { values: new Map(), order: new SortedKeys() };
        this.#spaces.set(ns, space);
      }
      const sk = sortKey(key);
      if (!space.values.has(sk)) space.order.insert(sk);
      space.values.set(sk, text);
    });
  }

  delete(ns: Namespace, key: string): Promise<void> {
    return run(() => {
      this.#check(ns, key);
      const space = this.#spaces.get(ns);
      const sk = sortKey(key);
      if (space?.values.delete(sk)) space.order.delete(sk);
    });
  }

  list<T>(ns: Namespace, options: ListOptions = {}): Promise<{ key: string; value: T }[]> {
    return run(() => {
      const { prefix = "", after, limit = Infinity } = options;
      this.#check(ns, prefix, "prefix");
      if (after !== undefined) checkKey(after, "after");
      checkLimit(options.limit);
      const out: { key: string; value: T }[] = [];
      const space = this.#spaces.get(ns);
      if (space === undefined || limit === 0) return out;
      const low = sortKey(prefix);
      const skAfter = after === undefined ? undefined : sortKey(after);
      const fromAfter = skAfter !== undefined && skAfter >= low;
      for (const sk of space.order.from(fromAfter ? skAfter : low, fromAfter)) {
        if (!sk.startsWith(low)) break;
        out.push({ key: keyOfSortKey(sk), value: decodeDocument<T>(space.values.get(sk)!) });
        if (out.length >= limit) break;
      }
      return out;
    });
  }

  flush(): Promise<void> {
    return run(() => this.#check());
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#spaces.clear();
    return Promise.resolve();
  }

  #check(ns?: Namespace, key?: string, what?: string): void {
    if (this.#closed) throw new Error("memory store is closed");
    if (ns !== undefined) checkNamespace(ns);
    if (key !== undefined) checkKey(key, what);
  }
}
