/**
 * Round trips of every content format at every level it can express (LwM2M Core §7.4; spec
 * digest data-formats.md §3.2: object, instance, resource, multiple resource, resource instance),
 * plus property-based round trips of random instance values (fast-check).
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ContentError,
  decodeContent,
  encodeContent,
} from "../../../../gateway/lwm2m/content/mod.ts";
import { Lwm2mPath } from "../../../../gateway/lwm2m/path.ts";
import type { Lwm2mValue, Lwm2mValues } from "../../../../gateway/lwm2m/values.ts";
import { codec, testModels } from "./models.ts";

const models = testModels();
const bytes = (...b: number[]) => new Uint8Array(b);

const INSTANCE: [string, Lwm2mValue][] = [
  ["/9999/0/0", "héllo"],
  ["/9999/0/1", -(2n ** 63n)],
  ["/9999/0/2", 2n ** 64n - 1n],
  ["/9999/0/3", -12.25],
  ["/9999/0/4", true],
  ["/9999/0/5", bytes(0, 1, 254, 255)],
  ["/9999/0/6", 1700000000],
  ["/9999/0/7", { objectId: 3, instanceId: 0 }],
  ["/9999/0/8", "</3/0>;ct=0"],
  ["/9999/0/10/0", 7],
  ["/9999/0/10/5", 255],
  ["/9999/0/11/1", "a"],
  ["/9999/0/12/0", bytes(9)],
  ["/9999/0/13/2", 0.1],
];

/** Value sets by level, each with its target. */
const LEVELS: Record<string, [string, [string, Lwm2mValue][]]> = {
  object: ["/9999", [
    ...INSTANCE,
    ["/9999/1/0", "second"],
    ["/9999/1/10/0", 1],
  ]],
  instance: ["/9999/0", INSTANCE],
  resource: ["/9999/0/1", [["/9999/0/1", 2n ** 53n + 1n]]],
  multipleResource: ["/9999/0/11", [["/9999/0/11/0", "x"], ["/9999/0/11/7", ""]]],
  resourceInstance: ["/9999/0/10/3", [["/9999/0/10/3", 42]]],
};

const MULTI_FORMATS = [11542, 110, 112, 320, 322, 11543, 11544];

for (const format of MULTI_FORMATS) {
  for (const [level, [target, list]] of Object.entries(LEVELS)) {
    Deno.test(`format ${format} round-trips values at the ${level} level`, () => {
      const values: Lwm2mValues = new Map(list);
      const path = Lwm2mPath.parse(target);
      const payload = encodeContent(format, values, path, models, codec);
      assert.deepEqual(decodeContent(format, payload, path, models, codec), values);
    });
  }
}

const SINGLE: [number, string, Lwm2mValue][] = [
  [0, "/9999/0/0", "héllo, world"],
  [0, "/9999/0/1", -(2n ** 63n)],
  [0, "/9999/0/2", 2n ** 64n - 1n],
  [0, "/9999/0/3", 1e-7],
  [0, "/9999/0/4", false],
  [0, "/9999/0/5", bytes(1, 2, 3, 4, 5)],
  [0, "/9999/0/6", -1],
  [0, "/9999/0/7", { objectId: 65535, instanceId: 65535 }],
  [0, "/9999/0/10/3", 3],
  [42, "/9999/0/5", bytes(0, 0, 0)],
  [42, "/9999/0/12/1", bytes()],
  [60, "/9999/0/0", ""],
  [60, "/9999/0/1", 2n ** 62n],
  [60, "/9999/0/2", 0],
  [60, "/9999/0/3", 1 / 3],
  [60, "/9999/0/3", 65504],
  [60, "/9999/0/4", true],
  [60, "/9999/0/5", bytes(7)],
  [60, "/9999/0/6", 1700000000],
  [60, "/9999/0/7", { objectId: 1, instanceId: 2 }],
  [60, "/9999/0/13/9", -0.5],
];

for (const [format, target, value] of SINGLE) {
  Deno.test(`format ${format} round-trips ${target} = ${String(value)}`, () => {
    const path = Lwm2mPath.parse(target);
    const values: Lwm2mValues = new Map([[target, value]]);
    const payload = encodeContent(format, values, path, models, codec);
    assert.deepEqual(decodeContent(format, payload, path, models, codec), values);
  });
}

