/**
 * Content-Format numbers and the `?format=` names (DESIGN.md §6; spec digest data-formats.md §1).
 */

import assert from "node:assert/strict";
import {
  canonicalFormat,
  formatName,
  isSingleValueFormat,
  parseFormat,
} from "../../../../gateway/lwm2m/content/formats.ts";

Deno.test("parseFormat accepts the ?format= names and numbers", () => {
  assert.equal(parseFormat("text"), 0);
  assert.equal(parseFormat("opaque"), 42);
  assert.equal(parseFormat("cbor"), 60);
  assert.equal(parseFormat("senml-json"), 110);
  assert.equal(parseFormat("senml-cbor"), 112);
  assert.equal(parseFormat("tlv"), 11542);
  assert.equal(parseFormat("json"), 11543);
  assert.equal(parseFormat("lwm2m-cbor"), 11544);
  assert.equal(parseFormat("SenML-JSON"), 110);
  assert.equal(parseFormat("11544"), 11544);
  assert.equal(parseFormat("0"), 0);
});

Deno.test("parseFormat maps the pre-IANA aliases and refuses the rest", () => {
  assert.equal(parseFormat("1542"), 11542);
  assert.equal(parseFormat("1543"), 11543);
  assert.equal(canonicalFormat(1542), 11542);
  assert.equal(canonicalFormat(1543), 11543);
  assert.equal(canonicalFormat(110), 110);
  for (const bad of ["", "xml", "-1", "65536", "1.5", "0x10"]) {
    assert.equal(parseFormat(bad), undefined);
  }
});

Deno.test("formatName and isSingleValueFormat", () => {
  assert.equal(formatName(11542), "tlv");
  assert.equal(formatName(1542), "tlv");
  assert.equal(formatName(320), "320");
  assert.deepEqual([0, 42, 60, 110, 11542].map(isSingleValueFormat), [
    true,
    true,
    true,
    false,
    false,
  ]);
});
