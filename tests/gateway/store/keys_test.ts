/**
 * Store key rules (gateway/store/keys.ts): sortKey gives JavaScript's `<` the UTF-8 byte order,
 * and prefixEnd bounds exactly the strings that start with a prefix (the file store's range scan).
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { checkKey, keyOfSortKey, prefixEnd, sortKey } from "../../../gateway/store/keys.ts";
import { compareUtf8 } from "./contract.ts";

/** Well-formed strings biased towards the code points where UTF-16 and UTF-8 order disagree. */
const tricky = fc.string({
  unit: fc.oneof(
    fc.constantFrom("a", "b", "\uD7FF", "\uE000", "\uFFFF", "\u{10000}", "\u{10FFFF}", "é"),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  ),
  maxLength: 6,
});

const sign = (n: number) => Math.sign(n);

Deno.test("sortKey order equals UTF-8 byte order and keyOfSortKey inverts it", () => {
  fc.assert(
    fc.property(tricky, tricky, (a, b) => {
      const js = sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0;
      assert.equal(js, sign(compareUtf8(a, b)));
      assert.equal(keyOfSortKey(sortKey(a)), a);
      assert.equal(sortKey(a).startsWith(sortKey(b)), a.startsWith(b));
    }),
    { numRuns: 5000 },
  );
  assert.ok("\uFFFF" > "\u{1F600}" && sortKey("\uFFFF") < sortKey("\u{1F600}"));
});

Deno.test("prefixEnd bounds exactly the keys that start with the prefix", () => {
  fc.assert(
    fc.property(tricky, tricky, fc.boolean(), (prefix, tail, extend) => {
      const key = extend ? prefix + tail : tail;
      const end = prefixEnd(prefix);
      const inRange = compareUtf8(key, prefix) >= 0 && (end === null || compareUtf8(key, end) < 0);
      assert.equal(inRange, key.startsWith(prefix), JSON.stringify({ prefix, key, end }));
    }),
    { numRuns: 5000 },
  );
  assert.equal(prefixEnd(""), null);
  assert.equal(prefixEnd("\u{10FFFF}\u{10FFFF}"), null);
  assert.equal(prefixEnd("a\u{10FFFF}"), "b");
  assert.equal(prefixEnd("\uD7FF"), "\uE000");
  assert.equal(prefixEnd("\uFFFF"), "\u{10000}");
});

Deno.test("checkKey refuses NUL, lone surrogates and non-strings", () => {
  assert.throws(() => checkKey("a\0"), /NUL/);
  assert.throws(() => checkKey("\uDBFF"), /lone surrogate/);
  assert.throws(() => checkKey(3 as unknown as string), /must be a string/);
  checkKey("urn:imei:490154203237518|obs-1 😀");
});
