/**
 * Host wrapper of the codec wasm module: CoAP messages (RFC 7252 §3) and LwM2M TLV (LwM2M Core
 * §7.4.3) as plain objects, plus the table-level entry points the gateway's hot path uses.
 * Runtime-agnostic (Deno and browsers): no Deno.*, the wasm arrives as bytes, a Response or a
 * module. Values handed out are subarrays of the caller's bytes, never views of wasm memory.
 */

import {
  ABI_CONSTANTS,
  BATCH_STRIDE,
  MAX_BATCH,
  MAX_TLV_ENTRIES,
  MSG_CODE,
  MSG_ERROR_OFFSET,
  MSG_MESSAGE_ID,
  MSG_OPTION_COUNT,
  MSG_OPTION_START,
  MSG_PAYLOAD_LENGTH,
  MSG_PAYLOAD_OFFSET,
  MSG_STATUS,
  MSG_STRIDE,
  MSG_TOKEN_LENGTH,
  MSG_TOKEN_OFFSET,
  MSG_TYPE,
  OPT_STRIDE,
  TLV_ID,
  TLV_KIND,
  TLV_PARENT,
  TLV_STRIDE,
  TLV_VALUE_LENGTH,
  TLV_VALUE_OFFSET,
} from "./abi.ts";
import {
  CodecError,
  ERR_BAD_ARGUMENT,
  ERR_INPUT_TOO_LARGE,
  ERR_TLV_TOO_MANY_ENTRIES,
  OK,
  STATUS_NAMES,
} from "./status.ts";
import type { CoapMessage, CoapOption, CoapType, TlvEntry, TlvKind } from "./types.ts";

export * from "./types.ts";
export * from "./status.ts";
export * as abi from "./abi.ts";

/** Where the wasm comes from: bytes, a fetch Response (or its promise), or a compiled module. */
export type CodecSource =
  | BufferSource
  | Response
  | PromiseLike<Response>
  | WebAssembly.Module;

/** Typed-array views of the module's tables; valid until the next codec call. */
export interface CodecTables {
  readonly msg: Int32Array;
  readonly opt: Int32Array;
  readonly tlv: Int32Array;
}

interface Exports {
  memory: WebAssembly.Memory;
  input(): number;
  inputCapacity(): number;
  output(): number;
  outputCapacity(): number;
  reserve(inputBytes: number, outputBytes: number): number;
  decodeCoap(len: number): number;
  decodeCoapBatch(count: number): number;
  encodeCoap(): number;
  decodeTlv(len: number): number;
  encodeTlv(count: number): number;
  tlvErrorOffset(): number;
  MSG_TABLE: WebAssembly.Global;
  OPT_TABLE: WebAssembly.Global;
  TLV_TABLE: WebAssembly.Global;
  BATCH_TABLE: WebAssembly.Global;
  [name: string]: unknown;
}

const TLV_KINDS: readonly TlvKind[] = [
  "objectInstance",
  "resourceInstance",
  "multipleResource",
  "resource",
];
const TLV_KIND_CODES: Readonly<Record<TlvKind, number>> = {
  objectInstance: 0,
  resourceInstance: 1,
  multipleResource: 2,
  resource: 3,
};
const EMPTY = new Uint8Array(0);
/**
 * Encoded outputs are cut from 64 KiB slabs (as Node's Buffer pool does): allocating a small
 * ArrayBuffer costs about a microsecond here, a subarray tens of nanoseconds. A slab is never
 * reused, so each returned array stays the caller's alone.
 */
const SLAB_SIZE = 65536;
const SLAB_MAX_PIECE = 4096;
/** Up to this many bytes a plain loop copies faster than TypedArray.set (measured here). */
const SMALL_COPY = 32;

/** The codec: object-form API (stable) plus table-level entry points for hot paths. */
export class Codec {
  readonly #x: Exports;
  #u8!: Uint8Array;
  #msg!: Int32Array;
  #opt!: Int32Array;
  #tlv!: Int32Array;
  #batch!: Int32Array;
  #inPtr = 0;
  #inCap = 0;
  #outPtr = 0;
  #outCap = 0;
  #slab = new Uint8Array(SLAB_SIZE);
  #slabAt = 0;

