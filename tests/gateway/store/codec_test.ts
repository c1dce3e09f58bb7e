/**
 * The store document codec (gateway/store/codec.ts): exact round trips of the JSON extensions
 * ($bytes, $bigint, the $object escape), the wire form other backends will share, and the
 * values it refuses instead of silently changing.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeDocument,
  encodeDocument,
  UnstorableValueError,
} from "../../../gateway/store/codec.ts";
import { richDocument } from "./contract.ts";

Deno.test("codec writes the documented wire form", () => {
  assert.equal(encodeDocument(new Uint8Array([0, 1, 254, 255])), '{"$bytes":"AAH+/w=="}');
  assert.equal(encodeDocument(-(2n ** 64n)), '{"$bigint":"-18446744073709551616"}');
  assert.equal(encodeDocument({ $bytes: "x" }), '{"$object":{"$bytes":"x"}}');
  assert.equal(encodeDocument({ $object: {} }), '{"$object":{"$object":{}}}');
  assert.equal(encodeDocument({ $bytes: "x", other: 1 }), '{"$bytes":"x","other":1}');
  assert.equal(encodeDocument({ a: undefined, b: 1 }), '{"b":1}');
  assert.deepEqual(decodeDocument('{"$bytes":""}'), new Uint8Array(0));
});

Deno.test("codec round-trips a rich document and arbitrary JSON-like values exactly", () => {
  assert.deepEqual(decodeDocument(encodeDocument(richDocument(3))), richDocument(3));
  const value = fc.letrec((tie) => ({
    any: fc.oneof(
      { depthSize: "small" },
      fc.constant(null),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
      fc.string({ unit: "binary" }),
      fc.bigInt(),
      fc.uint8Array(),
      fc.array(tie("any"), { maxLength: 4 }),
      fc.dictionary(
        fc.oneof(fc.string(), fc.constantFrom("$bytes", "$bigint", "$object", "__proto__")),
        tie("any"),
        { maxKeys: 3, noNullPrototype: true }, // those read back with Object.prototype
      ),
    ),
  })).any;
  fc.assert(
    fc.property(value, (v) => assert.deepEqual(decodeDocument(encodeDocument(v)), v)),
    { numRuns: 1000 },
  );
});

Deno.test("codec accepts Buffer as bytes and reads it back as a Uint8Array", async () => {
  const { Buffer } = await import("node:buffer");
  const back = decodeDocument(encodeDocument({ b: Buffer.from("hi") })) as { b: Uint8Array };
  assert.deepEqual(back.b, new Uint8Array([104, 105]));
});

Deno.test("codec refuses values that would not read back as written, naming where", () => {
  const cases: [unknown, RegExp][] = [
    [undefined, /undefined is not storable/],
    [NaN, /NaN is not finite/],
    [{ t: new Date(0) }, /at \.t: Date is not storable/],
    [{ list: [1, undefined] }, /at \.list\[1\]: undefined in an array/],
    [{ "a b": [{ f: () => 0 }] }, /at \["a b"\]\[0\]\.f: function/],
    [new Map(), /Map is not storable/],
    [new Uint16Array(2), /Uint16Array is not storable/],
    [Symbol("s"), /symbol/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => encodeDocument(value), (e: unknown) => {
      assert.ok(e instanceof UnstorableValueError && e instanceof TypeError);
      assert.match(e.message, message);
      return true;
    });
  }
});
