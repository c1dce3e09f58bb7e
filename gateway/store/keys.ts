/**
 * Store key rules shared by every backend (gateway/store). Keys and prefixes are well-formed
 * UTF-16 strings without NUL (SQLite's C API truncates at NUL; a lone surrogate cannot become
 * UTF-8). Order is byte-wise on UTF-8, which equals Unicode code point order; JavaScript's `<`
 * compares UTF-16 code units and differs where U+E000..U+FFFF meet astral characters, so in-memory
 * indexes compare `sortKey(k)` instead. Also the backends' tiny shared helper `run`.
 */

import { type Namespace, NAMESPACES } from "./store.ts";

const KNOWN_NAMESPACES: ReadonlySet<string> = new Set(Object.values(NAMESPACES));

/** Throws a TypeError unless `ns` is one of NAMESPACES. */
export function checkNamespace(ns: Namespace): void {
  if (!KNOWN_NAMESPACES.has(ns)) throw new TypeError(`unknown store namespace: ${String(ns)}`);
}

/** Throws a TypeError unless `key` may be stored (what: "key", "prefix", "after"). */
export function checkKey(key: string, what = "key"): void {
  if (typeof key !== "string") throw new TypeError(`store ${what} must be a string`);
  if (!key.isWellFormed()) throw new TypeError(`store ${what} has a lone surrogate`);
  if (key.includes("\0")) throw new TypeError(`store ${what} contains NUL`);
}

/** Throws a TypeError unless `limit` is absent or a non-negative integer. */
export function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new TypeError(`store list limit must be a non-negative integer, got ${limit}`);
  }
}

const HIGH_UNITS = /[\uD800-\uFFFF]/;
const HIGH_UNITS_G = /[\uD800-\uFFFF]/g;
const HIGH_SORT_UNITS_G = /[\uD800-\uFFFF]/g;

/**
 * A string whose code-unit order (`<`) is the code point order of `key`: units U+E000..U+FFFF
 * move down by 0x800 and surrogates move up by 0x2000 above them. Prefixes are preserved.
 */
export function sortKey(key: string): string {
  if (!HIGH_UNITS.test(key)) return key;
  return key.replace(HIGH_UNITS_G, (c) => {
    const u = c.charCodeAt(0);
    return String.fromCharCode(u >= 0xe000 ? u - 0x800 : u + 0x2000);
  });
}

/** Inverse of sortKey. */
export function keyOfSortKey(sorted: string): string {
  if (!HIGH_UNITS.test(sorted)) return sorted;
  return sorted.replace(HIGH_SORT_UNITS_G, (c) => {
    const u = c.charCodeAt(0);
    return String.fromCharCode(u >= 0xf800 ? u - 0x2000 : u + 0x800);
  });
}

/**
 * The least string above every string that starts with `prefix` (code point order), or null
 * when there is none: the last code point incremented, trailing U+10FFFF dropped first.
 */
export function prefixEnd(prefix: string): string | null {
  const points = [...prefix].map((c) => c.codePointAt(0)!);
  while (points.length > 0 && points[points.length - 1] === 0x10ffff) points.pop();
  if (points.length === 0) return null;
  let last = points[points.length - 1] + 1;
  if (last === 0xd800) last = 0xe000; // surrogates are not code points of a well-formed string
  points[points.length - 1] = last;
  return String.fromCodePoint(...points);
}

/** Runs synchronous work as a Promise, so a thrown error becomes a rejection. */
export function run<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (e) {
    return Promise.reject(e);
  }
}
