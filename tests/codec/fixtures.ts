/**
 * Shared helpers of the codec tests: load tests/fixtures/{coap,tlv}_vectors.json and turn their
 * written meaning (RFC 7252 §3 message fields, LwM2M Core §7.4.3 TLV entries) into codec values,
 * and turn codec values into plain comparable views (hex strings) for readable assertion diffs.
 */

import type { CoapMessage, CoapType, TlvEntry, TlvKind } from "../../codec-wasm/types.ts";
import coapFixture from "../fixtures/coap_vectors.json" with { type: "json" };
import tlvFixture from "../fixtures/tlv_vectors.json" with { type: "json" };

/** RFC 7252 §3: T field values. */
export const TYPE_NAMES = ["CON", "NON", "ACK", "RST"] as const;
export type TypeName = typeof TYPE_NAMES[number];

/** One option as a fixture writes it: exactly one of text, uint, hex. */
export interface OptionMeaning {
  number: number;
  name?: string;
  text?: string;
  uint?: number;
  hex?: string;
  note?: string;
}

/** A CoAP message as a fixture writes it. */
export interface MessageMeaning {
  type: TypeName;
  code: string;
  messageId: number;
  token: string;
  options: OptionMeaning[];
  payloadText?: string;
  payloadHex?: string;
}

export interface CoapVector {
  name: string;
  source?: string;
  implementation?: string;
  command?: string;
  note?: string;
  hex: string;
  /** Captured vectors only: whether re-encoding must give the same bytes. */
  canonical?: boolean;
  message: MessageMeaning;
}

export interface MalformedVector {
  name: string;
  hex: string;
  error: string;
}

/** A TLV entry as a fixture writes it. */
export interface EntryMeaning {
  kind: TlvKind;
  id: number;
  children?: EntryMeaning[];
  hex?: string;
  text?: string;
  means?: { int?: number; float?: number; bool?: boolean; text?: string; objlnk?: string };
}

export interface TlvVector {
  name: string;
  source: string;
  hex: string;
  /** nonCanonical vectors only: what encoding the entries gives. */
  canonicalHex?: string;
  entries: EntryMeaning[];
}

export const coapSpecVectors = coapFixture.spec as unknown as CoapVector[];
export const coapCapturedVectors = coapFixture.captured as unknown as CoapVector[];
export const coapMalformed = coapFixture.malformed as unknown as MalformedVector[];
export const tlvSpecVectors = tlvFixture.spec as unknown as TlvVector[];
export const tlvNonCanonicalVectors = tlvFixture.nonCanonical as unknown as TlvVector[];
export const tlvMalformed = tlvFixture.malformed as unknown as MalformedVector[];

/** Parses space-separated hex; a token `XX*N` stands for byte XX repeated N times. */
export function parseHex(text: string): Uint8Array {
  const out: number[] = [];
  for (const token of text.split(/\s+/).filter((t) => t.length > 0)) {
    const m = /^([0-9a-fA-F]{2})(?:\*(\d+))?$/.exec(token);
    if (!m) throw new Error(`bad hex token ${JSON.stringify(token)}`);
    const byte = parseInt(m[1], 16);
    const count = m[2] === undefined ? 1 : Number(m[2]);
    for (let i = 0; i < count; i++) out.push(byte);
  }
  return new Uint8Array(out);
}

/** Lower-case space-separated hex (the comparable form of bytes in assertion diffs). */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) s += " ";
    s += bytes[i].toString(16).padStart(2, "0");
  }
  return s;
}

/** RFC 7252 §3.2 uint: big-endian in the fewest bytes, 0 as the empty value. */
export function uintBytes(n: number): Uint8Array {
  const out: number[] = [];
  while (n > 0) {
    out.unshift(n % 256);
    n = Math.floor(n / 256);
  }
  return new Uint8Array(out);
}

