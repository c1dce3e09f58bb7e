/**
 * The HTTP JSON form of values (DESIGN.md §6 "Values"): numbers, 64-bit integers beyond ±2^53 as
 * decimal strings, base64 opaque, "O:I" object links, integer-second times, and validation of
 * request values against the model type and range (gateway/lwm2m/json_values.ts).
 */

import assert from "node:assert/strict";
import {
  fromJson,
  JsonValueError,
  parseRange,
  toJson,
  valuesFromJson,
  valuesToJson,
} from "../../../../gateway/lwm2m/json_values.ts";
import type { ResourceModel } from "../../../../objects/model.ts";
import { testModels } from "./models.ts";

const models = testModels();
const res = (o: number, r: number) => models.resource(o, r) as ResourceModel;
const INTEGER = res(9999, 1);
const UNSIGNED = res(9999, 2);
const MAX_SAFE = 2 ** 53 - 1;

function rejects(json: unknown, model: ResourceModel | undefined, message: RegExp): void {
  assert.throws(() => fromJson(json, model), (e) => {
    assert.ok(e instanceof JsonValueError);
    assert.match(e.message, message);
    return true;
  });
}

Deno.test("toJson: numbers, 2^53 boundary, bigint, bytes, links, booleans", () => {
  assert.equal(toJson(87), 87);
  assert.equal(toJson(-12.25), -12.25);
  assert.equal(toJson(MAX_SAFE), MAX_SAFE);
  assert.equal(toJson(-MAX_SAFE), -MAX_SAFE);
  assert.equal(toJson(BigInt(MAX_SAFE)), MAX_SAFE);
  assert.equal(toJson(2n ** 53n), "9007199254740992");
  assert.equal(toJson(-(2n ** 53n)), "-9007199254740992");
  assert.equal(toJson(2n ** 64n - 1n), "18446744073709551615");
  assert.equal(toJson(-(2n ** 63n)), "-9223372036854775808");
  assert.equal(toJson(new Uint8Array([1, 2, 255])), "AQL/");
  assert.equal(toJson(new Uint8Array()), "");
  assert.equal(toJson({ objectId: 3, instanceId: 0 }), "3:0");
  assert.equal(toJson(true), true);
  assert.equal(toJson("Acme"), "Acme");
  assert.equal(toJson(1700000000.7, "time"), 1700000000);
  assert.equal(toJson(NaN), "NaN");
});

Deno.test("fromJson integer: safe numbers as numbers, beyond ±2^53 only as decimal strings", () => {
  assert.equal(fromJson(MAX_SAFE, INTEGER), MAX_SAFE);
  assert.equal(fromJson(-MAX_SAFE, INTEGER), -MAX_SAFE);
  assert.equal(fromJson(String(MAX_SAFE), INTEGER), MAX_SAFE);
  assert.equal(fromJson("9007199254740992", INTEGER), 2n ** 53n);
  assert.equal(fromJson("9007199254740993", INTEGER), 2n ** 53n + 1n);
  assert.equal(fromJson("-9223372036854775808", INTEGER), -(2n ** 63n));
  assert.equal(fromJson("9223372036854775807", INTEGER), 2n ** 63n - 1n);
  rejects(2 ** 53, INTEGER, /decimal string beyond/);
  rejects("9223372036854775808", INTEGER, /expected an integer/);
  rejects(1.5, INTEGER, /resource 1 \(Integer\): expected an integer/);
  rejects("12a", INTEGER, /expected an integer/);
  rejects(true, INTEGER, /got true/);
});

Deno.test("fromJson unsigned: 0 .. 2^64-1", () => {
  assert.equal(fromJson(0, UNSIGNED), 0);
  assert.equal(fromJson("18446744073709551615", UNSIGNED), 2n ** 64n - 1n);
  rejects(-1, UNSIGNED, /unsigned/);
  rejects("18446744073709551616", UNSIGNED, /unsigned/);
});

