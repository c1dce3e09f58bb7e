/**
 * The client's server accounts and their registrations (LwM2M Core §6.2 Client Registration
 * interface; spec digest lwm2m-interfaces.md §2): one account per Server instance (/1/x) with the
 * Security instance of the same Short Server ID; Register, Update and De-register sent through
 * the CoAP engine, each outcome fed to the pure lifecycle (registration_policy.ts) whose
 * decision (wait, register, update, bootstrap, give up) this shell executes with the injected
 * scheduler. Updates go out on lifetime, on a changed object list, lifetime or binding, and on
 * the Registration Update Trigger.
 */

import { OPTION } from "../../codec-wasm/coap_registry.ts";
import { encodeUint } from "../../codec-wasm/values.ts";
import type { RequestResult } from "../coap/state.ts";
import { uriOptions } from "../coap/wire.ts";
import { CONTENT_FORMAT_LINK } from "../lwm2m/content/mod.ts";
import { DELETE, POST } from "./codes.ts";
import type { ClientLink } from "./host.ts";
import {
  type ObjectEntry,
  objectListPayload,
  onRegisterResult,
  onTimer,
  onUpdateResult,
  parseServerUri,
  registerQuery,
  type RegistrationDecision,
  type RegistrationState,
  requestUpdate,
  type RetryPolicy,
  retryPolicyOf,
  splitBinding,
  startRegistration,
  updateQuery,
} from "./registration_policy.ts";
import type { Scheduler, TimerHandle } from "./scheduler.ts";
import type { ObjectStore } from "./store.ts";

const td = new TextDecoder();
const te = new TextEncoder();

export type RegistrationEventType =
  | "registered"
  | "updated"
  | "deregistered"
  | "registrationFailed"
  /** Every attempt of every sequence failed (or the server cannot be reached at all). */
  | "registrationGaveUp"
  | "updateFailed";

export interface RegistrationHost {
  readonly endpoint: string;
  readonly lwm2mVersion: string;
  readonly formats: readonly number[];
  readonly store: ObjectStore;
  readonly scheduler: Scheduler;
  currentLink(): ClientLink | null;
  requestTimeoutMs(): number | undefined;
  /** Any exchange: queue mode stays awake a while longer. */
  touch(): void;
  /** Called before sending (queue mode wakes up). */
  wake(): void;
  /** The server forgot our observations (new registration). */
  registeredAnew(ssid: number): void;
  bootstrap(reason: string): void;
  registrationEvent(type: RegistrationEventType, ssid: number, detail?: string): void;
}

export interface Account {
  ssid: number;
  uri: string;
  peer: string | null;
  state: RegistrationState;
  policy: RetryPolicy;
  timer: TimerHandle | null;
  sent: { lifetimeSec: number; binding: string; queue: boolean } | null;
  objectsDirty: boolean;
  inFlight: boolean;
  updateWanted: boolean;
}

export class Registrations {
  readonly #host: RegistrationHost;
  /** One per server account (an array: most devices have one or two). */
  accounts: Account[] = [];
  /** Bumped on stop: late answers of a previous life are ignored. */
  #generation = 0;

  constructor(host: RegistrationHost) {
    this.#host = host;
  }

  /** The server instance of an SSID, or undefined. */
  serverInstance(ssid: number): number | undefined {
    const s = this.#host.store;
    return s.instanceIds(1).find((i) => s.get(1, i, 0) === ssid);
  }

  /** Lifetime, binding and queue flag of an account's Server instance. */
  params(ssid: number): { lifetimeSec: number; binding: string; queue: boolean } {
    const s = this.#host.store;
    const i = this.serverInstance(ssid);
    const lt = i === undefined ? undefined : s.get(1, i, 1);
    const b = i === undefined ? undefined : s.get(1, i, 7);
    const split = splitBinding(typeof b === "string" ? b : "U");
    return { lifetimeSec: typeof lt === "number" && lt > 0 ? lt : 86400, ...split };
  }

  /** Server accounts the store describes: (SSID, URI) of Server instances with a Security one. */
  described(): { ssid: number; uri: string }[] {
    const s = this.#host.store;
    const out: { ssid: number; uri: string }[] = [];
    for (const i of s.instanceIds(1)) {
      const ssid = s.get(1, i, 0);
      const sec = s.instanceIds(0).find((x) => s.get(0, x, 10) === ssid && s.get(0, x, 1) !== true);
      const uri = sec === undefined ? undefined : s.get(0, sec, 0);
      if (typeof ssid === "number" && typeof uri === "string") out.push({ ssid, uri });
    }
    return out;
  }

  /** The account a request from `peer` belongs to, when registered with it. */
  byPeer(peer: string): Account | undefined {
    for (const a of this.accounts) if (a.peer === peer && a.state.location !== null) return a;
    return undefined;
  }