/** `"2.05"` -> 69 (class * 32 + detail, RFC 7252 §3). */
export function parseCode(code: string): number {
  const m = /^([0-7])\.(\d\d)$/.exec(code);
  if (!m || Number(m[2]) > 31) throw new Error(`bad code ${code}`);
  return Number(m[1]) * 32 + Number(m[2]);
}

export function formatCode(code: number): string {
  return `${code >> 5}.${String(code & 31).padStart(2, "0")}`;
}

const utf8 = new TextEncoder();

function optionValue(o: OptionMeaning): Uint8Array {
  const forms = [o.text, o.uint, o.hex].filter((v) => v !== undefined).length;
  if (forms !== 1) throw new Error(`option ${o.number}: give exactly one of text, uint, hex`);
  if (o.text !== undefined) return utf8.encode(o.text);
  if (o.uint !== undefined) return uintBytes(o.uint);
  return parseHex(o.hex!);
}

/** The CoapMessage a fixture's meaning describes (options in the written order). */
export function messageFromMeaning(m: MessageMeaning): CoapMessage {
  const type = TYPE_NAMES.indexOf(m.type);
  if (type < 0) throw new Error(`bad type ${m.type}`);
  return {
    type: type as CoapType,
    code: parseCode(m.code),
    messageId: m.messageId,
    token: parseHex(m.token),
    options: m.options.map((o) => ({ number: o.number, value: optionValue(o) })),
    payload: m.payloadText !== undefined
      ? utf8.encode(m.payloadText)
      : parseHex(m.payloadHex ?? ""),
  };
}

/** The TlvEntry tree a fixture's entries describe. */
export function entriesFromMeaning(entries: EntryMeaning[]): TlvEntry[] {
  return entries.map((e) => {
    if (e.kind === "objectInstance" || e.kind === "multipleResource") {
      return { kind: e.kind, id: e.id, children: entriesFromMeaning(e.children ?? []) };
    }
    const value = e.text !== undefined ? utf8.encode(e.text) : parseHex(e.hex ?? "");
    return { kind: e.kind, id: e.id, value };
  });
}

/** Plain comparable form of a CoAP message: byte fields as hex, nothing else. */
export interface CoapView {
  type: number;
  code: number;
  messageId: number;
  token: string;
  options: { number: number; value: string }[];
  payload: string;
}

export function coapView(m: CoapMessage): CoapView {
  return {
    type: m.type,
    code: m.code,
    messageId: m.messageId,
    token: toHex(m.token),
    options: m.options.map((o) => ({ number: o.number, value: toHex(o.value) })),
    payload: toHex(m.payload),
  };
}

/** Plain comparable form of a TLV tree (containers: children; leaves: hex value). */
export type TlvView =
  | { kind: TlvKind; id: number; children: TlvView[] }
  | { kind: TlvKind; id: number; value: string };

export function tlvView(entries: readonly TlvEntry[]): TlvView[] {
  return entries.map((e) =>
    e.kind === "objectInstance" || e.kind === "multipleResource"
      ? { kind: e.kind, id: e.id, children: tlvView(e.children ?? []) }
      : { kind: e.kind, id: e.id, value: toHex(e.value ?? new Uint8Array(0)) }
  );
}

/** Stable sort by option number: what encodeCoap promises to do with the options it gets. */
export function sortedOptions(m: CoapMessage): CoapMessage {
  const options = m.options.map((o, i) => ({ o, i }))
    .sort((a, b) => a.o.number - b.o.number || a.i - b.i)
    .map((x) => x.o);
  return { ...m, options };
}

/** True when `part` is a view into the same memory as `whole` and lies inside it. */
export function isViewInto(part: Uint8Array, whole: Uint8Array): boolean {
  return part.buffer === whole.buffer && part.byteOffset >= whole.byteOffset &&
    part.byteOffset + part.byteLength <= whole.byteOffset + whole.byteLength;
}

/** A deterministic PRNG (mulberry32) so that bounded fuzz runs are reproducible by seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