  constructor(instance: WebAssembly.Instance) {
    this.#x = instance.exports as unknown as Exports;
    checkAbi(this.#x);
    this.#refresh();
  }

  /** Views of the message, option and TLV tables (re-read after every call: memory may grow). */
  get tables(): CodecTables {
    return { msg: this.#msg, opt: this.#opt, tlv: this.#tlv };
  }

  /** Decodes one datagram; throws CodecError on malformed input. */
  decodeCoap(bytes: Uint8Array): CoapMessage {
    const status = this.decodeCoapRow(bytes);
    if (status !== OK) throw new CodecError(status, this.#msg[MSG_ERROR_OFFSET]);
    return this.messageAt(0, bytes);
  }

  /** Non-throwing form of decodeCoap: the message or the CodecError as a value. */
  tryDecodeCoap(bytes: Uint8Array): CoapMessage | CodecError {
    const status = this.decodeCoapRow(bytes);
    if (status !== OK) return new CodecError(status, this.#msg[MSG_ERROR_OFFSET]);
    return this.messageAt(0, bytes);
  }

  /**
   * Table form: decodes one datagram into message row 0 and returns its status; read the fields
   * from `tables.msg` / `tables.opt` (abi.ts indexes). No objects are made.
   */
  decodeCoapRow(bytes: Uint8Array): number {
    const len = bytes.length;
    if (len > this.#inCap) this.#reserve(len, 0);
    copyBytes(this.#u8, this.#inPtr, bytes);
    return this.#x.decodeCoap(len);
  }

  /**
   * Batch table form: decodes up to MAX_BATCH datagrams in one call into rows 0..n-1 and returns
   * how many decoded without error. Row i's status is `tables.msg[i * MSG_STRIDE + MSG_STATUS]`.
   */
  decodeCoapBatch(datagrams: readonly Uint8Array[]): number {
    const count = datagrams.length;
    if (count > MAX_BATCH) throw new CodecError(ERR_BAD_ARGUMENT, 0);
    let total = 0;
    for (let i = 0; i < count; i++) total += datagrams[i].length;
    if (total > this.#inCap) this.#reserve(total, 0);
    const u8 = this.#u8;
    const batch = this.#batch;
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const d = datagrams[i];
      u8.set(d, this.#inPtr + offset);
      batch[i * BATCH_STRIDE] = offset;
      batch[i * BATCH_STRIDE + 1] = d.length;
      offset += d.length;
    }
    return this.#x.decodeCoapBatch(count);
  }

  /** Builds the message of a successfully decoded row; `bytes` is that row's datagram. */
  messageAt(row: number, bytes: Uint8Array): CoapMessage {
    const msg = this.#msg;
    const opt = this.#opt;
    const base = row * MSG_STRIDE;
    if (msg[base + MSG_STATUS] !== OK) {
      throw new CodecError(msg[base + MSG_STATUS], msg[base + MSG_ERROR_OFFSET]);
    }
    const tokenOffset = msg[base + MSG_TOKEN_OFFSET];
    const optionStart = msg[base + MSG_OPTION_START];
    const optionCount = msg[base + MSG_OPTION_COUNT];
    const payloadOffset = msg[base + MSG_PAYLOAD_OFFSET];
    const options: CoapOption[] = new Array(optionCount);
    for (let i = 0; i < optionCount; i++) {
      const o = (optionStart + i) * OPT_STRIDE;
      const at = opt[o + 1];
      options[i] = { number: opt[o], value: bytes.subarray(at, at + opt[o + 2]) };
    }
    return {
      type: msg[base + MSG_TYPE] as CoapType,
      code: msg[base + MSG_CODE],
      messageId: msg[base + MSG_MESSAGE_ID],
      token: bytes.subarray(tokenOffset, tokenOffset + msg[base + MSG_TOKEN_LENGTH]),
      options,
      payload: bytes.subarray(payloadOffset, payloadOffset + msg[base + MSG_PAYLOAD_LENGTH]),
    };
  }

  /** Encodes a message; options are sorted by number (stable). Throws CodecError on bad input. */
  encodeCoap(m: CoapMessage): Uint8Array {
    const token = m.token ?? EMPTY;
    const payload = m.payload ?? EMPTY;
    let options = m.options ?? [];
    if (
      !isInt(m.type) || !isInt(m.code) || !isInt(m.messageId) || token.length > 8 ||
      options.length > this.#opt.length / OPT_STRIDE
    ) {
      throw new CodecError(ERR_BAD_ARGUMENT, 0);
    }
    let sorted = true;
    let need = token.length + payload.length;
    for (let i = 0; i < options.length; i++) {
      const o = options[i];
      if (!isInt(o.number)) throw new CodecError(ERR_BAD_ARGUMENT, 0);
      if (i > 0 && o.number < options[i - 1].number) sorted = false;
      need += o.value.length;
    }
    if (!sorted) options = stableSortByNumber(options);
    const outNeed = need + 5 * options.length + 5;
    if (need > this.#inCap || outNeed > this.#outCap) this.#reserve(need, outNeed);
    const u8 = this.#u8;
    const msg = this.#msg;
    const opt = this.#opt;
    const inPtr = this.#inPtr;
    let at = 0;
    msg[MSG_TYPE] = m.type;
    msg[MSG_CODE] = m.code;
    msg[MSG_MESSAGE_ID] = m.messageId;
    msg[MSG_TOKEN_LENGTH] = token.length;
    msg[MSG_TOKEN_OFFSET] = 0;
    copyBytes(u8, inPtr, token);
    at = token.length;
    for (let i = 0; i < options.length; i++) {
      const o = options[i];
      const r = i * OPT_STRIDE;
      opt[r] = o.number;
      opt[r + 1] = at;
      opt[r + 2] = o.value.length;
      copyBytes(u8, inPtr + at, o.value);
      at += o.value.length;
    }
    msg[MSG_OPTION_COUNT] = options.length;
    msg[MSG_PAYLOAD_OFFSET] = at;
    msg[MSG_PAYLOAD_LENGTH] = payload.length;
    copyBytes(u8, inPtr + at, payload);
    const n = this.#x.encodeCoap();
    if (n < 0) throw new CodecError(n, 0);
    return this.#copyOut(n);
  }

  /** Decodes a TLV payload into a tree; throws CodecError on malformed input. */
  decodeTlv(bytes: Uint8Array): TlvEntry[] {
    const result = this.tryDecodeTlv(bytes);
    if (result instanceof CodecError) throw result;
    return result;
  }

  /** Non-throwing form of decodeTlv. */
  tryDecodeTlv(bytes: Uint8Array): TlvEntry[] | CodecError {
    const count = this.decodeTlvRows(bytes);
    if (count < 0) return new CodecError(count, this.#x.tlvErrorOffset());
    const tlv = this.#tlv;
    const rows: TlvEntry[] = new Array(count);
    const top: TlvEntry[] = [];
    for (let i = 0; i < count; i++) {
      const r = i * TLV_STRIDE;
      const kind = tlv[r + TLV_KIND];
      const entry: TlvEntry = kind === 0 || kind === 2
        ? { kind: TLV_KINDS[kind], id: tlv[r + TLV_ID], children: [] }
        : {
          kind: TLV_KINDS[kind],
          id: tlv[r + TLV_ID],
          value: bytes.subarray(
            tlv[r + TLV_VALUE_OFFSET],
            tlv[r + TLV_VALUE_OFFSET] + tlv[r + TLV_VALUE_LENGTH],
          ),
        };
      rows[i] = entry;
      const parent = tlv[r + TLV_PARENT];
      if (parent < 0) top.push(entry);
      else rows[parent].children!.push(entry);
    }
    return top;
  }

  /** Table form: decodes TLV into rows of `tables.tlv`; returns the row count or a status. */
  decodeTlvRows(bytes: Uint8Array): number {
    const len = bytes.length;
    if (len > this.#inCap) this.#reserve(len, 0);
    this.#u8.set(bytes, this.#inPtr);
    return this.#x.decodeTlv(len);
  }

  /** Encodes a TLV tree; containers take `children`, the others `value` (empty if absent). */
  encodeTlv(entries: readonly TlvEntry[]): Uint8Array {
    let count = 0;
    let bytes = 0;
    const measure = (list: readonly TlvEntry[]) => {
      for (const e of list) {
        count++;
        if (e.kind === "objectInstance" || e.kind === "multipleResource") {
          measure(e.children ?? []);
        } else bytes += e.value?.length ?? 0;
      }
    };
    measure(entries);
    if (count > MAX_TLV_ENTRIES) throw new CodecError(ERR_TLV_TOO_MANY_ENTRIES, 0);
    const outNeed = bytes + 6 * count;
    if (bytes > this.#inCap || outNeed > this.#outCap) this.#reserve(bytes, outNeed);
    const u8 = this.#u8;
    const tlv = this.#tlv;
    const inPtr = this.#inPtr;
    let row = 0;
    let at = 0;
    const write = (list: readonly TlvEntry[], parent: number) => {
      for (const e of list) {
        const r = row * TLV_STRIDE;
        const kind = TLV_KIND_CODES[e.kind];
        if (kind === undefined || !isInt(e.id)) throw new CodecError(ERR_BAD_ARGUMENT, 0);
        tlv[r + TLV_PARENT] = parent;
        tlv[r + TLV_KIND] = kind;
        tlv[r + TLV_ID] = e.id;
        const self = row++;
        if (kind === 0 || kind === 2) {
          write(e.children ?? [], self);
        } else {
          const value = e.value ?? EMPTY;
          tlv[r + TLV_VALUE_OFFSET] = at;
          tlv[r + TLV_VALUE_LENGTH] = value.length;
          u8.set(value, inPtr + at);
          at += value.length;
        }
      }
    };
    write(entries, -1);
    const n = this.#x.encodeTlv(count);
    if (n < 0) throw new CodecError(n, 0);
    return this.#copyOut(n);
  }

  /** Copies `n` bytes of OUTPUT into memory the caller owns. */
  #copyOut(n: number): Uint8Array {
    const u8 = this.#u8;
    const from = this.#outPtr;
    if (n > SLAB_MAX_PIECE) return u8.slice(from, from + n);
    if (this.#slabAt + n > SLAB_SIZE) {
      this.#slab = new Uint8Array(SLAB_SIZE);
      this.#slabAt = 0;
    }
    const slab = this.#slab;
    const at = this.#slabAt;
    this.#slabAt += n;
    if (n > SMALL_COPY) slab.set(u8.subarray(from, from + n), at);
    else for (let i = 0; i < n; i++) slab[at + i] = u8[from + i];
    return slab.subarray(at, at + n);
  }

  /** The slower path for large inputs: grow wasm memory, then re-create the views. */
  #reserve(inputBytes: number, outputBytes: number): void {
    const status = this.#x.reserve(inputBytes, outputBytes);
    if (status !== OK) throw new CodecError(ERR_INPUT_TOO_LARGE, 0);
    this.#refresh();
  }

  #refresh(): void {
    const x = this.#x;
    const buffer = x.memory.buffer;
    this.#u8 = new Uint8Array(buffer);
    this.#msg = new Int32Array(buffer, x.MSG_TABLE.value, MSG_STRIDE * MAX_BATCH);
    this.#opt = new Int32Array(buffer, x.OPT_TABLE.value, OPT_STRIDE * ABI_CONSTANTS.MAX_OPTIONS);
    this.#tlv = new Int32Array(buffer, x.TLV_TABLE.value, TLV_STRIDE * MAX_TLV_ENTRIES);
    this.#batch = new Int32Array(buffer, x.BATCH_TABLE.value, BATCH_STRIDE * MAX_BATCH);
    this.#inPtr = x.input();
    this.#inCap = x.inputCapacity();
    this.#outPtr = x.output();
    this.#outCap = x.outputCapacity();
  }
}

/** TypedArray.set costs more than a loop for the few bytes of a token or option value. */
function copyBytes(to: Uint8Array, at: number, from: Uint8Array): void {
  const n = from.length;
  if (n > SMALL_COPY) {
    to.set(from, at);
    return;
  }
  for (let i = 0; i < n; i++) to[at + i] = from[i];
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

function stableSortByNumber(options: readonly CoapOption[]): CoapOption[] {
  return options.map((o, i) => ({ o, i }))
    .sort((a, b) => a.o.number - b.o.number || a.i - b.i)
    .map((x) => x.o);
}

/** Fails loudly when the wasm was built from another layout or status table than this host. */
function checkAbi(x: Exports): void {
  const expected: Record<string, number> = { ...ABI_CONSTANTS };
  for (const [code, name] of Object.entries(STATUS_NAMES)) expected[name] = Number(code);
  for (const [name, value] of Object.entries(expected)) {
    const g = x[name] as WebAssembly.Global | undefined;
    if (!g || g.value !== value) {
      throw new Error(`codec.wasm is out of date: ${name} is ${g?.value}, host expects ${value}`);
    }
  }
}

async function compile(source: CodecSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    return await WebAssembly.compile(source);
  }
  const response = await source;
  if (!response.ok) throw new Error(`codec.wasm: HTTP ${response.status}`);
  return await WebAssembly.compile(await response.arrayBuffer());
}

/**
 * Loads the codec. Without a source it fetches build/codec.wasm beside this module (a file: URL
 * under Deno, the served URL in browsers). The module needs no imports.
 */
export async function loadCodec(source?: CodecSource): Promise<Codec> {
  const module = await compile(source ?? fetch(new URL("./build/codec.wasm", import.meta.url)));
  const instance = await WebAssembly.instantiate(module, {});
  return new Codec(instance);
}
