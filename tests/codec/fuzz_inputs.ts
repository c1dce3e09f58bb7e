/**
 * The fuzzing engine shared by tests/codec/fuzz_test.ts (bounded run in the test suite) and
 * tests/codec/fuzz_long.ts (`deno task fuzz`, millions of inputs): seeded random inputs and
 * mutations of the fixture corpus, and the codec contract each input is checked against
 * (DESIGN.md §3: decode returns a value or a CodecError with a negative status, never a trap).
 */

import type { loadCodec } from "../../codec-wasm/mod.ts";
import { CodecError, STATUS_NAMES } from "../../codec-wasm/status.ts";
import type { CoapMessage, TlvEntry } from "../../codec-wasm/types.ts";
import {
  coapCapturedVectors,
  coapMalformed,
  coapSpecVectors,
  coapView,
  isViewInto,
  parseHex,
  prng,
  tlvMalformed,
  tlvNonCanonicalVectors,
  tlvSpecVectors,
  tlvView,
  toHex,
} from "./fixtures.ts";

export type Codec = Awaited<ReturnType<typeof loadCodec>>;
export type Rand = () => number;
export type Target = "coap" | "tlv";

/** Seed inputs: every CoAP / TLV fixture, valid and malformed (TLV also from captured payloads). */
export function corpus(target: Target): Uint8Array[] {
  if (target === "coap") {
    return [...coapSpecVectors, ...coapCapturedVectors, ...coapMalformed].map((v) =>
      parseHex(v.hex)
    );
  }
  const tlv = [...tlvSpecVectors, ...tlvNonCanonicalVectors, ...tlvMalformed].map((v) =>
    parseHex(v.hex)
  );
  // Large fixtures slow every mutation down (copying): cut them to 2 KiB (still a valid prefix
  // for the mutations to work on; vectors_test.ts covers them whole).
  return tlv.map((b) => (b.length > 2048 ? b.subarray(0, 2048) : b));
}

/** Bytes that sit on format boundaries: nibbles 13/14/15, the marker, version bits, TLV types. */
const INTERESTING = [
  0x00,
  0x01,
  0x07,
  0x08,
  0x0c,
  0x0d,
  0x0e,
  0x0f,
  0x10,
  0x18,
  0x20,
  0x40,
  0x48,
  0x49,
  0x4f,
  0x60,
  0x7f,
  0x80,
  0xc0,
  0xc8,
  0xd0,
  0xd8,
  0xdd,
  0xde,
  0xe0,
  0xed,
  0xee,
  0xef,
  0xf0,
  0xfe,
  0xff,
];

function int(rand: Rand, n: number): number {
  return Math.floor(rand() * n);
}

/** Fully random bytes; for CoAP half of them start with version 1 so decoding goes deeper. */
export function randomInput(rand: Rand, target: Target): Uint8Array {
  const length = rand() < 0.8 ? int(rand, 48) : int(rand, 600);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    out[i] = rand() < 0.2 ? INTERESTING[int(rand, INTERESTING.length)] : int(rand, 256);
  }
  if (target === "coap" && length > 0 && rand() < 0.5) out[0] = 0x40 | (out[0] & 0x3f);
  if (target === "coap" && length > 0 && rand() < 0.3) out[0] = (out[0] & 0xf0) | int(rand, 9);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One mutation: bit flip, interesting byte, truncation, insertion, deletion, splice, repeat. */
function mutateOnce(rand: Rand, input: Uint8Array, seeds: Uint8Array[]): Uint8Array {
  const b = new Uint8Array(input);
  const at = int(rand, b.length + 1);
  switch (int(rand, 8)) {
    case 0: // bit flips
      if (b.length === 0) return b;
      for (let k = 1 + int(rand, 3); k > 0; k--) b[int(rand, b.length)] ^= 1 << int(rand, 8);
      return b;
    case 1: // boundary byte
      if (b.length === 0) return b;
      b[int(rand, b.length)] = INTERESTING[int(rand, INTERESTING.length)];
      return b;
    case 2: // truncation
      return b.subarray(0, at);
    case 3: { // insertion of random bytes
      const ins = new Uint8Array(1 + int(rand, 8)).map(() => int(rand, 256));
      return concat(b.subarray(0, at), ins, b.subarray(at));
    }
    case 4: // deletion of a range
      return concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(rand, 8))));
    case 5: { // splice: our prefix, another seed's suffix
      const other = seeds[int(rand, seeds.length)];
      return concat(b.subarray(0, at), other.subarray(int(rand, other.length + 1)));
    }
    case 6: { // repeat a range (duplicated options / entries)
      const end = Math.min(b.length, at + 1 + int(rand, 16));
      return concat(b.subarray(0, end), b.subarray(at, end), b.subarray(end));
    }
    default: // random overwrite of a short run
      for (let i = at; i < Math.min(b.length, at + 1 + int(rand, 4)); i++) b[i] = int(rand, 256);
      return b;
  }
}

