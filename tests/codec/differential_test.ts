/**
 * Differential tests of the wasm codec (codec-wasm/mod.ts) against npm coap-packet 1.1.1, an
 * independent CoAP message encoder/parser (RFC 7252 §3, §3.1), on thousands of random messages:
 * our encoding parsed by coap-packet gives the message back, coap-packet's generate() decoded by
 * us gives the message back, and both encoders write the same bytes.
 *
 * coap-packet quirks, and how the generators stay inside what it supports:
 * - It reads TKL 13/14 as extended token lengths (RFC 8974) and would parse TKL 9..12 as plain
 *   lengths; RFC 7252 §3 (and our codec) reject TKL > 8, so tokens are 0..8 bytes.
 * - Codes are strings "c.dd" in both directions (a number would go through its `code/100` rule).
 * - Options are `{name, value}`: it maps the numbers it knows to names ("Uri-Path") and others to
 *   decimal strings. We pass decimal strings and map names back through its table (copied below,
 *   since the package does not export it). It rejects no number in 0..65535.
 * - generate() sorts options with Array.prototype.sort (stable in V8), mutates the packet it gets
 *   (a fresh one per call here), and refuses packets above `maxLength` (default 1280: raised).
 * - For code 0.00 it drops the payload but writes token and options, and parse() throws on an
 *   Empty message longer than 4 bytes: Empty messages are generated with nothing after the MID,
 *   which is also the only form RFC 7252 §4.1 allows.
 * - parse() does not detect truncation or a marker without payload: only valid messages are used.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import coapPacket from "coap-packet";
import fc from "fast-check";
import { loadCodec } from "../../codec-wasm/mod.ts";
import type { CoapMessage, CoapType } from "../../codec-wasm/types.ts";
import { coapView, formatCode, sortedOptions, toHex } from "./fixtures.ts";

const codec = await loadCodec();

/** coap-packet 1.1.1 OPTIONS_BY_NAME (index.js), for mapping its parsed names back to numbers. */
const COAP_PACKET_OPTION_NUMBERS: Record<string, number> = {
  "If-Match": 1,
  "Uri-Host": 3,
  ETag: 4,
  "If-None-Match": 5,
  Observe: 6,
  "Uri-Port": 7,
  "Location-Path": 8,
  OSCORE: 9,
  "Uri-Path": 11,
  "Content-Format": 12,
  "Max-Age": 14,
  "Uri-Query": 15,
  "Hop-Limit": 16,
  Accept: 17,
  "Q-Block1": 19,
  "Location-Query": 20,
  Block2: 23,
  Block1: 27,
  Size2: 28,
  "Q-Block2": 31,
  "Proxy-Uri": 35,
  "Proxy-Scheme": 39,
  Size1: 60,
  "No-Response": 258,
  "OCF-Accept-Content-Format-Version": 2049,
  "OCF-Content-Format-Version": 2053,
};

const MAX_LENGTH = 1 << 20;

/** Our message as a coap-packet packet (fresh objects: generate() mutates its argument). */
function toPacket(m: CoapMessage) {
  return {
    code: formatCode(m.code),
    messageId: m.messageId,
    token: Buffer.from(m.token),
    options: m.options.map((o) => ({ name: String(o.number), value: Buffer.from(o.value) })),
    payload: Buffer.from(m.payload),
    confirmable: m.type === 0,
    ack: m.type === 2,
    reset: m.type === 3,
  };
}

/** A coap-packet parse result as our message. */
function fromPacket(p: ReturnType<typeof coapPacket.parse>): CoapMessage {
  const type: CoapType = p.confirmable ? 0 : p.ack ? 2 : p.reset ? 3 : 1;
  const [cls, detail] = p.code.split(".").map(Number);
  return {
    type,
    code: cls * 32 + detail,
    messageId: p.messageId,
    token: new Uint8Array(p.token),
    options: p.options.map((o) => ({
      number: COAP_PACKET_OPTION_NUMBERS[String(o.name)] ?? Number(o.name),
      value: new Uint8Array(o.value),
    })),
    payload: new Uint8Array(p.payload ?? []),
  };
}

function generate(m: CoapMessage): Uint8Array {
  // deno-lint-ignore no-explicit-any
  return new Uint8Array(coapPacket.generate(toPacket(m) as any, MAX_LENGTH));
}

function parse(bytes: Uint8Array): CoapMessage {
  return fromPacket(coapPacket.parse(Buffer.from(bytes)));
}

// ---- generators (see the quirks above) ----

const optionLength = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 12 }) },
  { weight: 3, arbitrary: fc.integer({ min: 13, max: 268 }) },
  { weight: 1, arbitrary: fc.integer({ min: 269, max: 1200 }) },
);

const optionNumber = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 64 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 65535 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(0, 1, 6, 11, 12, 13, 15, 23, 27, 60, 258, 268, 269, 2049, 65535),
  },
);

const option = fc.record({
  number: optionNumber,
  value: optionLength.chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
});

const message: fc.Arbitrary<CoapMessage> = fc.oneof(
  {
    weight: 19,
    arbitrary: fc.record({
      type: fc.constantFrom<CoapType>(0, 1, 2, 3),
      code: fc.integer({ min: 1, max: 255 }),
      messageId: fc.integer({ min: 0, max: 0xffff }),
      token: fc.uint8Array({ maxLength: 8 }),
      options: fc.array(option, { maxLength: 16 }),
      payload: fc.oneof(
        fc.constant(new Uint8Array(0)),
        fc.uint8Array({ minLength: 1, maxLength: 1500 }),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constantFrom<CoapType>(0, 1, 2, 3),
      code: fc.constant(0),
      messageId: fc.integer({ min: 0, max: 0xffff }),
      token: fc.constant(new Uint8Array(0)),
      options: fc.constant([] as CoapMessage["options"]),
      payload: fc.constant(new Uint8Array(0)),
    }),
  },
);

// ---- properties ----

Deno.test("coap-packet parses our encodeCoap output back to the message", () => {
  fc.assert(
    fc.property(message, (m) => {
      assert.deepEqual(coapView(parse(codec.encodeCoap(m))), coapView(sortedOptions(m)));
    }),
    { numRuns: 4000 },
  );
});

Deno.test("decodeCoap reads coap-packet's generate() output back to the message", () => {
  fc.assert(
    fc.property(message, (m) => {
      assert.deepEqual(coapView(codec.decodeCoap(generate(m))), coapView(sortedOptions(m)));
    }),
    { numRuns: 4000 },
  );
});

Deno.test("encodeCoap and coap-packet's generate() write the same bytes", () => {
  fc.assert(
    fc.property(message, (m) => {
      assert.equal(toHex(codec.encodeCoap(m)), toHex(generate(m)));
    }),
    { numRuns: 4000 },
  );
});

Deno.test("the differential mapping itself round-trips through coap-packet alone", () => {
  // Guards the test against a wrong name table or type mapping (which would hide codec bugs).
  fc.assert(
    fc.property(message, (m) => {
      assert.deepEqual(coapView(parse(generate(m))), coapView(sortedOptions(m)));
    }),
    { numRuns: 500 },
  );
});
