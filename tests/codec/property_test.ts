/**
 * Property tests of the wasm codec (codec-wasm/mod.ts) with fast-check: decode(encode(x)) == x
 * for random valid CoAP messages (RFC 7252 §3, §3.1: any option number 0..65535, every delta and
 * length form, tokens 0..8 bytes) and random valid LwM2M TLV trees (LwM2M Core §7.4.3: 8/16-bit
 * ids, every length form up to three length bytes), and encode(decode(b)) == b for the bytes.
 * Run counts are fixed (no timing); a failure prints fast-check's seed and shrunk counterexample.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { loadCodec } from "../../codec-wasm/mod.ts";
import type { CoapMessage, CoapType, TlvEntry } from "../../codec-wasm/types.ts";
import { coapView, sortedOptions, tlvView } from "./fixtures.ts";

const codec = await loadCodec();

// ---- generators ----

/** Bytes of an exact length: small ones fully random, large ones from a seeded pattern. */
function bytesOfLength(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A byte string whose length is drawn from `length`; short ones are shrinkable byte arrays. */
function bytes(length: fc.Arbitrary<number>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(length, fc.integer()).chain(([n, seed]) =>
    n <= 32 ? fc.uint8Array({ minLength: n, maxLength: n }) : fc.constant(bytesOfLength(n, seed))
  );
}

/** Option lengths over the RFC 7252 §3.1 forms: 0-12 inline, 13-268 one byte, 269+ two bytes. */
const optionLength = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 12 }) },
  { weight: 3, arbitrary: fc.integer({ min: 13, max: 268 }) },
  { weight: 1, arbitrary: fc.integer({ min: 269, max: 1500 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 12, 13, 268, 269, 270) },
);

/** Option numbers hitting every delta form, the registered numbers and the upper bound. */
const optionNumber = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 64 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 65535 }) },
  { weight: 1, arbitrary: fc.integer({ min: 269, max: 1000 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      0,
      1,
      6,
      11,
      12,
      13,
      14,
      15,
      17,
      23,
      27,
      35,
      60,
      258,
      268,
      269,
      282,
      292,
      65535,
    ),
  },
);

const option = fc.record({ number: optionNumber, value: bytes(optionLength) });

const payload = fc.oneof(
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 3, arbitrary: bytes(fc.integer({ min: 1, max: 2000 })) },
);

/** A valid non-empty-code message (code 1..255), options in any order. */
const requestOrResponse: fc.Arbitrary<CoapMessage> = fc.record({
  type: fc.constantFrom<CoapType>(0, 1, 2, 3),
  code: fc.integer({ min: 1, max: 255 }),
  messageId: fc.integer({ min: 0, max: 0xffff }),
  token: fc.uint8Array({ minLength: 0, maxLength: 8 }),
  options: fc.array(option, { maxLength: 24 }),
  payload,
});

/** RFC 7252 §4.1: an Empty message (0.00) has no token, options or payload. */
const emptyMessage: fc.Arbitrary<CoapMessage> = fc.record({
  type: fc.constantFrom<CoapType>(0, 1, 2, 3),
  code: fc.constant(0),
  messageId: fc.integer({ min: 0, max: 0xffff }),
  token: fc.constant(new Uint8Array(0)),
  options: fc.constant([]),
  payload: fc.constant(new Uint8Array(0)),
});

const coapMessage = fc.oneof({ weight: 9, arbitrary: requestOrResponse }, {
  weight: 1,
  arbitrary: emptyMessage,
});

/** TLV ids: 8-bit and 16-bit forms (data-formats.md §3.1 bit 5). */
const tlvId = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.integer({ min: 256, max: 65535 }),
  fc.constantFrom(0, 255, 256, 65535),
);

/** TLV value lengths over every length form: 0-7 inline, 1, 2 and 3 length bytes. */
const tlvLength = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 7 }) },
  { weight: 6, arbitrary: fc.integer({ min: 8, max: 255 }) },
  { weight: 2, arbitrary: fc.integer({ min: 256, max: 2000 }) },
  { weight: 1, arbitrary: fc.constantFrom(7, 8, 255, 256, 65535) },
);
/** Rarely: a value past 65535 bytes, so that the three-byte length form is used. */
const tlvHugeLength = fc.integer({ min: 65536, max: 70000 });

function leaf(kind: "resource" | "resourceInstance", huge: boolean): fc.Arbitrary<TlvEntry> {
  return fc.record({
    kind: fc.constant(kind),
    id: tlvId,
    value: bytes(
      huge
        ? fc.oneof({ weight: 30, arbitrary: tlvLength }, { weight: 1, arbitrary: tlvHugeLength })
        : tlvLength,
    ),
  });
}

function multipleResource(huge: boolean): fc.Arbitrary<TlvEntry> {
  return fc.record({
    kind: fc.constant("multipleResource" as const),
    id: tlvId,
    children: fc.array(leaf("resourceInstance", huge), { maxLength: 6 }),
  });
}

