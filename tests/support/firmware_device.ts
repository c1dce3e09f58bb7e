/**
 * A scripted device with a minimal Firmware Update object /5 (spec/objects.md state machine) on
 * top of ScriptedDevice (raw CoAP over real UDP): it takes the package by a Block1 PUT to /5/0/0
 * (push) or fetches the URI written to /5/0/1 over CoAP Block2 or HTTP (pull), answers Reads of
 * /5/0 (TLV) and /5/0/3, /5/0/5 (text, observable: notifications on every change), and executes
 * /5/0/2 Update. Knobs make it fail on purpose. Test support only; every wait is bounded.
 */

import type { CoapMessage, CoapOption } from "../../codec-wasm/types.ts";
import { OPTION } from "../../codec-wasm/coap_registry.ts";
import { decodeBlock, decodeUint, encodeBlock, encodeUint } from "../../codec-wasm/values.ts";
import { pathOf, ScriptedDevice } from "./scripted_device.ts";

const te = new TextEncoder();
const td = new TextDecoder();

const GET = 1;
const POST = 2;
const PUT = 3;
const CONTENT = 69;
const CHANGED = 68;
const CONTINUE = 95; // 2.31
const NOT_FOUND = 132;
const METHOD_NOT_ALLOWED = 133;
const TLV = 11542;
const TEXT = 0;

export interface FirmwareDeviceOptions {
  /** /5/0/9: 0 pull only, 1 push only, 2 both (default 2). */
  delivery?: number;
  /** /5/0/8 (default [0, 2]: CoAP and HTTP). */
  protocols?: number[];
  /** Update Result after Execute Update (default 1, success). */
  updateResult?: number;
  /** Answer the Observe of /5/0/3 and /5/0/5 as an observation (default true). */
  observable?: boolean;
  /** Milliseconds between Execute Update and the result (default 50). */
  updateDelayMs?: number;
}

export class FirmwareDevice {
  readonly device: ScriptedDevice;
  readonly options: Required<FirmwareDeviceOptions>;
  state = 0;
  result = 0;
  /** The package as received (push) or downloaded (pull). */
  received: Uint8Array | null = null;
  /** The URI written to /5/0/1. */
  uri: string | null = null;
  #parts: Uint8Array[] = [];
  /** Observe requests by path, for notifications. */
  #observers = new Map<string, CoapMessage>();
  #seq = 2;
  #mid = 0x5000;

  constructor(device: ScriptedDevice, options: FirmwareDeviceOptions = {}) {
    this.device = device;
    this.options = {
      delivery: 2,
      protocols: [0, 2],
      updateResult: 1,
      observable: true,
      updateDelayMs: 50,
      ...options,
    };
    device.handler = (request) => this.#handle(request);
  }

