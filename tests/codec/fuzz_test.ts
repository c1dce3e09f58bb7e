/**
 * Robustness tests of the wasm codec (codec-wasm/mod.ts; DESIGN.md §3 "never throw or trap"):
 * every named malformed-input class yields exactly its status code (RFC 7252 §3, §3.1, §4.1 for
 * CoAP; LwM2M Core §7.4.3 for TLV), and a bounded seeded fuzz run (random bytes plus bit flips,
 * truncations, insertions and splices of the fixtures) gets only values or CodecErrors with a
 * negative code. No exception is caught to hide a trap: anything else fails the test.
 * The long run is tests/codec/fuzz_long.ts (`deno task fuzz`).
 */

import assert from "node:assert/strict";
import { loadCodec } from "../../codec-wasm/mod.ts";
import {
  CodecError,
  ERR_BAD_ARGUMENT,
  ERR_TLV_NESTING,
  ERR_TLV_TOO_MANY_ENTRIES,
  ERR_TOO_MANY_OPTIONS,
  STATUS_NAMES,
} from "../../codec-wasm/status.ts";
import type { CoapMessage, TlvEntry } from "../../codec-wasm/types.ts";
import {
  coapMalformed,
  coapSpecVectors,
  coapView,
  entriesFromMeaning,
  messageFromMeaning,
  parseHex,
  tlvMalformed,
  tlvSpecVectors,
  tlvView,
} from "./fixtures.ts";
import { checkCoap, checkTlv, fuzzInputs } from "./fuzz_inputs.ts";

const codec = await loadCodec();

/** Runs `f`, which must throw a CodecError; returns its status name. */
function errorName(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CodecError) return STATUS_NAMES[e.code] ?? `status ${e.code}`;
    throw e;
  }
  assert.fail("expected a CodecError, got a value");
}

// ---- every named malformed class, from the fixtures ----

for (const v of coapMalformed) {
  Deno.test(`decodeCoap rejects ${v.name} with ${v.error}`, () => {
    const bytes = parseHex(v.hex);
    assert.equal(errorName(() => codec.decodeCoap(bytes)), v.error);
  });
}

for (const v of tlvMalformed) {
  Deno.test(`decodeTlv rejects ${v.name} with ${v.error}`, () => {
    const bytes = parseHex(v.hex);
    assert.equal(errorName(() => codec.decodeTlv(bytes)), v.error);
  });
}

Deno.test("the malformed fixtures cover every CoAP and TLV decode error class", () => {
  const coapClasses = new Set(coapMalformed.map((v) => v.error));
  for (
    const name of [
      "ERR_TRUNCATED_HEADER",
      "ERR_BAD_VERSION",
      "ERR_TOKEN_LENGTH",
      "ERR_TRUNCATED_TOKEN",
      "ERR_TRUNCATED_OPTION",
      "ERR_RESERVED_NIBBLE",
      "ERR_EMPTY_PAYLOAD",
      "ERR_OPTION_NUMBER_OVERFLOW",
      "ERR_EMPTY_MESSAGE_NOT_EMPTY",
    ]
  ) assert.ok(coapClasses.has(name), name);
  const tlvClasses = new Set(tlvMalformed.map((v) => v.error));
  for (const name of ["ERR_TLV_TRUNCATED", "ERR_TLV_LENGTH_OVERFLOW", "ERR_TLV_NESTING"]) {
    assert.ok(tlvClasses.has(name), name);
  }
  // Reserved nibble 15 in the delta and in the length position both have a case.
  const reserved = coapMalformed.filter((v) => v.error === "ERR_RESERVED_NIBBLE").map((v) =>
    v.name
  );
  assert.ok(reserved.some((n) => n.startsWith("delta nibble 15")));
  assert.ok(reserved.some((n) => n.startsWith("length nibble 15")));
  // Every fixture names a status that exists.
  const known = new Set(Object.values(STATUS_NAMES));
  for (const v of [...coapMalformed, ...tlvMalformed]) assert.ok(known.has(v.error), v.error);
});

Deno.test("decodeCoap reports the error offset inside the input", () => {
  for (const v of coapMalformed) {
    const bytes = parseHex(v.hex);
    try {
      codec.decodeCoap(bytes);
    } catch (e) {
      assert.ok(e instanceof CodecError);
      assert.ok(e.offset >= 0 && e.offset <= bytes.length, `${v.name}: offset ${e.offset}`);
    }
  }
});

// ---- table limits ----

Deno.test("decodeCoap of 70000 options decodes them all or rejects with ERR_TOO_MANY_OPTIONS", () => {
  const n = 70000;
  const bytes = new Uint8Array(4 + n);
  bytes.set([0x40, 0x01, 0x00, 0x01]); // option bytes 00: option 0, length 0, repeated
  let m: CoapMessage | undefined;
  try {
    m = codec.decodeCoap(bytes);
  } catch (e) {
    assert.ok(e instanceof CodecError);
    assert.equal(e.code, ERR_TOO_MANY_OPTIONS);
  }
  if (m) assert.equal(m.options.length, n);
});

