/**
 * A simulated LwM2M device for the dashboard tests: a ScriptedDevice (raw CoAP over loopback UDP,
 * tests/support/scripted_device.ts) with a value store by full path that registers with
 * `</>;ct=110` and then answers the gateway in SenML JSON (LwM2M Core §7.4.4): Read, Observe and
 * Cancel, Write (replace and partial), Write-Attributes, Execute, Create, Delete and Discover.
 * `notify(path)` sends a notification for an observed path. Not a test file; waits are bounded.
 */

import { OPTION } from "../../codec-wasm/coap_registry.ts";
import type { CoapMessage, CoapOption } from "../../codec-wasm/types.ts";
import { decodeUint, encodeUint } from "../../codec-wasm/values.ts";
import { locationPath, pathOf, ScriptedDevice } from "../support/scripted_device.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** CoAP codes (RFC 7252 §12.1.2) and formats (LwM2M Core §7.4). */
const CREATED = 65;
const DELETED = 66;
const CHANGED = 68;
const CONTENT = 69;
const NOT_FOUND = 132;
const NOT_ACCEPTABLE = 134;
const UNSUPPORTED = 143;
const SENML_JSON = 110;
const LINK_FORMAT = 40;

type Value = number | string | boolean;

function uint(m: CoapMessage, number: number): number | undefined {
  const o = m.options.find((x) => x.number === number);
  return o ? decodeUint(o.value) : undefined;
}

function opt(number: number, value: number): CoapOption {
  return { number, value: encodeUint(value) };
}

export class UiDevice {
  readonly values = new Map<string, Value>();
  /** Observed path -> the Observe request (its token answers notifications). */
  readonly observations = new Map<string, CoapMessage>();
  /** Writes received: the target path and the values it set. */
  readonly writes: { path: string; values: Record<string, Value> }[] = [];
  readonly executed: string[] = [];
  /** Write-Attributes received, by path (`pmin=5` ...), reported again by Discover. */
  readonly attributes = new Map<string, string[]>();
  #seq = 2;
  #location: string[] = [];

  private constructor(readonly endpoint: string, readonly device: ScriptedDevice) {
    device.handler = (request) => this.#answer(request);
  }

  /** Opens the socket, registers `endpoint` with the objects of `values`, and returns the device. */
  static async register(
    coapPort: number,
    endpoint: string,
    values: Record<string, Value>,
    lifetimeSec = 300,
  ): Promise<UiDevice> {
    const device = new UiDevice(endpoint, await ScriptedDevice.open(coapPort));
    for (const [p, v] of Object.entries(values)) device.values.set(p, v);
    const instances = new Set(Object.keys(values).map((p) => p.split("/").slice(0, 3).join("/")));
    const links = [`</>;ct=${SENML_JSON}`, ...[...instances].sort().map((p) => `<${p}>`)].join(",");
    const response = await device.device.register(
      [`ep=${endpoint}`, `lt=${lifetimeSec}`, "lwm2m=1.1", "b=U"],
      links,
    );
    if (response.code !== CREATED) {
      throw new Error(`Register of ${endpoint}: code ${response.code}`);
    }
    device.#location = locationPath(response);
    return device;
  }

  /** Values at or under `path`. */
  under(path: string): [string, Value][] {
    return [...this.values].filter(([p]) => p === path || p.startsWith(path + "/"));
  }

