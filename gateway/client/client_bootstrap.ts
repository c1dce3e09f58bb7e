/**
 * Client-initiated bootstrap (LwM2M Core §6.1.3-§6.1.4; spec digest lwm2m-interfaces.md §1.2): the
 * Bootstrap-Request POST /bs?ep=&pct= to the Bootstrap-Server account, then waiting at most
 * EXCHANGE_LIFETIME (247 s) for Bootstrap-Finish while the Bootstrap-Server writes; a failure
 * retries after a doubling delay (60 s up to 1 h). Server-initiated bootstrap (/1/x/9) ends here
 * too. The requests of the Bootstrap-Server itself are answered by bootstrap_ops.ts.
 */

import { uriOptions } from "../coap/wire.ts";
import { CONTENT_FORMAT_TLV } from "../lwm2m/content/mod.ts";
import { POST } from "./codes.ts";
import type { ClientEventType } from "./client_options.ts";
import type { ClientLink } from "./host.ts";
import { parseServerUri } from "./registration_policy.ts";
import type { Scheduler, TimerHandle } from "./scheduler.ts";
import type { ObjectStore } from "./store.ts";

/** EXCHANGE_LIFETIME (RFC 7252 §4.8.2), the wait for Bootstrap-Finish. */
export const BOOTSTRAP_TIMEOUT_MS = 247_000;
const MAX_RETRY_MS = 3_600_000;

export interface BootstrapHost {
  readonly endpoint: string;
  readonly store: ObjectStore;
  readonly scheduler: Scheduler;
  readonly running: boolean;
  currentLink(): ClientLink | null;
  requestTimeoutMs(): number | undefined;
  wake(): void;
  /** Registrations stop while bootstrapping. */
  stopRegistrations(): Promise<void>;
  clientEvent(type: ClientEventType, detail?: string): void;
}

export interface BootstrapTimes {
  timeoutMs?: number;
  retryMs?: number;
}

/** The Bootstrap-Server account's instance (/0/x with /0/x/1 = true), if any. */
export function bootstrapAccount(store: ObjectStore): number | undefined {
  return store.instanceIds(0).find((i) => store.get(0, i, 1) === true);
}

export class Bootstrapper {
  readonly #host: BootstrapHost;
  readonly #times: BootstrapTimes;
  /** The Bootstrap-Server's peer while a bootstrap runs. */
  peer: string | null = null;
  #timer: TimerHandle | null = null;
  #failures = 0;
  #generation = 0;

  constructor(host: BootstrapHost, times: BootstrapTimes) {
    this.#host = host;
    this.#times = times;
  }

  get active(): boolean {
    return this.peer !== null;
  }

  /** Sends the Bootstrap-Request and arms the Finish timeout. */
  async start(reason: string): Promise<void> {
    const h = this.#host;
    const link = h.currentLink();
    if (this.peer || !link) return;
    const bs = bootstrapAccount(h.store);
    const uri = bs === undefined ? undefined : h.store.get(0, bs, 0);
    const parsed = typeof uri === "string" ? parseServerUri(uri) : null;
    if (!parsed || parsed.scheme !== "coap") {
      h.clientEvent(
        "bootstrapFailed",
        bs === undefined ? "no Bootstrap-Server account" : `cannot reach ${uri}`,
      );
      return;
    }
    const generation = ++this.#generation;
    await h.stopRegistrations();
    let peer: string;
    try {
      peer = link.peerFor(await link.resolve(parsed.host, parsed.port));
    } catch (e) {
      this.#failed(`resolving ${uri}: ${e}`);
      return;
    }
    if (generation !== this.#generation) return;
    this.peer = peer;
    h.clientEvent("bootstrapStarted", reason);
    h.wake();
    const result = await link.request(peer, {
      code: POST,
      options: uriOptions("/bs", [`ep=${h.endpoint}`, `pct=${CONTENT_FORMAT_TLV}`]),
    }, h.requestTimeoutMs());
    if (generation !== this.#generation || this.peer !== peer) return;
    if (result.kind !== "response" || result.response.code !== 68) {
      const c = result.kind === "response" ? result.response.code : 0;
      this.#failed(
        result.kind === "response"
          ? `Bootstrap-Request answered ${c >> 5}.${String(c & 31).padStart(2, "0")}`
          : `Bootstrap-Request: ${result.kind}`,
      );
      return;
    }
    const timeout = this.#times.timeoutMs ?? BOOTSTRAP_TIMEOUT_MS;
    this.#timer = h.scheduler.at(h.scheduler.nowMs() + timeout, () => {
      if (this.peer === peer) this.#failed("no Bootstrap-Finish in time");
    });
  }

  /** Bootstrap-Finish was answered 2.04. */
  finished(): void {
    this.#host.scheduler.cancel(this.#timer);
    this.peer = null;
    this.#failures = 0;
    this.#host.clientEvent("bootstrapFinished");
  }

  /** The client stops or reboots: forget the bootstrap in progress. */
  cancel(): void {
    this.#generation++;
    this.#host.scheduler.cancel(this.#timer);
    this.peer = null;
  }

  #failed(reason: string): void {
    const h = this.#host;
    h.scheduler.cancel(this.#timer);
    this.peer = null;
    h.clientEvent("bootstrapFailed", reason);
    const delay = Math.min((this.#times.retryMs ?? 60_000) * 2 ** this.#failures++, MAX_RETRY_MS);
    const generation = this.#generation;
    h.scheduler.at(h.scheduler.nowMs() + delay, () => {
      if (generation === this.#generation && h.running) this.start("retry");
    });
  }
}