  #handle(request: CoapMessage) {
    const path = pathOf(request);
    if (request.code === GET && (path === "/5/0/3" || path === "/5/0/5")) {
      const observe = request.options.find((o) => o.number === OPTION.OBSERVE);
      const value = path === "/5/0/3" ? this.state : this.result;
      const options: CoapOption[] = [{ number: OPTION.CONTENT_FORMAT, value: encodeUint(TEXT) }];
      if (observe && decodeUint(observe.value) === 0 && this.options.observable) {
        this.#observers.set(path, request);
        options.unshift({ number: OPTION.OBSERVE, value: encodeUint(1) });
      } else if (observe) this.#observers.delete(path);
      return { code: CONTENT, options, payload: te.encode(String(value)) };
    }
    if (request.code === GET && path === "/5/0") return this.#readInstance();
    if (request.code === PUT && path === "/5/0/0") return this.#package(request);
    if (request.code === PUT && path === "/5/0/1") return this.#packageUri(request);
    if (request.code === POST && path === "/5/0/2") return this.#update();
    return { code: NOT_FOUND };
  }

  #readInstance() {
    const r = (id: number, value: Uint8Array) => ({ kind: "resource" as const, id, value });
    const payload = this.device.codec.encodeTlv([
      r(3, new Uint8Array([this.state])),
      r(5, new Uint8Array([this.result])),
      {
        kind: "multipleResource",
        id: 8,
        children: this.options.protocols.map((p, i) => ({
          kind: "resourceInstance" as const,
          id: i,
          value: new Uint8Array([p]),
        })),
      },
      r(9, new Uint8Array([this.options.delivery])),
    ]);
    return {
      code: CONTENT,
      options: [{ number: OPTION.CONTENT_FORMAT, value: encodeUint(TLV) }],
      payload,
    };
  }

  #package(request: CoapMessage) {
    const option = request.options.find((o) => o.number === OPTION.BLOCK1);
    const block = option ? decodeBlock(option.value) : { num: 0, more: false, szx: 6 };
    if (block.num === 0) {
      this.#parts = [];
      this.#set(1, 0);
    }
    this.#parts.push(request.payload);
    const echo = option ? [{ number: OPTION.BLOCK1, value: encodeBlock(block) }] : [];
    if (block.more) return { code: CONTINUE, options: echo };
    const image = concat(this.#parts);
    if (image.length === 1 && image[0] === 0) {
      this.#set(0, 0); // reset (objects.md: Package = 0x00)
    } else {
      this.received = image;
      setTimeout(() => this.#set(2, 0), 10);
    }
    return { code: CHANGED, options: echo };
  }

  #packageUri(request: CoapMessage) {
    const cf = request.options.find((o) => o.number === OPTION.CONTENT_FORMAT);
    const format = cf ? decodeUint(cf.value) : TEXT;
    const uri = format === TLV
      ? td.decode(this.device.codec.decodeTlv(request.payload)[0].value ?? new Uint8Array())
      : td.decode(request.payload);
    this.uri = uri;
    if (uri === "") {
      this.#set(0, 0);
      return { code: CHANGED };
    }
    this.#set(1, 0);
    setTimeout(() => this.#download(uri), 1);
    return { code: CHANGED };
  }

  async #download(uri: string): Promise<void> {
    try {
      this.received = uri.startsWith("http")
        ? new Uint8Array(await (await fetch(uri)).arrayBuffer())
        : await this.#coapGet(new URL(uri).pathname);
      this.#set(2, 0);
    } catch {
      this.#set(0, 4); // connection lost during downloading
    }
  }

  /** GET with Block2, block by block (RFC 7959 §2.4), to the gateway's CoAP port. */
  async #coapGet(path: string): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for (let num = 0; num < 100_000; num++) {
      const response = await this.device.request(GET, path, [], undefined, [{
        number: OPTION.BLOCK2,
        value: encodeBlock({ num, more: false, szx: 6 }),
      }]);
      if (response.code !== CONTENT) throw new Error(`download answered ${response.code}`);
      parts.push(response.payload);
      const b2 = response.options.find((o) => o.number === OPTION.BLOCK2);
      if (!b2 || !decodeBlock(b2.value).more) return concat(parts);
    }
    throw new Error("too many blocks");
  }

  #update() {
    if (this.state !== 2) return { code: METHOD_NOT_ALLOWED };
    this.#set(3, 0);
    setTimeout(() => {
      const result = this.options.updateResult;
      this.#set(result === 1 ? 0 : 2, result);
    }, this.options.updateDelayMs);
    return { code: CHANGED };
  }

  /** Sends unless the device was closed meanwhile (its timers may outlive a test). */
  #send(m: CoapMessage): void {
    try {
      this.device.sendRaw(m);
    } catch {
      // closed
    }
  }

  /** Changes State/Result and notifies the observers of what changed. */
  #set(state: number, result: number): void {
    const changed: [string, number][] = [];
    if (state !== this.state) changed.push(["/5/0/3", state]);
    if (result !== this.result) changed.push(["/5/0/5", result]);
    this.state = state;
    this.result = result;
    for (const [path, value] of changed) {
      const observer = this.#observers.get(path);
      if (!observer) continue;
      this.#send({
        type: 1,
        code: CONTENT,
        messageId: this.#mid++,
        token: observer.token,
        options: [
          { number: OPTION.OBSERVE, value: encodeUint(this.#seq++) },
          { number: OPTION.CONTENT_FORMAT, value: encodeUint(TEXT) },
        ],
        payload: te.encode(String(value)),
      });
    }
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
