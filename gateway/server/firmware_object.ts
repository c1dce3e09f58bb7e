/**
 * The Firmware Update object (/5/0, LwM2M Core Appendix E.6; spec/objects.md) of one registered
 * device as the requests a firmware job sends: Read the instance, observe State (/5/0/3) and
 * Update Result (/5/0/5), write Package (/5/0/0, Content-Format 42, Block1 by the CoAP core) or
 * Package URI (/5/0/1), reset, and Execute Update (/5/0/2). Nothing is queued for a sleeping
 * client: a job wants answers now. Also the job's small shell helpers (`Slots`, `describe`).
 */

import { CONTENT_FORMAT } from "../../codec-wasm/coap_registry.ts";
import type { Lwm2mResult, Operation } from "../lwm2m/operations.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import type { Lwm2mValue, Lwm2mValues } from "../lwm2m/values.ts";
import type { DeviceSnapshot } from "./firmware_steps.ts";
import type { Lwm2mServer } from "./lwm2m_server.ts";

const P = (text: string) => Lwm2mPath.parse(text);

export function numberOf(v: unknown): number | undefined {
  return typeof v === "number" || typeof v === "bigint" ? Number(v) : undefined;
}

/** State, Update Result, Delivery Method and Protocol Support from a Read of /5/0. Pure. */
export function snapshotOf(values: Lwm2mValues): DeviceSnapshot {
  const protocols = [...values].filter(([k]) => k.startsWith("/5/0/8/"))
    .map(([, v]) => numberOf(v)).filter((v): v is number => v !== undefined);
  return {
    state: numberOf(values.get("/5/0/3")),
    result: numberOf(values.get("/5/0/5")),
    delivery: numberOf(values.get("/5/0/9")),
    protocols: protocols.length > 0 ? protocols : undefined,
  };
}

/** A failed result in words, for a job's message. */
export function describe(result: Lwm2mResult): string {
  switch (result.kind) {
    case "deviceError": {
      const code = `${result.coapCode >> 5}.${String(result.coapCode & 31).padStart(2, "0")}`;
      return `the device answered ${code}`;
    }
    case "failed":
      return result.message;
    case "timeout":
      return "the device did not answer in time";
    default:
      return result.kind;
  }
}

export class FirmwareObject {
  readonly #server: Lwm2mServer;
  readonly #endpoint: string;
  readonly #timeoutMs: number;
  readonly #observations: string[] = [];

  constructor(server: Lwm2mServer, endpoint: string, requestTimeoutMs: number) {
    this.#server = server;
    this.#endpoint = endpoint;
    this.#timeoutMs = requestTimeoutMs;
  }

  #perform(op: Operation, format?: number, timeoutMs = this.#timeoutMs): Promise<Lwm2mResult> {
    return this.#server.perform(this.#endpoint, op, { format, timeoutMs, queue: false });
  }

  #write(path: string, value: Lwm2mValue, format?: number, timeoutMs?: number) {
    const values = new Map([[path, value]]);
    return this.#perform(
      { kind: "write", mode: "replace", path: P(path), values },
      format,
      timeoutMs,
    );
  }

  /** Reads /5/0; the values when the device answered content. */
  async read(): Promise<Lwm2mValues | undefined> {
    const result = await this.#perform({ kind: "read", path: P("/5/0") });
    return result.kind === "content" ? result.values : undefined;
  }

  /** Observes State and Update Result; returns their first values (cancelled by `close`). */
  async observe(): Promise<Lwm2mValues> {
    const values: Lwm2mValues = new Map();
    for (const path of ["/5/0/3", "/5/0/5"]) {
      const o = await this.#server.observations.observe(this.#endpoint, [P(path)], false);
      if (o.observationId !== null) this.#observations.push(o.observationId);
      if (o.result.kind === "content") { for (const [k, v] of o.result.values) values.set(k, v); }
    }
    return values;
  }

  /** Back to Idle (objects.md "reset"): "" to Package URI, or 0x00 to Package. */
  reset(viaUri: boolean): Promise<Lwm2mResult> {
    return viaUri
      ? this.#write("/5/0/1", "")
      : this.#write("/5/0/0", new Uint8Array([0]), CONTENT_FORMAT.OPAQUE);
  }

  writePackage(image: Uint8Array, timeoutMs: number): Promise<Lwm2mResult> {
    return this.#write("/5/0/0", image, CONTENT_FORMAT.OPAQUE, timeoutMs);
  }

  writePackageUri(uri: string): Promise<Lwm2mResult> {
    return this.#write("/5/0/1", uri);
  }

  update(): Promise<Lwm2mResult> {
    return this.#perform({ kind: "execute", path: P("/5/0/2") });
  }

  /** Cancels the observations of `observe`. */
  async close(): Promise<void> {
    for (const id of this.#observations.splice(0)) {
      await this.#server.observations.cancel(id).catch(() => false);
    }
  }
}

/** At most `n` jobs run at once; the others wait in order. */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
  /** Lets every waiting job go (they then see the service closed). */
  drain(): void {
    for (const next of this.#waiting.splice(0)) next();
  }
}
