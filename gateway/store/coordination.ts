/**
 * Coordination: the atomic primitives several gateway nodes need on top of the Store (issue 10),
 * with one interface for every backend. The Redis store implements it with single-slot Lua
 * scripts (gateway/store/redis.ts); `LocalCoordination` serves the memory and file stores, where
 * one process is the whole cluster. Users:
 *   - DTLS (issue 8): one owner node per session (`acquireLease`/`releaseLease` on scope
 *     `dtls:<sessionId>`), record sequence numbers reserved in blocks (`reserveBlock` with the
 *     owner, so a node that lost its lease can reserve nothing) and never handed out twice, so no
 *     two nodes encrypt with the same nonce; `dropScope` when the session ends.
 *   - registration expiry done once across the cluster (`claimOnce`).
 * A scope's keys live in one Redis hash slot, so a scope is also the unit of atomicity.
 */

import { NAMESPACES, type Store } from "./store.ts";

export interface Lease {
  /** Whether the caller holds the lease after this call. */
  held: boolean;
  /** Who holds it (null: nobody). */
  owner: string | null;
  /** Milliseconds left on the lease (0 when nobody holds it). */
  ttlMs: number;
}

export interface Coordination {
  /**
   * Takes the lease on `scope` for `owner` for `ttlMs`, or renews it when `owner` already holds
   * it; fails (held false, naming the holder) while another owner's lease runs.
   */
  acquireLease(scope: string, owner: string, ttlMs: number): Promise<Lease>;
  /** Ends the lease if `owner` holds it; true when it did. */
  releaseLease(scope: string, owner: string): Promise<boolean>;
  /**
   * Reserves `size` consecutive values of counter `name` in `scope` and returns the first one
   * (counters start at 0 and only grow while the scope exists). With `owner`, reserves only while
   * `owner` holds the scope's lease, and returns null otherwise. With `floor`, the counter is first
   * raised to at least `floor` (e.g. a reservation recorded before the counter existed).
   */
  reserveBlock(
    scope: string,
    name: string,
    size: number,
    owner?: string,
    floor?: number,
  ): Promise<number | null>;
  /** True for exactly one caller per (scope, token) until `ttlMs` passed. */
  claimOnce(scope: string, token: string, ttlMs: number): Promise<boolean>;
  /** Forgets the lease and the counters of `scope` (claims end with their own ttl). */
  dropScope(scope: string): Promise<void>;
}

/** Stores that coordinate several processes implement this too (the Redis store). */
export interface CoordinatingStore extends Store {
  readonly coordination: Coordination;
}

export function isCoordinating(store: Store): store is CoordinatingStore {
  return "coordination" in store && (store as CoordinatingStore).coordination !== undefined;
}

/** The store's own coordination, or a LocalCoordination over it (one process). */
export function coordinationOf(store: Store, clock: () => number = Date.now): Coordination {
  return isCoordinating(store) ? store.coordination : new LocalCoordination(store, clock);
}

export function checkPositiveInteger(value: number, what: string, orZero = false): void {
  if (!Number.isSafeInteger(value) || value < (orZero ? 0 : 1)) {
    throw new RangeError(
      `${what} must be a ${orZero ? "non-negative" : "positive"} integer, got ${value}`,
    );
  }
}

/**
 * Coordination inside one process: leases and claims in memory (a restart ends them, as it ends
 * the process holding them), counters persisted in the store's `counter` namespace so they keep
 * growing across restarts. Reservations on one counter are serialised in this process.
 */
export class LocalCoordination implements Coordination {
  readonly #store: Store;
  readonly #clock: () => number;
  readonly #leases = new Map<string, { owner: string; untilMs: number }>();
  readonly #claims = new Map<string, number>();
  #chain: Promise<unknown> = Promise.resolve();

  constructor(store: Store, clock: () => number = Date.now) {
    this.#store = store;
    this.#clock = clock;
  }

  #lease(scope: string): { owner: string; untilMs: number } | undefined {
    const lease = this.#leases.get(scope);
    if (lease && lease.untilMs <= this.#clock()) {
      this.#leases.delete(scope);
      return undefined;
    }
    return lease;
  }

  acquireLease(scope: string, owner: string, ttlMs: number): Promise<Lease> {
    checkPositiveInteger(ttlMs, "lease ttlMs");
    const lease = this.#lease(scope);
    if (lease && lease.owner !== owner) {
      return Promise.resolve({
        held: false,
        owner: lease.owner,
        ttlMs: lease.untilMs - this.#clock(),
      });
    }
    this.#leases.set(scope, { owner, untilMs: this.#clock() + ttlMs });
    return Promise.resolve({ held: true, owner, ttlMs });
  }

  releaseLease(scope: string, owner: string): Promise<boolean> {
    if (this.#lease(scope)?.owner !== owner) return Promise.resolve(false);
    this.#leases.delete(scope);
    return Promise.resolve(true);
  }

  reserveBlock(
    scope: string,
    name: string,
    size: number,
    owner?: string,
    floor = 0,
  ): Promise<number | null> {
    checkPositiveInteger(size, "block size");
    checkPositiveInteger(floor, "counter floor", true);
    const work = this.#chain.then(async () => {
      if (owner !== undefined && this.#lease(scope)?.owner !== owner) return null;
      const key = `${scope}\n${name}`;
      const stored = (await this.#store.get<number>(NAMESPACES.counter, key)) ?? 0;
      const first = Math.max(stored, floor);
      await this.#store.put(NAMESPACES.counter, key, first + size);
      return first;
    });
    this.#chain = work.catch(() => {});
    return work;
  }

  claimOnce(scope: string, token: string, ttlMs: number): Promise<boolean> {
    checkPositiveInteger(ttlMs, "claim ttlMs");
    const key = `${scope}\n${token}`;
    const now = this.#clock();
    const until = this.#claims.get(key);
    if (until !== undefined && until > now) return Promise.resolve(false);
    this.#claims.set(key, now + ttlMs);
    if (this.#claims.size > 10_000) {
      for (const [k, u] of this.#claims) if (u <= now) this.#claims.delete(k);
    }
    return Promise.resolve(true);
  }

  dropScope(scope: string): Promise<void> {
    this.#leases.delete(scope);
    const work = this.#chain.then(async () => {
      const prefix = `${scope}\n`;
      for (const { key } of await this.#store.list(NAMESPACES.counter, { prefix })) {
        await this.#store.delete(NAMESPACES.counter, key);
      }
    });
    this.#chain = work.catch(() => {});
    return work;
  }
}
