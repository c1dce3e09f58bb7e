/**
 * RedisStore: the Store (store.ts) on Redis for several gateway nodes (`--store redis://...`,
 * issue 10), plus the Coordination primitives (coordination.ts) the cluster and DTLS build on.
 *
 * Key design (P = key prefix, default "lwm2m"; `{...}` is the Redis Cluster hash tag):
 *   {P:NS}:doc        HASH  field = store key -> document JSON (codec.ts, same text as every backend)
 *   {P:NS}:keys       ZSET  member = store key, score 0: ZRANGEBYLEX walks members in byte order,
 *                           which on UTF-8 is the contract's code point order; prefix/after/limit
 *                           become a [min, max) lex range with LIMIT
 *   {P:scope:S}:lease STRING owner, PX ttl         (acquireLease/releaseLease)
 *   {P:scope:S}:seq   HASH  counter -> next value  (reserveBlock, HINCRBY)
 *   {P:scope:S}:claim:T STRING, SET NX PX          (claimOnce)
 * Both keys of a namespace share one hash tag, so a put or delete updates document and index in
 * one Lua script (atomic on one server and on Redis Cluster: no CROSSSLOT, no lock); list reads
 * both in one script per page of LIST_PAGE keys. A scope's keys share a tag too, so "reserve only
 * while the lease is held" is one script. Nothing ever touches two slots in one command. The cost:
 * each namespace lives in one slot, i.e. on one shard (1,000,000 registrations: 800 MB, see
 * bench/RESULTS.md), while different namespaces and scopes spread over the shards.
 * Durability is Redis's own (RDB/AOF, see docs/operations.md); flush() checks the link.
 */

import { decodeDocument, encodeDocument } from "./codec.ts";
import { checkPositiveInteger, type Coordination, type Lease } from "./coordination.ts";
import { checkKey, checkLimit, checkNamespace, prefixEnd, sortKey } from "./keys.ts";
import { luaScript, type RedisLink } from "./redis_link.ts";
import type { ListOptions, Namespace, Store } from "./store.ts";

/** Keys read per list() script call: bounds the time one call holds the Redis thread. */
const LIST_PAGE = 1000;

const PUT = luaScript(
  "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]); redis.call('ZADD', KEYS[2], 0, ARGV[1]); return 1",
);
const DELETE = luaScript(
  "redis.call('HDEL', KEYS[1], ARGV[1]); redis.call('ZREM', KEYS[2], ARGV[1]); return 1",
);
const LIST = luaScript(`
local keys = redis.call('ZRANGEBYLEX', KEYS[2], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
if #keys == 0 then return {{}, {}} end
return {keys, redis.call('HMGET', KEYS[1], unpack(keys))}`);
const ACQUIRE = luaScript(`
local owner = redis.call('GET', KEYS[1])
if (not owner) or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, ARGV[1], tonumber(ARGV[2])}
end
return {0, owner, redis.call('PTTL', KEYS[1])}`);
const RELEASE = luaScript(
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
);
const RESERVE = luaScript(`
if ARGV[3] == '1' and redis.call('GET', KEYS[1]) ~= ARGV[4] then return false end
if tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') < tonumber(ARGV[5]) then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[5])
end
return redis.call('HINCRBY', KEYS[2], ARGV[1], ARGV[2]) - tonumber(ARGV[2])`);

export interface RedisStoreOptions {
  /** Prefix of every Redis key (several deployments, or tests, on one Redis). */
  prefix?: string;
}

/** Throws unless `prefix` can start a hash tag (no braces). */
function checkPrefix(prefix: string): void {
  if (/[{}]/.test(prefix) || prefix.includes("\0")) {
    throw new TypeError(`redis key prefix must not contain braces or NUL: ${prefix}`);
  }
}

export class RedisStore implements Store {
  readonly kind = "redis";
  readonly link: RedisLink;
  readonly prefix: string;
  readonly coordination: Coordination;
  #closed = false;

  constructor(link: RedisLink, options: RedisStoreOptions = {}) {
    this.link = link;
    this.prefix = options.prefix ?? "lwm2m";
    checkPrefix(this.prefix);
    this.coordination = new RedisCoordination(this);
  }

