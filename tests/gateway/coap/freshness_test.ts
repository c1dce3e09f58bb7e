/**
 * Unit tests of the Observe freshness rule (RFC 7641 §3.4) in gateway/coap/freshness.ts: with V1/T1
 * the newest accepted notification and V2/T2 the new one, V2 is fresh if V1 < V2 and V2 - V1 < 2^23,
 * or V1 > V2 and V1 - V2 > 2^23 (24-bit wrap), or T2 > T1 + 128 s.
 */

import assert from "node:assert/strict";
import { isFresh } from "../../../gateway/coap/freshness.ts";

const HALF = 1 << 23;
const MAX = (1 << 24) - 1;

Deno.test("the first notification (no previous sequence) is always fresh", () => {
  assert.equal(isFresh(-1, 0, 0, 0), true);
  assert.equal(isFresh(-1, 0, MAX, 0), true);
});

Deno.test("a larger sequence number less than 2^23 ahead is fresh", () => {
  assert.equal(isFresh(10, 0, 11, 1), true);
  assert.equal(isFresh(10, 0, 10 + HALF - 1, 1), true);
});

Deno.test("an equal sequence number is not fresh", () => {
  assert.equal(isFresh(10, 0, 10, 1), false);
});

Deno.test("a larger sequence number 2^23 or more ahead is not fresh (it is an old one that wrapped)", () => {
  assert.equal(isFresh(10, 0, 10 + HALF, 1), false);
  assert.equal(isFresh(0, 0, MAX, 1), false);
});

Deno.test("a smaller sequence number is not fresh unless it is more than 2^23 behind", () => {
  assert.equal(isFresh(100, 0, 99, 1), false);
  assert.equal(isFresh(HALF + 5, 0, 5, 1), false, "exactly 2^23 behind is not fresh");
  assert.equal(isFresh(HALF + 5, 0, 4, 1), true);
});

Deno.test("the 24-bit wrap: 0 and small numbers after 0xFFFFFF are fresh", () => {
  assert.equal(isFresh(MAX, 0, 0, 1), true);
  assert.equal(isFresh(MAX, 0, 1000, 1), true);
  assert.equal(isFresh(MAX - 10, 0, MAX - 5, 1), true);
});

Deno.test("after more than 128 s any sequence number is fresh", () => {
  assert.equal(
    isFresh(100, 5000, 50, 5000 + 128_000),
    false,
    "exactly 128 s is not more than 128 s",
  );
  assert.equal(isFresh(100, 5000, 50, 5000 + 128_001), true);
  assert.equal(isFresh(100, 5000, 100, 5000 + 200_000), true);
});

Deno.test("within the 128 s window the sequence rule decides", () => {
  assert.equal(isFresh(100, 5000, 50, 5000 + 127_999), false);
  assert.equal(isFresh(100, 5000, 101, 5000 + 127_999), true);
});