  /** Queue mode applies when every account registered with Q. */
  get queueMode(): boolean {
    if (this.accounts.length === 0) return false;
    for (const a of this.accounts) if (!a.sent?.queue) return false;
    return true;
  }

  /** Starts registering with every described account. */
  startAll(): void {
    const now = this.#host.scheduler.nowMs();
    for (const { ssid, uri } of this.described()) {
      const i = this.serverInstance(ssid)!;
      const policy = sharedPolicy(retryPolicyOf((r) => this.#host.store.get(1, i, r)));
      const decision = startRegistration(policy, now);
      const account: Account = {
        ssid,
        uri,
        peer: null,
        state: decision.state,
        policy,
        timer: null,
        sent: null,
        objectsDirty: false,
        inFlight: false,
        updateWanted: false,
      };
      this.accounts.push(account);
      this.#apply(account, decision);
    }
  }

  /** Stops every timer; with `deregister`, sends De-register to each registered server. */
  async stopAll(deregister: boolean, timeoutMs = 5000): Promise<void> {
    this.#generation++;
    const pending: Promise<unknown>[] = [];
    for (const a of this.accounts) {
      this.#host.scheduler.cancel(a.timer);
      a.timer = null;
      if (deregister) pending.push(this.#deregister(a, timeoutMs));
    }
    await Promise.all(pending);
    this.accounts = [];
  }

  /** Sends an Update to `ssid` (or to all) as soon as possible. */
  update(ssid?: number): void {
    for (const a of this.accounts) {
      if (ssid !== undefined && a.ssid !== ssid) continue;
      const d = a.inFlight ? null : requestUpdate(a.state);
      if (d) this.#apply(a, d);
      else a.updateWanted = true;
    }
  }

  /** The object list changed: every registration gets an Update with the new list. */
  objectsChanged(): void {
    for (const a of this.accounts) a.objectsDirty = true;
    this.update();
  }

  /** Registers again with every account (after a firmware update or a disable timeout). */
  reregister(ssid?: number): void {
    for (const a of this.accounts) {
      if (ssid !== undefined && a.ssid !== ssid) continue;
      this.#host.scheduler.cancel(a.timer);
      this.#apply(a, {
        kind: "register",
        state: { ...a.state, phase: "registering", attempt: 1, sequence: 1 },
      });
    }
  }

  /** De-registers one account and registers again after `afterMs` (Disable, /1/x/4). */
  async disable(ssid: number, afterMs: number): Promise<void> {
    const a = this.accounts.find((x) => x.ssid === ssid);
    if (!a) return;
    this.#host.scheduler.cancel(a.timer);
    await this.#deregister(a, 5000);
    const generation = this.#generation;
    a.timer = this.#host.scheduler.at(this.#host.scheduler.nowMs() + afterMs, () => {
      if (generation === this.#generation) this.reregister(ssid);
    });
  }