Deno.test("fromJson checks the model range", () => {
  assert.equal(fromJson(100, res(3, 9)), 100);
  rejects(101, res(3, 9), /outside the range 0\.\.100/);
  rejects(-1, res(3, 9), /outside the range/);
  assert.equal(fromJson(85, res(9999, 3)), 85);
  rejects(85.5, res(9999, 3), /outside the range -40\.\.85/);
  rejects("123456789", res(9999, 0), /outside the range 0\.\.8 characters/);
  rejects("AQI=", res(0, 7), /outside the range 6 bytes/);
  assert.deepEqual(fromJson("AQIDBAUG", res(0, 7)), new Uint8Array([1, 2, 3, 4, 5, 6]));
});

Deno.test("fromJson of the other types", () => {
  assert.equal(fromJson(22.5, res(3303, 5700)), 22.5);
  rejects("22.5", res(3303, 5700), /expected a number/);
  assert.equal(fromJson(false, res(3311, 5850)), false);
  rejects("true", res(3311, 5850), /expected true or false/);
  rejects(1, res(3311, 5850), /expected true or false/);
  assert.equal(fromJson("U", res(3, 16)), "U");
  rejects(5, res(3, 16), /expected a string/);
  assert.deepEqual(fromJson("AQI", res(0, 3)), new Uint8Array([1, 2]));
  assert.deepEqual(fromJson("-_8", res(0, 3)), new Uint8Array([0xfb, 0xff]));
  rejects("***", res(0, 3), /base64/);
  assert.deepEqual(fromJson("3:0", res(65, 2)), { objectId: 3, instanceId: 0 });
  assert.deepEqual(fromJson({ objectId: 65535, instanceId: 65535 }, res(65, 2)), {
    objectId: 65535,
    instanceId: 65535,
  });
  rejects("3:70000", res(65, 2), /object link/);
  rejects("3", res(65, 2), /object link/);
  assert.equal(fromJson(1700000000, res(3, 13)), 1700000000);
  assert.equal(fromJson("2023-11-14T22:13:20Z", res(3, 13)), 1700000000);
  rejects("yesterday", res(3, 13), /seconds since 1970/);
  rejects(1, res(3, 4), /executable/);
  assert.equal(fromJson("</3/0>", res(9999, 8)), "</3/0>");
});

Deno.test("fromJson without a model passes numbers, strings and booleans", () => {
  assert.equal(fromJson(5, undefined), 5);
  assert.equal(fromJson("x", undefined), "x");
  assert.equal(fromJson(true, undefined), true);
  rejects(null, undefined, /number, string or boolean/);
  rejects([1], undefined, /number, string or boolean/);
});

Deno.test("valuesFromJson types a values object by path, valuesToJson turns it back", () => {
  const json = {
    "/3/0/13": 1700000000,
    "/1/0/5": "-9223372036854775808",
    "/0/0/3": "AQI=",
    "/65/0/0/1": "3:0",
  };
  const values = valuesFromJson(json, models);
  assert.deepEqual(
    values,
    new Map<string, unknown>([
      ["/3/0/13", 1700000000],
      ["/1/0/5", -(2n ** 63n)],
      ["/0/0/3", new Uint8Array([1, 2])],
      ["/65/0/0/1", { objectId: 3, instanceId: 0 }],
    ]),
  );
  assert.deepEqual(valuesToJson(values, models), json);
  assert.throws(
    () => valuesFromJson({ "/3/0/9": 101 }, models),
    /^JsonValueError: \/3\/0\/9: resource 9/,
  );
  assert.throws(() => valuesFromJson({ "/3/x": 1 }, models), /bad path/);
  assert.throws(() => valuesFromJson({ "/3/0": 1 }, models), /resources or resource instances/);
  assert.throws(() => valuesFromJson([1], models), /must be an object/);
});

Deno.test("parseRange reads DDF ranges and enumerations", () => {
  assert.deepEqual(parseRange("0..255"), { min: 0, max: 255 });
  assert.deepEqual(parseRange("-40..85"), { min: -40, max: 85 });
  assert.deepEqual(parseRange("1-6"), { min: 1, max: 6 });
  assert.deepEqual(parseRange("0, 1, 5"), { set: [0, 1, 5] });
  assert.equal(parseRange("any"), undefined);
  assert.equal(parseRange(undefined), undefined);
});
