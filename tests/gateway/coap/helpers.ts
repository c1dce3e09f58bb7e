/**
 * Shared fixtures for the unit tests of the sans-IO CoAP core (gateway/coap, RFC 7252/7641/7959):
 * the codec, deterministic ids (a token source counting up, `random()` returning a fixed value),
 * message builders and decoders of `send` effects. Not a test file itself.
 */

import assert from "node:assert/strict";
import { loadCodec } from "../../../codec-wasm/mod.ts";
import type { CoapMessage, CoapOption, CoapType } from "../../../codec-wasm/types.ts";
import {
  type CoapEffect,
  type CoapIds,
  type CoapParams,
  type CoapState,
  createCoapState,
  nextDeadlineMs,
  type Peer,
  tick,
} from "../../../gateway/coap/mod.ts";

export const codec = await loadCodec();

export const PEER: Peer = "10.0.0.2:5683";
export const OTHER_PEER: Peer = "10.0.0.3:5683";

export const CON = 0;
export const NON = 1;
export const ACK = 2;
export const RST = 3;

export const GET = 1;
export const POST = 2;
export const PUT = 3;
export const CREATED = 65;
export const CHANGED = 68;
export const CONTENT = 69;
export const CONTINUE = 95;
export const BAD_REQUEST = 128;
export const BAD_OPTION = 130;
export const NOT_FOUND = 132;
export const INCOMPLETE = 136;
export const TOO_LARGE = 141;

export const OBSERVE = 6;
export const URI_PATH = 11;
export const BLOCK2 = 23;
export const BLOCK1 = 27;
export const SIZE2 = 28;
export const SIZE1 = 60;

/** Deterministic ids: tokens count up from 1 (big-endian in `length` bytes); `random()` is fixed. */
export class CountingIds implements CoapIds {
  count = 0;
  constructor(public fixedRandom = 0) {}
  token(length: number): Uint8Array {
    this.count++;
    const out = new Uint8Array(length);
    let n = this.count;
    for (let i = length - 1; i >= 0 && n > 0; i--) {
      out[i] = n & 0xff;
      n = Math.floor(n / 256);
    }
    return out;
  }
  random(): number {
    return this.fixedRandom;
  }
}

/** A core serving every path ("*") with deterministic ids; message ids start at 0 (random()=0). */
export function makeState(
  options: { random?: number; params?: Partial<CoapParams>; routes?: string[] } = {},
): CoapState {
  return createCoapState(codec, new CountingIds(options.random ?? 0), {
    params: options.params,
    routes: options.routes ?? ["*"],
  });
}

const text = new TextEncoder();
const untext = new TextDecoder();

export function bytes(s: string): Uint8Array {
  return text.encode(s);
}

export function str(b: Uint8Array): string {
  return untext.decode(b);
}

/** A body of `n` bytes with a recognisable pattern. */
export function body(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + (i >> 8)) & 0xff;
  return out;
}

export function path(...segments: string[]): CoapOption[] {
  return segments.map((s) => ({ number: URI_PATH, value: text.encode(s) }));
}

export function uint(number: number, value: number): CoapOption {
  const out: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return { number, value: new Uint8Array(out) };
}

export function block(number: number, num: number, more: boolean, szx: number): CoapOption {
  return uint(number, num * 16 + (more ? 8 : 0) + szx);
}

/** Fields of a message to build; `type` defaults to CON. */
export type MessageSpec = Omit<Partial<CoapMessage>, "type"> & {
  type?: number;
  code: number;
  messageId: number;
};

/** Builds a message with defaults (CON, empty token, no options, no payload). */
export function msg(m: MessageSpec): CoapMessage {
  return {
    token: new Uint8Array(0),
    options: [],
    payload: new Uint8Array(0),
    ...m,
    type: (m.type ?? CON) as CoapType,
  };
}

export function encode(m: MessageSpec): Uint8Array {
  return codec.encodeCoap(msg(m));
}

export interface Sent {
  peer: Peer;
  m: CoapMessage;
  bytes: Uint8Array;
}

/** The decoded `send` effects, in order. */
export function sent(effects: CoapEffect[]): Sent[] {
  return effects.flatMap((e) =>
    e.kind === "send" ? [{ peer: e.peer, m: codec.decodeCoap(e.bytes), bytes: e.bytes }] : []
  );
}

/** The only `send` effect's message. */
export function onlySent(effects: CoapEffect[]): CoapMessage {
  const s = sent(effects);
  assert.equal(s.length, 1, `expected one send, got ${s.length}: ${kinds(effects).join(",")}`);
  return s[0].m;
}

export function kinds(effects: CoapEffect[]): string[] {
  return effects.map((e) => e.kind);
}

export function ofKind<K extends CoapEffect["kind"]>(
  effects: CoapEffect[],
  kind: K,
): Extract<CoapEffect, { kind: K }>[] {
  return effects.filter((e): e is Extract<CoapEffect, { kind: K }> => e.kind === kind);
}

export function option(m: CoapMessage, number: number): Uint8Array | undefined {
  return m.options.find((o) => o.number === number)?.value;
}

export function uintValue(m: CoapMessage, number: number): number | undefined {
  const v = option(m, number);
  if (v === undefined) return undefined;
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

/** Block option fields of `m`, or undefined. */
export function blockOf(
  m: CoapMessage,
  number: number,
): { num: number; more: boolean; szx: number } | undefined {
  const v = uintValue(m, number);
  if (v === undefined) return undefined;
  return { num: Math.floor(v / 16), more: (v & 8) !== 0, szx: v & 7 };
}

export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Runs `tick` at each deadline up to `untilMs` (bounded); returns the ticks that had effects. */
export function runTimers(
  state: CoapState,
  untilMs: number,
  maxSteps = 10_000,
): { atMs: number; effects: CoapEffect[] }[] {
  const out: { atMs: number; effects: CoapEffect[] }[] = [];
  for (let step = 0; step < maxSteps; step++) {
    const next = nextDeadlineMs(state);
    if (next === null || next > untilMs) return out;
    const effects = tick(state, next);
    if (effects.length > 0) out.push({ atMs: next, effects });
  }
  throw new Error(`runTimers: more than ${maxSteps} steps before ${untilMs} ms`);
}