function objectInstance(huge: boolean): fc.Arbitrary<TlvEntry> {
  return fc.record({
    kind: fc.constant("objectInstance" as const),
    id: tlvId,
    children: fc.array(fc.oneof(leaf("resource", huge), multipleResource(huge)), { maxLength: 8 }),
  });
}

/** A payload: object instances, or bare resources / multiple resources, or resource instances. */
function tlvTree(huge: boolean): fc.Arbitrary<TlvEntry[]> {
  return fc.oneof(
    fc.array(objectInstance(huge), { maxLength: 4 }),
    fc.array(fc.oneof(leaf("resource", huge), multipleResource(huge)), { maxLength: 8 }),
    fc.array(leaf("resourceInstance", huge), { maxLength: 4 }),
    fc.array(fc.oneof(objectInstance(huge), leaf("resource", huge), multipleResource(huge)), {
      maxLength: 6,
    }),
  );
}

// ---- CoAP properties ----

Deno.test("decodeCoap(encodeCoap(m)) equals m with options stably sorted, for random valid messages", () => {
  fc.assert(
    fc.property(coapMessage, (m) => {
      const encoded = codec.encodeCoap(m);
      assert.deepEqual(coapView(codec.decodeCoap(encoded)), coapView(sortedOptions(m)));
    }),
    { numRuns: 3000 },
  );
});

Deno.test("encodeCoap(decodeCoap(b)) gives b back for encoded random messages", () => {
  fc.assert(
    fc.property(coapMessage, (m) => {
      const b = codec.encodeCoap(m);
      assert.deepEqual(codec.encodeCoap(codec.decodeCoap(b)), b);
    }),
    { numRuns: 1000 },
  );
});

Deno.test("encodeCoap output length follows the RFC 7252 §3.1 header forms", () => {
  const ext = (v: number) => (v < 13 ? 0 : v < 269 ? 1 : 2);
  fc.assert(
    fc.property(coapMessage, (m) => {
      const sorted = sortedOptions(m).options;
      let expected = 4 + m.token.length + (m.payload.length > 0 ? 1 + m.payload.length : 0);
      let previous = 0;
      for (const o of sorted) {
        expected += 1 + ext(o.number - previous) + ext(o.value.length) + o.value.length;
        previous = o.number;
      }
      assert.equal(codec.encodeCoap(m).length, expected);
    }),
    { numRuns: 1000 },
  );
});

Deno.test("decodeCoap and encodeCoap round-trip messages larger than 64 KiB (the slower path)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 65536, max: 140000 }),
      fc.array(
        fc.record({ number: optionNumber, value: bytes(fc.integer({ min: 269, max: 65804 })) }),
        {
          maxLength: 2,
        },
      ),
      fc.integer(),
      (payloadLength, options, seed) => {
        const m: CoapMessage = {
          type: 0,
          code: 3,
          messageId: 7,
          token: new Uint8Array([1, 2, 3]),
          options,
          payload: bytesOfLength(payloadLength, seed),
        };
        const encoded = codec.encodeCoap(m);
        assert.deepEqual(coapView(codec.decodeCoap(encoded)), coapView(sortedOptions(m)));
      },
    ),
    { numRuns: 20 },
  );
});

// ---- TLV properties ----

Deno.test("decodeTlv(encodeTlv(t)) equals t for random valid TLV trees", () => {
  fc.assert(
    fc.property(tlvTree(false), (t) => {
      assert.deepEqual(tlvView(codec.decodeTlv(codec.encodeTlv(t))), tlvView(t));
    }),
    { numRuns: 3000 },
  );
});

Deno.test("decodeTlv(encodeTlv(t)) equals t for TLV trees with values past 65535 bytes", () => {
  fc.assert(
    fc.property(tlvTree(true), (t) => {
      assert.deepEqual(tlvView(codec.decodeTlv(codec.encodeTlv(t))), tlvView(t));
    }),
    { numRuns: 150 },
  );
});

Deno.test("encodeTlv(decodeTlv(b)) gives b back for encoded random TLV trees", () => {
  fc.assert(
    fc.property(tlvTree(false), (t) => {
      const b = codec.encodeTlv(t);
      assert.deepEqual(codec.encodeTlv(codec.decodeTlv(b)), b);
    }),
    { numRuns: 1000 },
  );
});

Deno.test("encodeTlv uses the shortest length form and an 8-bit id when the id fits", () => {
  fc.assert(
    fc.property(tlvId, bytes(fc.oneof(tlvLength, fc.constant(65536))), (id, value) => {
      const [type, ...rest] = codec.encodeTlv([{ kind: "resource", id, value }]);
      const idBytes = id > 255 ? 2 : 1;
      const lengthForm = value.length < 8
        ? 0
        : value.length < 256
        ? 1
        : value.length < 65536
        ? 2
        : 3;
      assert.equal(type >> 6, 3, "resource kind");
      assert.equal((type >> 5) & 1, idBytes - 1, "id length bit");
      assert.equal((type >> 3) & 3, lengthForm, "length type");
      if (lengthForm === 0) assert.equal(type & 7, value.length);
      assert.equal(rest.length, idBytes + lengthForm + value.length);
    }),
    { numRuns: 1000 },
  );
});
