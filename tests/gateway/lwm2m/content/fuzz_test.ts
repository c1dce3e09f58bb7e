/**
 * Fuzzing of every content format (DESIGN.md §3 "fuzzing proves it"; issue 4: undecodable
 * payloads become a typed error, not a crash): random bytes, random JSON-like text and mutations
 * of the fixture vectors must decode to values or throw ContentError, never anything else.
 * Seeded, so a failure names a reproducible case.
 */

import assert from "node:assert/strict";
import {
  ContentError,
  decodeCompositePaths,
  decodeCompositeValues,
  decodeContent,
  decodeTimestampedValues,
} from "../../../../gateway/lwm2m/content/mod.ts";
import { Lwm2mPath } from "../../../../gateway/lwm2m/path.ts";
import { codec, hex, testModels } from "./models.ts";

const models = testModels();
const FORMATS = [0, 42, 60, 110, 112, 320, 322, 11542, 11543, 11544, 1542, 1543];
const TARGETS = ["/", "/3", "/3/0", "/3/0/7", "/3/0/7/1", "/3/0/9", "/42/0/1", "/9999/0", "/65/0/0"]
  .map((t) => Lwm2mPath.parse(t));
const JSON_ALPHABET = `[]{}",:0123456789-.eE nbtvsdlo/ufrae_\\`;

/** mulberry32: a small seeded generator for reproducible fuzz cases. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function decodeAll(format: number, payload: Uint8Array, label: string, own?: Lwm2mPath): void {
  const calls: [string, () => unknown][] = [
    ...(own ? [own, ...TARGETS] : TARGETS).map((t): [string, () => unknown] => [
      `decodeContent ${t}`,
      () => decodeContent(format, payload, t, models, codec),
    ]),
    ["decodeCompositeValues", () => decodeCompositeValues(format, payload, models)],
    ["decodeCompositePaths", () => decodeCompositePaths(format, payload)],
    [
      "decodeTimestampedValues",
      () => decodeTimestampedValues(format, payload, TARGETS[0], models, 0, codec),
    ],
  ];
  for (const [name, call] of calls) {
    try {
      const out = call();
      if (out instanceof Map) { for (const key of out.keys()) Lwm2mPath.parse(key); }
    } catch (e) {
      if (e instanceof ContentError) continue;
      assert.fail(`${name} of format ${format} threw ${e} for ${label}: ${[...payload]}`);
    }
  }
}

function mutate(bytes: Uint8Array, next: () => number): Uint8Array {
  const out = [...bytes];
  const edits = 1 + Math.floor(next() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * (out.length + 1));
    switch (Math.floor(next() * 5)) {
      case 0:
        if (out.length) out[at % out.length] ^= 1 << Math.floor(next() * 8);
        break;
      case 1:
        out.length = at;
        break;
      case 2:
        out.splice(at, 0, Math.floor(next() * 256));
        break;
      case 3:
        out.splice(at, 1);
        break;
      default:
        out.splice(at, 0, ...out.slice(at, at + 1 + Math.floor(next() * 6)));
    }
  }
  return new Uint8Array(out);
}

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("../../../fixtures/content/vectors.json", import.meta.url)),
) as { vectors: { format: number; target: string; hex?: string; text?: string }[] };
const seeds = fixture.vectors.map((v) => ({
  bytes: v.hex !== undefined ? hex(v.hex) : new TextEncoder().encode(v.text!),
  target: Lwm2mPath.parse(v.target),
}));

for (const format of FORMATS) {
  Deno.test(`format ${format}: random bytes decode or fail with ContentError`, () => {
    const next = rng(format);
    for (let n = 0; n < 300; n++) {
      const payload = new Uint8Array(Math.floor(next() * 48)).map(() => Math.floor(next() * 256));
      decodeAll(format, payload, `random case ${n} (seed ${format})`);
    }
  });

  Deno.test(`format ${format}: mutated vectors and JSON-like text decode or fail with ContentError`, () => {
    const next = rng(format + 7);
    for (let n = 0; n < 400; n++) {
      const seed = seeds[Math.floor(next() * seeds.length)];
      decodeAll(
        format,
        mutate(seed.bytes, next),
        `mutation ${n} (seed ${format + 7})`,
        seed.target,
      );
    }
    for (let n = 0; n < 150; n++) {
      const len = Math.floor(next() * 40);
      let text = "";
      for (let i = 0; i < len; i++) {
        text += JSON_ALPHABET[Math.floor(next() * JSON_ALPHABET.length)];
      }
      decodeAll(format, new TextEncoder().encode(text), `text ${n}`);
    }
  });
}