export function mutate(rand: Rand, input: Uint8Array, seeds: Uint8Array[]): Uint8Array {
  let out = input;
  for (let k = 1 + int(rand, 3); k > 0; k--) out = mutateOnce(rand, out, seeds);
  return out;
}

/** `count` inputs from `seed`: about a quarter random, the rest mutated fixtures. */
export function* fuzzInputs(target: Target, seed: number, count: number): Generator<Uint8Array> {
  const rand = prng(seed);
  const seeds = corpus(target);
  for (let i = 0; i < count; i++) {
    yield rand() < 0.25
      ? randomInput(rand, target)
      : mutate(rand, seeds[int(rand, seeds.length)], seeds);
  }
}

/** Thrown when an input breaks the codec contract; carries the input for reproduction. */
export class ContractViolation extends Error {
  constructor(
    readonly target: Target,
    readonly input: Uint8Array,
    detail: string,
    cause?: unknown,
  ) {
    super(
      `${target} input [${toHex(input.subarray(0, 256))}${
        input.length > 256 ? " ..." : ""
      }] (${input.length} bytes): ${detail}`,
      { cause },
    );
    this.name = "ContractViolation";
  }
}

function checkError(target: Target, input: Uint8Array, e: unknown): number {
  if (!(e instanceof CodecError)) {
    throw new ContractViolation(
      target,
      input,
      `threw ${e instanceof Error ? e.name : typeof e}: ${e}`,
      e,
    );
  }
  if (!(e.code < 0) || STATUS_NAMES[e.code] === undefined) {
    throw new ContractViolation(target, input, `CodecError with unknown code ${e.code}`, e);
  }
  if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset > input.length) {
    throw new ContractViolation(
      target,
      input,
      `${STATUS_NAMES[e.code]} at offset ${e.offset} outside the input`,
      e,
    );
  }
  return e.code;
}

/**
 * decodeCoap must return or throw CodecError. A returned message must view the input and encode
 * back to the same bytes (RFC 7252 §3.1 gives every option header exactly one encoding).
 * Returns 0 for a decoded input, else the negative status.
 */
export function checkCoap(codec: Codec, input: Uint8Array): number {
  let m: CoapMessage;
  try {
    m = codec.decodeCoap(input);
  } catch (e) {
    return checkError("coap", input, e);
  }
  if (
    !isViewInto(m.token, input) || !isViewInto(m.payload, input) ||
    m.options.some((o) => !isViewInto(o.value, input))
  ) {
    throw new ContractViolation("coap", input, "decoded values are not views of the input");
  }
  let again: Uint8Array;
  try {
    again = codec.encodeCoap(m);
  } catch (e) {
    throw new ContractViolation("coap", input, `decoded message does not encode: ${e}`, e);
  }
  if (toHex(again) !== toHex(input)) {
    throw new ContractViolation(
      "coap",
      input,
      `re-encodes to [${toHex(again)}] (${JSON.stringify(coapView(m))})`,
    );
  }
  return 0;
}

function leavesViewInput(entries: TlvEntry[], input: Uint8Array): boolean {
  return entries.every((e) =>
    e.children
      ? leavesViewInput(e.children, input)
      : e.value !== undefined && isViewInto(e.value, input)
  );
}

/**
 * decodeTlv must return or throw CodecError. A returned tree must view the input and survive
 * encode + decode unchanged (TLV has several length forms, so bytes may differ).
 */
export function checkTlv(codec: Codec, input: Uint8Array): number {
  let t: TlvEntry[];
  try {
    t = codec.decodeTlv(input);
  } catch (e) {
    return checkError("tlv", input, e);
  }
  if (!leavesViewInput(t, input)) {
    throw new ContractViolation("tlv", input, "decoded values are not views of the input");
  }
  let back: TlvEntry[];
  try {
    back = codec.decodeTlv(codec.encodeTlv(t));
  } catch (e) {
    throw new ContractViolation("tlv", input, `decoded tree does not re-encode/decode: ${e}`, e);
  }
  if (JSON.stringify(tlvView(back)) !== JSON.stringify(tlvView(t))) {
    throw new ContractViolation("tlv", input, "tree changed through encodeTlv + decodeTlv");
  }
  return 0;
}