  /** The document hash and the key index of a namespace (one hash slot). */
  #keys(ns: Namespace): [string, string] {
    const tag = `{${this.prefix}:${ns}}`;
    return [`${tag}:doc`, `${tag}:keys`];
  }

  async get<T>(ns: Namespace, key: string): Promise<T | undefined> {
    this.check(ns, key);
    const [doc] = this.#keys(ns);
    const text = await this.link.command<string | null>(["HGET", doc, key], doc);
    return text === null || text === undefined ? undefined : decodeDocument<T>(text);
  }

  async put<T>(ns: Namespace, key: string, value: T): Promise<void> {
    this.check(ns, key);
    const text = encodeDocument(value);
    await this.link.script(PUT, this.#keys(ns), [key, text]);
  }

  async delete(ns: Namespace, key: string): Promise<void> {
    this.check(ns, key);
    await this.link.script(DELETE, this.#keys(ns), [key]);
  }

  async list<T>(ns: Namespace, options: ListOptions = {}): Promise<{ key: string; value: T }[]> {
    const { prefix = "", after, limit = Infinity } = options;
    this.check(ns, prefix, "prefix");
    if (after !== undefined) checkKey(after, "after");
    checkLimit(options.limit);
    const out: { key: string; value: T }[] = [];
    const fromAfter = after !== undefined && sortKey(after) >= sortKey(prefix);
    let min = fromAfter ? `(${after}` : prefix === "" ? "-" : `[${prefix}`;
    const end = prefixEnd(prefix);
    const max = end === null ? "+" : `(${end}`;
    const keys = this.#keys(ns);
    while (out.length < limit) {
      const page = Math.min(LIST_PAGE, limit - out.length);
      const [names, texts] = await this.link.script<[string[], (string | null)[]]>(
        LIST,
        keys,
        [min, max, String(page)],
      );
      names.forEach((key, i) => {
        const text = texts[i];
        if (text !== null && text !== undefined) out.push({ key, value: decodeDocument<T>(text) });
      });
      if (names.length < page) break;
      min = `(${names[names.length - 1]}`;
    }
    return out;
  }

  /** Each write was acknowledged by Redis when it resolved; this checks the link still works. */
  async flush(): Promise<void> {
    this.check();
    await this.link.command(["PING"]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.link.close();
  }

  /** Throws when closed, or for a bad namespace or key. */
  check(ns?: Namespace, key?: string, what?: string): void {
    if (this.#closed) throw new Error(`redis store ${this.link.description} is closed`);
    if (ns !== undefined) checkNamespace(ns);
    if (key !== undefined) checkKey(key, what);
  }

  /** The Redis key `{P:scope:S}:suffix` of a coordination scope. */
  scopeKey(scope: string, suffix: string): string {
    checkKey(scope, "scope");
    return `{${this.prefix}:scope:${scope}}:${suffix}`;
  }
}

/** Coordination on Redis: every call is one command or one single-slot script. */
class RedisCoordination implements Coordination {
  readonly #store: RedisStore;

  constructor(store: RedisStore) {
    this.#store = store;
  }

  async acquireLease(scope: string, owner: string, ttlMs: number): Promise<Lease> {
    this.#store.check();
    checkPositiveInteger(ttlMs, "lease ttlMs");
    if (owner === "") throw new TypeError("lease owner must not be empty");
    const key = this.#store.scopeKey(scope, "lease");
    const [held, holder, left] = await this.#store.link.script<[number, string, number]>(
      ACQUIRE,
      [key],
      [owner, String(ttlMs)],
    );
    return { held: held === 1, owner: holder, ttlMs: Math.max(0, Number(left)) };
  }

  async releaseLease(scope: string, owner: string): Promise<boolean> {
    this.#store.check();
    const key = this.#store.scopeKey(scope, "lease");
    return Number(await this.#store.link.script(RELEASE, [key], [owner])) === 1;
  }

  async reserveBlock(
    scope: string,
    name: string,
    size: number,
    owner?: string,
    floor = 0,
  ): Promise<number | null> {
    this.#store.check();
    checkPositiveInteger(size, "block size");
    checkPositiveInteger(floor, "counter floor", true);
    const keys = [this.#store.scopeKey(scope, "lease"), this.#store.scopeKey(scope, "seq")];
    const first = await this.#store.link.script<number | null>(
      RESERVE,
      keys,
      [name, String(size), owner === undefined ? "0" : "1", owner ?? "", String(floor)],
    );
    return first === null || first === undefined ? null : Number(first);
  }

  async claimOnce(scope: string, token: string, ttlMs: number): Promise<boolean> {
    this.#store.check();
    checkPositiveInteger(ttlMs, "claim ttlMs");
    checkKey(token, "token");
    const key = this.#store.scopeKey(scope, `claim:${token}`);
    const ok = await this.#store.link.command(["SET", key, "1", "NX", "PX", String(ttlMs)], key);
    return ok === "OK";
  }

  async dropScope(scope: string): Promise<void> {
    this.#store.check();
    const keys = [this.#store.scopeKey(scope, "lease"), this.#store.scopeKey(scope, "seq")];
    await this.#store.link.command(["DEL", ...keys], keys[0]); // one slot: allowed on a cluster
  }
}