Deno.test("single-value formats refuse instance, object and multiple-resource targets", () => {
  for (const format of [0, 42, 60]) {
    for (const target of ["/9999", "/9999/0", "/9999/0/11"]) {
      const path = Lwm2mPath.parse(target);
      assert.throws(
        () => decodeContent(format, bytes(0x31), path, models, codec),
        (e) => e instanceof ContentError && e.code === "not_single_value",
      );
      assert.throws(
        () => encodeContent(format, new Map([["/9999/0/11/0", "a"]]), path, models, codec),
        (e) => e instanceof ContentError && e.code === "not_single_value",
      );
    }
  }
});

// ---- property-based: random values of every type at the instance level ----

const int64 = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map((b) =>
  b >= -(2n ** 53n) + 1n && b <= 2n ** 53n - 1n ? Number(b) : b
);
const uint64 = fc.bigInt(0n, 2n ** 64n - 1n).map((b) => (b <= 2n ** 53n - 1n ? Number(b) : b));
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0));
const link = fc.tuple(fc.nat(65535), fc.nat(65535)).map(([objectId, instanceId]) => ({
  objectId,
  instanceId,
}));

const instanceValues = fc.record({
  s: fc.string({ unit: "grapheme", maxLength: 8 }),
  i: int64,
  u: uint64,
  f: finite,
  b: fc.boolean(),
  o: fc.uint8Array({ maxLength: 40 }),
  t: fc.integer({ min: -(2 ** 31), max: 2 ** 40 }),
  l: link,
  multi: fc.dictionary(fc.nat(65534).map(String), fc.integer({ min: 0, max: 255 }), { maxKeys: 4 }),
}).map((r) => {
  const m: Lwm2mValues = new Map<string, Lwm2mValue>([
    ["/9999/3/0", r.s],
    ["/9999/3/1", r.i],
    ["/9999/3/2", r.u],
    ["/9999/3/3", r.f],
    ["/9999/3/4", r.b],
    ["/9999/3/5", r.o],
    ["/9999/3/6", r.t],
    ["/9999/3/7", r.l],
  ]);
  for (const [ri, v] of Object.entries(r.multi)) m.set(`/9999/3/10/${ri}`, v);
  return m;
});

for (const format of MULTI_FORMATS) {
  Deno.test(`format ${format} round-trips random instance values`, () => {
    const target = Lwm2mPath.parse("/9999/3");
    fc.assert(
      fc.property(instanceValues, (values) => {
        const payload = encodeContent(format, values, target, models, codec);
        assert.deepEqual(decodeContent(format, payload, target, models, codec), values);
      }),
      { numRuns: 150 },
    );
  });
}

Deno.test("CBOR floats take the shortest width that keeps the value (RFC 8949 §4.2.2)", () => {
  const target = Lwm2mPath.parse("/9999/0/3");
  const cases: [number, string][] = [
    [1.5, "f9 3e 00"],
    [-0, "f9 80 00"],
    [Infinity, "f9 7c 00"],
    [NaN, "f9 7e 00"],
    [2 ** -24, "f9 00 01"],
    [65504, "f9 7b ff"],
    [100000, "fa 47 c3 50 00"],
    [0.1, "fb 3f b9 99 99 99 99 99 9a"],
  ];
  for (const [value, bytes] of cases) {
    const payload = encodeContent(60, new Map([["/9999/0/3", value]]), target, models, codec);
    assert.equal([...payload].map((b) => b.toString(16).padStart(2, "0")).join(" "), bytes);
    assert.deepEqual(decodeContent(60, payload, target, models), new Map([["/9999/0/3", value]]));
  }
  fc.assert(
    fc.property(fc.float(), (value) => {
      const payload = encodeContent(60, new Map([["/9999/0/3", value]]), target, models, codec);
      assert.deepEqual(decodeContent(60, payload, target, models), new Map([["/9999/0/3", value]]));
    }),
    { numRuns: 500 },
  );
});