Deno.test("decodeTlv of 70000 entries decodes them all or rejects with ERR_TLV_TOO_MANY_ENTRIES", () => {
  const n = 70000;
  const bytes = new Uint8Array(2 * n).fill(0xc0); // C0 C0: resource id 0xC0, empty value
  let t: TlvEntry[] | undefined;
  try {
    t = codec.decodeTlv(bytes);
  } catch (e) {
    assert.ok(e instanceof CodecError);
    assert.equal(e.code, ERR_TLV_TOO_MANY_ENTRIES);
  }
  if (t) assert.equal(t.length, n);
});

// ---- encoder arguments that cannot be represented ----

const base: CoapMessage = messageFromMeaning(coapSpecVectors[0].message);

for (
  const [what, m] of [
    ["a 9-byte token", { ...base, token: new Uint8Array(9) }],
    ["option number 65536", { ...base, options: [{ number: 65536, value: new Uint8Array(0) }] }],
    ["a negative option number", { ...base, options: [{ number: -1, value: new Uint8Array(0) }] }],
    ["option length 65805", { ...base, options: [{ number: 1, value: new Uint8Array(65805) }] }],
    ["type 4", { ...base, type: 4 }],
    ["code 256", { ...base, code: 256 }],
    ["Message ID 65536", { ...base, messageId: 65536 }],
    ["an empty message (code 0.00) with a payload", {
      ...base,
      code: 0,
      token: new Uint8Array(0),
      options: [],
      payload: new Uint8Array([1]),
    }],
  ] as [string, CoapMessage][]
) {
  Deno.test(`encodeCoap rejects ${what} with ERR_BAD_ARGUMENT`, () => {
    assert.equal(errorName(() => codec.encodeCoap(m)), STATUS_NAMES[ERR_BAD_ARGUMENT]);
  });
}

Deno.test("encodeTlv rejects id 65536 with ERR_BAD_ARGUMENT", () => {
  const t: TlvEntry[] = [{ kind: "resource", id: 65536, value: new Uint8Array(1) }];
  assert.equal(errorName(() => codec.encodeTlv(t)), STATUS_NAMES[ERR_BAD_ARGUMENT]);
});

for (
  const [what, t] of [
    ["a resource instance inside an object instance", [{
      kind: "objectInstance",
      id: 0,
      children: [{ kind: "resourceInstance", id: 0, value: new Uint8Array(1) }],
    }]],
    ["an object instance inside an object instance", [{
      kind: "objectInstance",
      id: 0,
      children: [{ kind: "objectInstance", id: 1, children: [] }],
    }]],
    ["a resource inside a multiple resource", [{
      kind: "multipleResource",
      id: 6,
      children: [{ kind: "resource", id: 0, value: new Uint8Array(1) }],
    }]],
  ] as [string, TlvEntry[]][]
) {
  Deno.test(`encodeTlv rejects ${what} with ERR_TLV_NESTING`, () => {
    assert.equal(errorName(() => codec.encodeTlv(t)), STATUS_NAMES[ERR_TLV_NESTING]);
  });
}

Deno.test("encodeTlv rejects a value of 16 MiB (beyond three length bytes) with ERR_BAD_ARGUMENT", () => {
  const t: TlvEntry[] = [{ kind: "resource", id: 0, value: new Uint8Array(0x1000000) }];
  assert.equal(errorName(() => codec.encodeTlv(t)), STATUS_NAMES[ERR_BAD_ARGUMENT]);
});

// ---- bounded fuzz runs ----

const COUNT = 30000;

Deno.test(`decodeCoap returns or throws CodecError for ${COUNT} random and mutated inputs`, () => {
  const outcomes = new Map<number, number>();
  for (const input of fuzzInputs("coap", 0xc0a9, COUNT)) {
    const status = checkCoap(codec, input);
    outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
  }
  // The run reached both decoded messages and several error classes (not one early reject).
  assert.ok((outcomes.get(0) ?? 0) > COUNT / 20, `decoded: ${outcomes.get(0)}`);
  assert.ok(outcomes.size >= 8, `outcomes: ${[...outcomes.keys()].map((c) => STATUS_NAMES[c])}`);
});

Deno.test(`decodeTlv returns or throws CodecError for ${COUNT} random and mutated inputs`, () => {
  const outcomes = new Map<number, number>();
  for (const input of fuzzInputs("tlv", 0x7117, COUNT)) {
    const status = checkTlv(codec, input);
    outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
  }
  assert.ok((outcomes.get(0) ?? 0) > COUNT / 20, `decoded: ${outcomes.get(0)}`);
  assert.ok(outcomes.size >= 4, `outcomes: ${[...outcomes.keys()].map((c) => STATUS_NAMES[c])}`);
});

Deno.test("the codec instance still decodes known vectors correctly after the fuzz runs", () => {
  // Runs after the fuzz tests above (Deno runs a file's tests in order) on the same instance.
  for (const v of coapSpecVectors) {
    assert.deepEqual(
      coapView(codec.decodeCoap(parseHex(v.hex))),
      coapView(messageFromMeaning(v.message)),
    );
  }
  for (const v of tlvSpecVectors) {
    assert.deepEqual(
      tlvView(codec.decodeTlv(parseHex(v.hex))),
      tlvView(entriesFromMeaning(v.entries)),
    );
  }
});
