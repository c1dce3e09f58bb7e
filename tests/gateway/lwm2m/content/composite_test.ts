/**
 * Composite operations and Send (LwM2M Core §6.3.8-§6.3.9, §6.4.6; spec digest
 * lwm2m-interfaces.md §5-§6, data-formats.md §4.2, §5): path lists for Read-/Observe-Composite,
 * values of unrelated paths, and timestamped values with SenML bt/t (RFC 8428 §4.5.3).
 */

import assert from "node:assert/strict";
import {
  ContentError,
  decodeCompositePaths,
  decodeCompositeValues,
  decodeTimestampedValues,
  encodeCompositePaths,
  encodeCompositeValues,
} from "../../../../gateway/lwm2m/content/mod.ts";
import { Lwm2mPath } from "../../../../gateway/lwm2m/path.ts";
import type { Lwm2mValues } from "../../../../gateway/lwm2m/values.ts";
import { hex, testModels, toHex } from "./models.ts";

const models = testModels();
const te = new TextEncoder();
const td = new TextDecoder();
const ROOT = Lwm2mPath.parse("/");
const paths = ["/3/0/0", "/1/0/1"].map((p) => Lwm2mPath.parse(p));
const isCode = (code: string) => (e: unknown) => e instanceof ContentError && e.code === code;

Deno.test("encodeCompositePaths writes SenML JSON and CBOR records with names only", () => {
  assert.equal(td.decode(encodeCompositePaths(110, paths)), `[{"n":"/3/0/0"},{"n":"/1/0/1"}]`);
  assert.equal(
    toHex(encodeCompositePaths(112, paths)),
    "82 A1 00 66 2F 33 2F 30 2F 30 A1 00 66 2F 31 2F 30 2F 31",
  );
  assert.equal(td.decode(encodeCompositePaths(320, [ROOT])), `[{"n":"/"}]`);
  assert.deepEqual(encodeCompositePaths(322, paths), encodeCompositePaths(112, paths));
  assert.throws(() => encodeCompositePaths(11542, paths), isCode("unsupported_format"));
});

Deno.test("decodeCompositePaths resolves base names", () => {
  const body = te.encode(`[{"bn":"/4/0/","n":"0"},{"n":"1"},{"bn":"/","n":""}]`);
  assert.deepEqual(decodeCompositePaths(110, body).map(String), ["/4/0/0", "/4/0/1", "/"]);
  const cbor = hex("82 A1 00 66 2F 33 2F 30 2F 30 A1 00 66 2F 31 2F 30 2F 31");
  assert.deepEqual(decodeCompositePaths(112, cbor).map(String), ["/3/0/0", "/1/0/1"]);
  assert.throws(
    () => decodeCompositePaths(110, te.encode(`[{"n":"/3/x"}]`)),
    isCode("undecodable"),
  );
});

const VALUES: Lwm2mValues = new Map<
  string,
  import("../../../../gateway/lwm2m/values.ts").Lwm2mValue
>([
  ["/3311/0/5850", false],
  ["/3311/2/5851", 20],
  ["/3/0/13", 1700000000],
]);

Deno.test("encodeCompositeValues writes absolute names, and decodeCompositeValues reads them", () => {
  assert.equal(
    td.decode(encodeCompositeValues(110, VALUES, models)),
    `[{"n":"/3311/0/5850","vb":false},{"n":"/3311/2/5851","v":20},{"n":"/3/0/13","v":1700000000}]`,
  );
  for (const format of [110, 112, 11544]) {
    const payload = encodeCompositeValues(format, VALUES, models);
    assert.deepEqual(decodeCompositeValues(format, payload, models), VALUES);
  }
  assert.throws(() => encodeCompositeValues(11542, VALUES, models), isCode("unsupported_format"));
  assert.throws(() => encodeCompositeValues(0, VALUES, models), isCode("unsupported_format"));
  assert.throws(
    () => decodeCompositeValues(11543, te.encode("{}"), models),
    isCode("unsupported_format"),
  );
});

Deno.test("SenML-ETCH deletions (null values) are refused as values", () => {
  const body = te.encode(`[{"n":"/65/0/0/1","vlo":null}]`);
  assert.throws(() => decodeCompositeValues(320, body, models), isCode("unsupported_format"));
  assert.deepEqual(decodeCompositePaths(320, body).map(String), ["/65/0/0/1"]);
});

Deno.test("decodeTimestampedValues keeps every historical value with its absolute time", () => {
  const body = te.encode(
    `[{"bn":"/3303/0/","bt":1700000000,"n":"5700","v":21.5,"t":-25},` +
      `{"n":"5700","v":21.9,"t":-15},{"n":"5700","v":22.4,"t":-5}]`,
  );
  assert.deepEqual(decodeTimestampedValues(110, body, ROOT, models, 1800000000), [
    { path: "/3303/0/5700", value: 21.5, timeSec: 1699999975 },
    { path: "/3303/0/5700", value: 21.9, timeSec: 1699999985 },
    { path: "/3303/0/5700", value: 22.4, timeSec: 1699999995 },
  ]);
});

Deno.test("decodeTimestampedValues: relative times count from now, no time is now", () => {
  const body = te.encode(`[{"n":"/6/0/0","v":43.61092,"t":-10},{"n":"/4/0/2","v":-49}]`);
  assert.deepEqual(decodeTimestampedValues(110, body, ROOT, models, 1000), [
    { path: "/6/0/0", value: 43.61092, timeSec: 990 },
    { path: "/4/0/2", value: -49, timeSec: 1000 },
  ]);
  // SenML CBOR: {-3: bt 1700000000, 0: "/3/0/9", 2: 87, 6: t 5}
  const cbor = hex("81 A4 22 1A 65 53 F1 00 00 66 2F 33 2F 30 2F 39 02 18 57 06 05");
  assert.deepEqual(decodeTimestampedValues(112, cbor, ROOT, models, 0), [
    { path: "/3/0/9", value: 87, timeSec: 1700000005 },
  ]);
});

Deno.test("decodeTimestampedValues gives formats without times the receive time", () => {
  const lwm2mCbor = hex("A1 83 03 00 09 18 57");
  assert.deepEqual(decodeTimestampedValues(11544, lwm2mCbor, ROOT, models, 42), [
    { path: "/3/0/9", value: 87, timeSec: 42 },
  ]);
  const text = te.encode("87");
  assert.deepEqual(decodeTimestampedValues(0, text, Lwm2mPath.parse("/3/0/9"), models, 42), [
    { path: "/3/0/9", value: 87, timeSec: 42 },
  ]);
});

Deno.test("decodeContent of historical SenML keeps the newest value, whatever the order", () => {
  const body = te.encode(
    `[{"bt":1700000000,"n":"/3303/0/5700","v":22.4,"t":-5},{"n":"/3303/0/5700","v":21.5,"t":-25}]`,
  );
  assert.deepEqual(decodeCompositeValues(110, body, models), new Map([["/3303/0/5700", 22.4]]));
});
