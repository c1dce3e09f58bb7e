/**
 * Typed failures of the content codecs (ContentError codes) and the treatment of resources the
 * models do not know (raw bytes for TLV and opaque, the format's own type for SenML and CBOR,
 * strings for text; LwM2M Core §7.4, spec digest data-formats.md §2-§3).
 */

import assert from "node:assert/strict";
import {
  ContentError,
  decodeContent,
  encodeContent,
} from "../../../../gateway/lwm2m/content/mod.ts";
import { Lwm2mPath } from "../../../../gateway/lwm2m/path.ts";
import type { Lwm2mValue } from "../../../../gateway/lwm2m/values.ts";
import { codec, hex, testModels } from "./models.ts";

const models = testModels();
const te = new TextEncoder();
const p = (s: string) => Lwm2mPath.parse(s);
const one = (path: string, value: Lwm2mValue) => new Map([[path, value]]);

function fails(code: string, fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof ContentError, `not a ContentError: ${e}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

Deno.test("unknown formats, and TLV at the root, are unsupported_format", () => {
  fails("unsupported_format", () => decodeContent(1234, hex("00"), p("/3/0"), models, codec));
  fails("unsupported_format", () => encodeContent(40, new Map(), p("/3/0"), models, codec));
  fails("unsupported_format", () => decodeContent(11542, hex("C1 00 01"), p("/"), models, codec));
  fails("unsupported_format", () => decodeContent(11542, hex("C1 00 01"), p("/3/0"), models));
});

Deno.test("malformed payloads are undecodable", () => {
  fails("undecodable", () => decodeContent(11542, hex("C4 00 41"), p("/3/0"), models, codec));
  fails("undecodable", () => decodeContent(110, te.encode("[{"), p("/3/0"), models));
  fails("undecodable", () => decodeContent(110, te.encode(`{"n":"x"}`), p("/3/0"), models));
  fails("undecodable", () => decodeContent(112, hex("81 A1 00"), p("/3/0"), models));
  fails("undecodable", () => decodeContent(11544, hex("81 01"), p("/3/0"), models));
  fails("undecodable", () => decodeContent(11543, te.encode(`{"e":5}`), p("/3/0"), models));
  fails("undecodable", () => decodeContent(60, hex(""), p("/3/0/9"), models));
  fails("undecodable", () => decodeContent(60, hex("18 57 00"), p("/3/0/9"), models));
});

Deno.test("SenML: two value fields, no value, must-understand labels, bad vd are undecodable", () => {
  const bad = [
    `[{"n":"/3/0/9","v":1,"vs":"1"}]`,
    `[{"n":"/3/0/9"}]`,
    `[{"n":"/3/0/9","v":1,"foo_":2}]`,
    `[{"n":"/0/0/3","vd":"A*=="}]`,
    `[{"n":"/3/0/9","v":"87"}]`,
    `[{"n":"/65/0/2","vlo":"3"}]`,
    `[{"v":1}]`,
  ];
  for (const body of bad) {
    fails("undecodable", () => decodeContent(110, te.encode(body), p("/"), models), undefined);
  }
});

Deno.test("values outside the target, or above the resource level, are undecodable", () => {
  fails(
    "undecodable",
    () => decodeContent(110, te.encode(`[{"n":"/3/1/9","v":1}]`), p("/3/0"), models),
    /outside/,
  );
  fails(
    "undecodable",
    () => decodeContent(110, te.encode(`[{"n":"/3/0","v":1}]`), p("/3"), models),
  );
  fails("undecodable", () => decodeContent(11544, hex("A1 83 03 00 09 18 57"), p("/1/0"), models));
  fails("undecodable", () => decodeContent(11542, hex("C1 09 57"), p("/3/0/0"), models, codec));
  fails("undecodable", () => decodeContent(11542, hex("C1 09 57"), p("/3"), models, codec), /top/);
  fails(
    "undecodable",
    () => decodeContent(11544, hex("A1 19 FF FF A1 00 A1 00 01"), p("/"), models),
  );
});

Deno.test("values that do not fit the model type are type_mismatch", () => {
  fails("type_mismatch", () => decodeContent(0, te.encode("abc"), p("/3/0/9"), models));
  fails("type_mismatch", () => decodeContent(0, te.encode("2"), p("/3311/0/5850"), models));
  fails(
    "type_mismatch",
    () => decodeContent(0, te.encode("9223372036854775808"), p("/1/0/5"), models),
  );
  fails(
    "type_mismatch",
    () => decodeContent(11542, hex("C3 05 00 00 01"), p("/1/0/5"), models, codec),
  );
  fails(
    "type_mismatch",
    () => decodeContent(11542, hex("E2 16 44 00 01"), p("/3303/0/5700"), models, codec),
  );
  fails(
    "type_mismatch",
    () => decodeContent(110, te.encode(`[{"n":"/3/0/9","vs":"x"}]`), p("/"), models),
  );
  fails("type_mismatch", () => decodeContent(60, hex("F9 4D A0"), p("/3/0/9"), models));
  fails("type_mismatch", () => decodeContent(42, hex("01"), p("/3/0/9"), models));
  fails("type_mismatch", () => decodeContent(0, te.encode("1"), p("/3/0/4"), models), /executable/);
  fails(
    "type_mismatch",
    () => encodeContent(11542, one("/3/0/9", "87"), p("/3/0/9"), models, codec),
  );
  fails("type_mismatch", () => encodeContent(110, one("/3/0/9", 8.5), p("/3/0"), models));
  fails("type_mismatch", () => encodeContent(110, one("/3303/0/5700", NaN), p("/3303/0"), models));
  fails(
    "type_mismatch",
    () => encodeContent(0, one("/3303/0/5700", Infinity), p("/3303/0/5700"), models),
  );
  fails("type_mismatch", () => encodeContent(42, one("/3/0/0", "Acme"), p("/3/0/0"), models));
  fails("type_mismatch", () => encodeContent(60, one("/1/0/13", -1), p("/1/0/13"), models));
  fails("type_mismatch", () => encodeContent(60, one("/1/0/5", 2n ** 63n), p("/1/0/5"), models));
  fails(
    "type_mismatch",
    () => encodeContent(112, one("/65/0/2", { objectId: 70000, instanceId: 0 }), p("/"), models),
  );
});

Deno.test("value paths that are malformed or outside the target are invalid_path", () => {
  fails("invalid_path", () => encodeContent(110, one("/3/1/0", "x"), p("/3/0"), models));
  fails("invalid_path", () => encodeContent(110, one("/3/0", "x"), p("/3"), models));
  fails("invalid_path", () => encodeContent(110, one("3/0/0", "x"), p("/"), models));
  fails(
    "invalid_path",
    () => encodeContent(11542, one("/3/0/7", 1), p("/3/0"), models, codec),
    /multiple/,
  );
  fails("invalid_path", () => encodeContent(11542, one("/3/0/9/0", 1), p("/3/0"), models, codec));
});

Deno.test("single-value formats carry exactly the target's value", () => {
  const two = new Map<string, Lwm2mValue>([["/42/0/1/0", "a"], ["/42/0/1/1", "b"]]);
  fails("not_single_value", () => encodeContent(0, two, p("/42/0/1"), models));
  fails("not_single_value", () => encodeContent(60, one("/42/0/1/0", 1), p("/42/0/1"), models));
  fails("not_single_value", () => encodeContent(0, new Map(), p("/3/0/0"), models));
  fails("not_single_value", () => decodeContent(0, te.encode("1"), p("/3/0/7"), models));
});

Deno.test("unknown resources: TLV and opaque give raw bytes, SenML and CBOR their own types, text a string", () => {
  assert.deepEqual(
    decodeContent(11542, hex("C2 09 00 57 C1 0A 01"), p("/42/0"), models, codec),
    new Map([["/42/0/9", hex("00 57")], ["/42/0/10", hex("01")]]),
  );
  assert.deepEqual(
    decodeContent(42, hex("01 02"), p("/42/0/1"), models),
    one("/42/0/1", hex("01 02")),
  );
  assert.deepEqual(
    decodeContent(
      110,
      te.encode(
        `[{"bn":"/42/0/","n":"1","v":2.5},{"n":"2","vb":true},{"n":"3","vlo":"1:2"},{"n":"4","vd":"AQ"}]`,
      ),
      p("/42/0"),
      models,
    ),
    new Map<string, Lwm2mValue>([
      ["/42/0/1", 2.5],
      ["/42/0/2", true],
      ["/42/0/3", { objectId: 1, instanceId: 2 }],
      ["/42/0/4", hex("01")],
    ]),
  );
  assert.deepEqual(
    decodeContent(60, hex("42 01 02"), p("/42/0/1"), models),
    one("/42/0/1", hex("01 02")),
  );
  assert.deepEqual(decodeContent(0, te.encode("12"), p("/42/0/1"), models), one("/42/0/1", "12"));
  // and back: the JavaScript type picks the encoding
  assert.deepEqual(
    [...encodeContent(
      11542,
      new Map<string, Lwm2mValue>([["/42/0/1", 5], ["/42/0/2", hex("AA")]]),
      p("/42/0"),
      models,
      codec,
    )],
    [...hex("C1 01 05 C1 02 AA")],
  );
});

Deno.test("TLV: an empty multiple resource and an empty object", () => {
  assert.deepEqual([...encodeContent(11542, new Map(), p("/3/0/7"), models, codec)], [0x80, 0x07]);
  assert.deepEqual(decodeContent(11542, hex("80 07"), p("/3/0/7"), models, codec), new Map());
  assert.deepEqual(decodeContent(11542, hex(""), p("/3"), models, codec), new Map());
  assert.deepEqual(decodeContent(110, hex(""), p("/3"), models), new Map());
});

Deno.test("TLV opaque of 300 and 70000 bytes uses 2 and 3 length bytes", () => {
  for (const [size, header] of [[300, "D0 05 01 2C"], [70000, "D8 05 01 11 70"]] as const) {
    const data = new Uint8Array(size).map((_, i) => i & 0xff);
    const payload = encodeContent(11542, one("/9999/0/5", data), p("/9999/0/5"), models, codec);
    assert.deepEqual([...payload.subarray(0, header.split(" ").length)], [...hex(header)]);
    assert.deepEqual(
      decodeContent(11542, payload, p("/9999/0/5"), models, codec),
      one("/9999/0/5", data),
    );
  }
});