  #objects(): ObjectEntry[] {
    const s = this.#host.store;
    return s.definitions.ids().map((o) => ({
      objectId: o,
      version: s.definitions.get(o)!.model.version,
      instances: s.instanceIds(o),
    }));
  }

  #apply(a: Account, d: RegistrationDecision): void {
    a.state = d.state;
    const h = this.#host;
    switch (d.kind) {
      case "register":
        this.#register(a);
        return;
      case "update":
        this.#update(a);
        return;
      case "wait": {
        h.scheduler.cancel(a.timer);
        const generation = this.#generation;
        a.timer = h.scheduler.at(d.atMs, () => {
          a.timer = null;
          if (generation !== this.#generation) return;
          this.#apply(a, onTimer(a.state, this.params(a.ssid).lifetimeSec, h.scheduler.nowMs()));
        });
        if (a.updateWanted && a.state.phase === "registered") {
          a.updateWanted = false;
          this.update(a.ssid);
        }
        return;
      }
      case "bootstrap":
        h.registrationEvent("registrationGaveUp", a.ssid, "every attempt failed: bootstrapping");
        h.bootstrap(`registration with server ${a.ssid} failed`);
        return;
      case "failed":
        h.registrationEvent("registrationGaveUp", a.ssid, "every attempt failed");
        return;
    }
  }

  async #peer(a: Account): Promise<string | null> {
    if (a.peer) return a.peer;
    const link = this.#host.currentLink();
    const parsed = parseServerUri(a.uri);
    if (!link || !parsed || parsed.scheme !== "coap") return null;
    try {
      a.peer = link.peerFor(await link.resolve(parsed.host, parsed.port));
    } catch {
      return null;
    }
    return a.peer;
  }

  async #send(
    a: Account,
    build: (peer: string) => Parameters<ClientLink["request"]>[1],
  ): Promise<RequestResult | null> {
    const h = this.#host;
    const generation = this.#generation;
    a.inFlight = true;
    try {
      const peer = await this.#peer(a);
      const link = h.currentLink();
      if (!peer || !link || generation !== this.#generation) return null;
      h.wake();
      const result = await link.request(peer, build(peer), h.requestTimeoutMs());
      if (generation !== this.#generation) return null;
      h.touch();
      return result;
    } finally {
      a.inFlight = false;
    }
  }

  async #register(a: Account): Promise<void> {
    const h = this.#host;
    const p = this.params(a.ssid);
    const generation = this.#generation;
    const parsed = parseServerUri(a.uri);
    if (parsed?.scheme === "coaps") {
      h.registrationEvent(
        "registrationGaveUp",
        a.ssid,
        `${a.uri}: coaps (DTLS) arrives with issue 8`,
      );
      a.state = { ...a.state, phase: "failed" };
      return;
    }
    const payload = te.encode(
      objectListPayload(this.#objects(), h.formats, h.currentLink()?.rootPath ?? "/"),
    );
    const result = await this.#send(a, () => ({
      code: POST,
      options: [
        ...uriOptions(
          "/rd",
          registerQuery({ endpoint: h.endpoint, lwm2mVersion: h.lwm2mVersion, ...p }),
        ),
        { number: OPTION.CONTENT_FORMAT, value: encodeUint(CONTENT_FORMAT_LINK) },
      ],
      payload,
    }));
    if (generation !== this.#generation) return;
    let location: string | null = null;
    if (result?.kind === "response" && result.response.code === 65) {
      const segments = result.response.options.filter((o) => o.number === OPTION.LOCATION_PATH).map(
        (o) => td.decode(o.value),
      );
      location = "/" + (segments.length ? segments.join("/") : "rd");
    }
    const decision = onRegisterResult(
      a.state,
      a.policy,
      location,
      p.lifetimeSec,
      h.scheduler.nowMs(),
    );
    if (location) {
      a.sent = p;
      a.objectsDirty = false;
      h.registeredAnew(a.ssid);
      h.registrationEvent("registered", a.ssid, location);
    } else {
      h.registrationEvent("registrationFailed", a.ssid, describe(result));
    }
    this.#apply(a, decision);
  }

  async #update(a: Account): Promise<void> {
    const h = this.#host;
    const p = this.params(a.ssid);
    const sent = a.sent ?? p;
    const changes = {
      lifetimeSec: p.lifetimeSec !== sent.lifetimeSec ? p.lifetimeSec : undefined,
      binding: p.binding !== sent.binding || p.queue !== sent.queue ? p.binding : undefined,
      queue: p.queue !== sent.queue ? p.queue : undefined,
    };
    const withObjects = a.objectsDirty;
    a.objectsDirty = false;
    const generation = this.#generation;
    const location = a.state.location ?? "/rd";
    const result = await this.#send(a, () => {
      const options = uriOptions(location, updateQuery(changes));
      if (!withObjects) return { code: POST, options };
      options.push({ number: OPTION.CONTENT_FORMAT, value: encodeUint(CONTENT_FORMAT_LINK) });
      return {
        code: POST,
        options,
        payload: te.encode(
          objectListPayload(this.#objects(), h.formats, h.currentLink()?.rootPath ?? "/"),
        ),
      };
    });
    if (generation !== this.#generation) return;
    const ok = result?.kind === "response" && result.response.code === 68;
    if (ok) {
      a.sent = p;
      h.registrationEvent("updated", a.ssid);
    } else {
      if (withObjects) a.objectsDirty = true;
      h.registrationEvent("updateFailed", a.ssid, describe(result));
    }
    this.#apply(a, onUpdateResult(a.state, ok, p.lifetimeSec, h.scheduler.nowMs()));
  }

  async #deregister(a: Account, timeoutMs: number): Promise<void> {
    const location = a.state.location;
    const link = this.#host.currentLink();
    if (!location || !a.peer || !link) return;
    a.state = { ...a.state, location: null, phase: "waiting" };
    this.#host.wake();
    const result = await link.request(
      a.peer,
      { code: DELETE, options: uriOptions(location) },
      timeoutMs,
    );
    this.#host.registrationEvent("deregistered", a.ssid, describe(result));
  }
}

/** Equal policies are one object (a fleet's devices share their Server object settings). */
const POLICIES = new Map<string, RetryPolicy>();
function sharedPolicy(p: RetryPolicy): RetryPolicy {
  const key = JSON.stringify(p);
  const known = POLICIES.get(key);
  if (known) return known;
  if (POLICIES.size < 64) POLICIES.set(key, Object.freeze(p) as RetryPolicy);
  return p;
}

function describe(result: RequestResult | null): string {
  if (!result) return "no route to the server";
  if (result.kind !== "response") return result.kind === "failed" ? result.reason : result.kind;
  const c = result.response.code;
  return `${c >> 5}.${String(c & 31).padStart(2, "0")}`;
}
