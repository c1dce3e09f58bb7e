/**
 * A scripted LwM2M device for integration tests: a real UDP socket on 127.0.0.1 that sends raw
 * CoAP built with the codec (no CoAP engine of ours in between) and answers the server's requests
 * with test-supplied handlers. Loops are bounded: every wait has a deadline.
 */

import { type CoapMessage, type CoapOption, type Codec, loadCodec } from "../../codec-wasm/mod.ts";
import { OPTION } from "../../codec-wasm/coap_registry.ts";
import { encodeUint } from "../../codec-wasm/values.ts";

const te = new TextEncoder();
const td = new TextDecoder();

export type DeviceHandler = (
  request: CoapMessage,
) => { code: number; options?: CoapOption[]; payload?: Uint8Array } | null;

export class ScriptedDevice {
  readonly codec: Codec;
  readonly conn: Deno.DatagramConn;
  readonly server: Deno.NetAddr;
  #mid = 0x1000;
  #token = 1;
  readonly inbox: CoapMessage[] = [];
  #waiters: (() => void)[] = [];
  /** Answers server requests; return null to stay silent. */
  handler: DeviceHandler = () => ({ code: 132 });
  /** Every request the server sent, in order. */
  readonly requests: CoapMessage[] = [];
  /** Called for each response, ACK or RST the moment it arrives (before any waiter runs). */
  onMessage: (message: CoapMessage) => void = () => {};
  #closed = false;

  private constructor(codec: Codec, conn: Deno.DatagramConn, server: Deno.NetAddr) {
    this.codec = codec;
    this.conn = conn;
    this.server = server;
    this.#loop();
  }

  static async open(serverPort: number, port = 0): Promise<ScriptedDevice> {
    const codec = await loadCodec();
    const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port });
    return new ScriptedDevice(codec, conn, {
      transport: "udp",
      hostname: "127.0.0.1",
      port: serverPort,
    });
  }

  get address(): string {
    return `127.0.0.1:${(this.conn.addr as Deno.NetAddr).port}`;
  }

  async #loop(): Promise<void> {
    try {
      for await (const [data] of this.conn) {
        const m = this.codec.tryDecodeCoap(data);
        if (m instanceof Error) continue;
        const copy = {
          ...m,
          token: m.token.slice(),
          payload: m.payload.slice(),
          options: m.options.map((o) => ({ number: o.number, value: o.value.slice() })),
        };
        if (copy.code >= 1 && copy.code <= 31) this.#answer(copy);
        else {
          this.onMessage(copy);
          this.inbox.push(copy);
        }
        for (const w of this.#waiters.splice(0)) w();
      }
    } catch {
      // closed
    }
  }

  #answer(request: CoapMessage): void {
    this.requests.push(request);
    const reply = this.handler(request);
    if (!reply) return;
    this.sendRaw({
      type: request.type === 0 ? 2 : 1,
      code: reply.code,
      messageId: request.type === 0 ? request.messageId : this.#mid++,
      token: request.token,
      options: reply.options ?? [],
      payload: reply.payload ?? new Uint8Array(0),
    });
  }

  sendRaw(m: CoapMessage): void {
    this.conn.send(this.codec.encodeCoap(m), this.server);
  }

  /** Sends a CON request and waits (bounded) for the matching piggybacked response. */
  async request(
    code: number,
    path: string,
    query: string[] = [],
    payload?: Uint8Array | string,
    extra: CoapOption[] = [],
    timeoutMs = 5000,
  ): Promise<CoapMessage> {
    const mid = this.#mid++;
    const token = new Uint8Array([0xa0, this.#token++ & 0xff]);
    const options: CoapOption[] = [...extra];
    for (const s of path.split("/").filter((x) => x)) {
      options.push({ number: OPTION.URI_PATH, value: te.encode(s) });
    }
    for (const q of query) options.push({ number: OPTION.URI_QUERY, value: te.encode(q) });
    const body = typeof payload === "string" ? te.encode(payload) : payload ?? new Uint8Array(0);
    this.sendRaw({ type: 0, code, messageId: mid, token, options, payload: body });
    return await this.waitFor(
      (m) => m.messageId === mid && m.type === 2 && m.code !== 0,
      timeoutMs,
    );
  }

  /** Register with a link-format object list; returns the response. */
  register(query: string[], links = "</1/0>,</3/0>"): Promise<CoapMessage> {
    return this.request(2, "/rd", query, links, [{
      number: OPTION.CONTENT_FORMAT,
      value: encodeUint(40),
    }]);
  }

  /** Waits for a non-request message (response, ACK, RST) matching `match`. */
  async waitFor(match: (m: CoapMessage) => boolean, timeoutMs = 5000): Promise<CoapMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex(match);
      if (i >= 0) return this.inbox.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a CoAP message");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until the server has sent `count` requests (bounded). */
  async waitForRequests(count: number, timeoutMs = 5000): Promise<CoapMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      if (Date.now() > deadline) {
        throw new Error(`expected ${count} requests, got ${this.requests.length}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.requests;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.conn.close();
  }
}

export function locationPath(m: CoapMessage): string[] {
  return m.options.filter((o) => o.number === OPTION.LOCATION_PATH).map((o) => td.decode(o.value));
}

export function pathOf(m: CoapMessage): string {
  return "/" +
    m.options.filter((o) => o.number === OPTION.URI_PATH).map((o) => td.decode(o.value)).join("/");
}

export function queryOf(m: CoapMessage): string[] {
  return m.options.filter((o) => o.number === OPTION.URI_QUERY).map((o) => td.decode(o.value));
}
