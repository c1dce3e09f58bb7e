/**
 * Content-format vectors in both directions (spec digest data-formats.md §3.3, §4.2, §5, §6;
 * tests/fixtures/content/vectors.json): decoding gives the values, encoding gives the bytes.
 */

import assert from "node:assert/strict";
import { decodeContent, encodeContent } from "../../../../gateway/lwm2m/content/mod.ts";
import { valuesFromJson } from "../../../../gateway/lwm2m/json_values.ts";
import { Lwm2mPath } from "../../../../gateway/lwm2m/path.ts";
import { codec, hex, testModels, toHex } from "./models.ts";

interface Vector {
  name: string;
  format: number;
  target: string;
  hex?: string;
  text?: string;
  values: Record<string, unknown>;
  direction: "both" | "decode";
}

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("../../../fixtures/content/vectors.json", import.meta.url)),
) as { vectors: Vector[] };
const models = testModels();

function payloadOf(v: Vector): Uint8Array {
  return v.hex !== undefined ? hex(v.hex) : new TextEncoder().encode(v.text!);
}

function show(bytes: Uint8Array, v: Vector): string {
  return v.hex !== undefined ? toHex(bytes) : new TextDecoder().decode(bytes);
}

for (const v of fixture.vectors) {
  const target = Lwm2mPath.parse(v.target);
  const values = valuesFromJson(v.values, models);
  Deno.test(`decodeContent ${v.format}: ${v.name}`, () => {
    const decoded = decodeContent(v.format, payloadOf(v), target, models, codec);
    assert.deepEqual(decoded, values);
  });
  if (v.direction === "both") {
    Deno.test(`encodeContent ${v.format}: ${v.name}`, () => {
      const encoded = encodeContent(v.format, values, target, models, codec);
      assert.equal(show(encoded, v), show(payloadOf(v), v));
    });
  }
}