  #senml(path: string): Uint8Array {
    const records = this.under(path).map(([n, v]) =>
      typeof v === "boolean" ? { n, vb: v } : typeof v === "number" ? { n, v } : { n, vs: v }
    );
    return te.encode(JSON.stringify(records));
  }

  #answer(m: CoapMessage): { code: number; options?: CoapOption[]; payload?: Uint8Array } {
    const path = pathOf(m);
    const accept = uint(m, OPTION.ACCEPT);
    const format = uint(m, OPTION.CONTENT_FORMAT);
    const hasQuery = m.options.some((o) => o.number === OPTION.URI_QUERY);
    switch (m.code) {
      case 1: { // GET: Read, Observe, Cancel, Discover
        if (accept === LINK_FORMAT) {
          const links = this.under(path).map(([p]) =>
            [`<${p}>`, ...(this.attributes.get(p) ?? [])].join(";")
          ).join(",");
          return {
            code: CONTENT,
            options: [opt(OPTION.CONTENT_FORMAT, LINK_FORMAT)],
            payload: te.encode(links),
          };
        }
        if (accept !== undefined && accept !== SENML_JSON) return { code: NOT_ACCEPTABLE };
        if (this.under(path).length === 0) return { code: NOT_FOUND };
        const observe = uint(m, OPTION.OBSERVE);
        const options = [opt(OPTION.CONTENT_FORMAT, SENML_JSON)];
        if (observe === 0) {
          this.observations.set(path, m);
          options.unshift(opt(OPTION.OBSERVE, 1));
        } else if (observe === 1) this.observations.delete(path);
        return { code: CONTENT, options, payload: this.#senml(path) };
      }
      case 2: // POST: Execute, partial Write, Create
      case 3: { // PUT: Write (replace), Write-Attributes
        if (m.code === 3 && m.payload.length === 0 && hasQuery) { // Write-Attributes
          const query = m.options.filter((o) => o.number === OPTION.URI_QUERY);
          this.attributes.set(path, query.map((o) => td.decode(o.value)));
          return { code: CHANGED };
        }
        if (m.code === 2 && format !== SENML_JSON && path.split("/").length === 4) { // Execute
          this.executed.push(path);
          return { code: CHANGED };
        }
        if (format !== SENML_JSON) return { code: UNSUPPORTED };
        const set = this.#applySenml(m.payload);
        const isCreate = m.code === 2 && path.split("/").length === 2;
        if (isCreate) {
          const instance = Object.keys(set)[0]?.split("/")[2] ?? "0";
          return {
            code: CREATED,
            options: [path.slice(1), instance].map((s) => ({
              number: OPTION.LOCATION_PATH,
              value: te.encode(s),
            })),
          };
        }
        this.writes.push({ path, values: set });
        return { code: CHANGED };
      }
      case 4: // DELETE
        for (const [p] of this.under(path)) this.values.delete(p);
        return { code: DELETED };
    }
    return { code: NOT_FOUND };
  }

  /** Stores the records of a SenML JSON pack (names are bn + n, RFC 8428 §4.5). */
  #applySenml(payload: Uint8Array): Record<string, Value> {
    const set: Record<string, Value> = {};
    let bn = "";
    for (const r of JSON.parse(td.decode(payload)) as Record<string, unknown>[]) {
      if (typeof r.bn === "string") bn = r.bn;
      const name = bn + (typeof r.n === "string" ? r.n : "");
      const v = (r.v ?? r.vb ?? r.vs) as Value | undefined;
      if (v === undefined) continue;
      this.values.set(name, v);
      set[name] = v;
    }
    return set;
  }

  /** Sets values and sends a notification for each observed path they fall under. */
  notify(changes: Record<string, Value>): void {
    for (const [p, v] of Object.entries(changes)) this.values.set(p, v);
    for (const [path, request] of this.observations) {
      if (!Object.keys(changes).some((p) => p === path || p.startsWith(path + "/"))) continue;
      this.device.sendRaw({
        type: 1, // NON
        code: CONTENT,
        messageId: 0x7000 + this.#seq,
        token: request.token,
        options: [opt(OPTION.OBSERVE, this.#seq++), opt(OPTION.CONTENT_FORMAT, SENML_JSON)],
        payload: this.#senml(path),
      });
    }
  }

  /** Waits (bounded) until `path` has been observed. */
  async waitObserved(path: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.observations.has(path)) {
      if (Date.now() > deadline) throw new Error(`${this.endpoint}: ${path} was not observed`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** De-registers (DELETE on the registration's location). */
  async deregister(): Promise<void> {
    await this.device.request(4, "/" + this.#location.join("/"));
  }

  close(): void {
    this.device.close();
  }
}
