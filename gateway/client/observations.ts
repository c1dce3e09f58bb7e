/**
 * The observed side of Information Reporting in the client (LwM2M Core §6.4.1-§6.4.3 Observe,
 * Cancel, Observe-Composite and Notify; spec digest lwm2m-interfaces.md §4.4 and §5): each
 * observation the CoAP engine confirmed (its observer id) keeps its paths, format, timing and the
 * values last notified. A value change or a timer samples the values, the pure evaluator
 * (notify_rules.ts) decides, and a due notification goes out through the engine. An observed
 * instance that disappears gets a 4.04 notification, which ends the observation.
 */

import { ContentError, encodeContent } from "../lwm2m/content/mod.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import type { Lwm2mValues } from "../lwm2m/values.ts";
import type { OutgoingResponse } from "../coap/state.ts";
import {
  type AttributeTable,
  effectiveAttributes,
  type NotificationAttributes,
} from "./attributes.ts";
import { COAP_205_CONTENT, contentFormatOption } from "./codes.ts";
import { compositeValues } from "./dm_read.ts";
import type { ObserveRequest } from "./dm_router.ts";
import { checkTarget, collectValues, type DmContext } from "./dm_values.ts";
import {
  decideNotify,
  evaluationDue,
  initialTiming,
  meetsChangeConditions,
  nextWake,
  type NotifyTiming,
} from "./notify_rules.ts";
import type { Scheduler, TimerHandle } from "./scheduler.ts";
import { sameValue } from "./store.ts";

/** What the observation engine needs from its client. */
export interface ObservationHost {
  readonly scheduler: Scheduler;
  /** A DM context as server `ssid` (reads go through ACL and handlers). */
  dmContext(ssid: number): DmContext;
  attributeTableOf(ssid: number): AttributeTable | undefined;
  /** Server defaults /1/x/2 (pmin) and /1/x/3 (pmax). */
  serverDefaults(ssid: number): { pmin?: number; pmax?: number };
  /** Sends a notification through the CoAP engine. */
  sendNotification(observerId: number, response: OutgoingResponse, confirmable: boolean): void;
  /** Called before a notification goes out (queue mode wakes up). */
  wake(): void;
}

interface Observation {
  observerId: number;
  ssid: number;
  spec: ObserveRequest;
  timing: NotifyTiming;
  lastNotified: Lwm2mValues;
  previous: Lwm2mValues;
  timer: TimerHandle | null;
}

function covers(paths: readonly number[][], o: number, i: number, r: number | null): boolean {
  return paths.some((p) =>
    p.length === 0 ||
    (p[0] === o && (p.length === 1 || (p[1] === i && (p.length === 2 || r === null || p[2] === r))))
  );
}

function sameFlat(a: Lwm2mValues, b: Lwm2mValues, prefix?: string): boolean {
  const keys = new Set([...a.keys(), ...b.keys()]);
  for (const k of keys) {
    if (prefix !== undefined && k !== prefix && !k.startsWith(prefix + "/")) continue;
    if (!sameValue(a.get(k), b.get(k))) return false;
  }
  return true;
}

export class ClientObservations {
  readonly #host: ObservationHost;
  #pending: Map<string, { ssid: number; spec: ObserveRequest; values: Lwm2mValues }> | null = null;
  #active: Map<number, Observation> | null = null;

  constructor(host: ObservationHost) {
    this.#host = host;
  }

  get size(): number {
    return this.#active?.size ?? 0;
  }

  /** Records an accepted Observe before its response goes out (keyed by peer and token). */
  expect(key: string, ssid: number, spec: ObserveRequest, values: Lwm2mValues): void {
    (this.#pending ??= new Map()).set(key, { ssid, spec, values });
  }

  /** The engine added the observer for the request whose key was `key`. */
  added(observerId: number, key: string): void {
    const p = this.#pending?.get(key);
    if (!p) return;
    this.#pending!.delete(key);
    const now = this.#host.scheduler.nowMs();
    const o: Observation = {
      observerId,
      ssid: p.ssid,
      spec: p.spec,
      timing: initialTiming(now),
      lastNotified: p.values,
      previous: p.values,
      timer: null,
    };
    (this.#active ??= new Map()).set(observerId, o);
    this.#schedule(o, this.#nextWake(o));
  }

  /** The engine removed an observer (Cancel, RST, error notification). */
  removed(observerId: number): void {
    const o = this.#active?.get(observerId);
    if (!o) return;
    this.#host.scheduler.cancel(o.timer);
    this.#active!.delete(observerId);
  }

  /** Forgets every observation (new registration, reboot) or those of one server. */
  clear(ssid?: number): void {
    if (!this.#active) return;
    for (const o of [...this.#active.values()]) {
      if (ssid === undefined || o.ssid === ssid) this.removed(o.observerId);
    }
    if (ssid === undefined) this.#pending = null;
  }

  /** A stored value changed (resourceId null: an instance appeared or went away). */
  changed(o: number, i: number, r: number | null): void {
    if (!this.#active) return;
    for (const obs of [...this.#active.values()]) {
      if (covers(obs.spec.paths, o, i, r)) this.#evaluate(obs, true);
    }
  }

  /** A server's attributes changed: its observations re-plan their timers. */
  attributesChanged(ssid: number): void {
    if (!this.#active) return;
    for (const o of this.#active.values()) if (o.ssid === ssid) this.#evaluate(o, false);
  }

  #attributes(o: Observation): NotificationAttributes {
    if (o.spec.queryAttributes) return o.spec.queryAttributes;
    const defaults = this.#host.serverDefaults(o.ssid);
    if (o.spec.composite) return effectiveAttributes(undefined, [], defaults);
    return effectiveAttributes(this.#host.attributeTableOf(o.ssid), o.spec.paths[0], defaults);
  }

  #nextWake(o: Observation): number | null {
    return nextWake(this.#attributes(o), o.timing);
  }

  #schedule(o: Observation, atMs: number | null): void {
    this.#host.scheduler.cancel(o.timer);
    o.timer = atMs === null ? null : this.#host.scheduler.at(atMs, () => {
      o.timer = null;
      this.#evaluate(o, false);
    });
  }

  /** Samples the observed values; a number is the error code of a target that went away. */
  #sample(o: Observation): Lwm2mValues | number {
    const ctx = this.#host.dmContext(o.ssid);
    if (o.spec.composite) return compositeValues(ctx, o.spec.paths.map((p) => new Lwm2mPath(p)));
    const ids = o.spec.paths[0];
    const denied = checkTarget(ctx, ids, "read");
    return denied !== null ? denied : collectValues(ctx, ids);
  }

  #conditionMet(o: Observation, attrs: NotificationAttributes, current: Lwm2mValues): boolean {
    const table = this.#host.attributeTableOf(o.ssid);
    const defaults = this.#host.serverDefaults(o.ssid);
    for (const ids of o.spec.paths) {
      const key = "/" + ids.join("/");
      if (ids.length >= 3 && current.has(key)) {
        const a = o.spec.composite
          ? { ...effectiveAttributes(table, ids, defaults), ...attrs }
          : attrs;
        if (
          meetsChangeConditions(a, o.lastNotified.get(key), o.previous.get(key), current.get(key))
        ) return true;
      } else if (!sameFlat(o.lastNotified, current, ids.length ? key : undefined)) return true;
    }
    return false;
  }

  #evaluate(o: Observation, changed: boolean): void {
    const host = this.#host;
    const now = host.scheduler.nowMs();
    const attrs = this.#attributes(o);
    const due = evaluationDue(attrs, o.timing, now);
    if (!due.now) {
      if (changed) this.#schedule(o, due.atMs);
      return;
    }
    const current = this.#sample(o);
    if (typeof current === "number") {
      host.wake();
      host.sendNotification(o.observerId, { code: current }, false);
      this.removed(o.observerId);
      return;
    }
    const decision = decideNotify(attrs, o.timing, now, this.#conditionMet(o, attrs, current));
    o.timing = decision.timing;
    o.previous = current;
    if (decision.notify) {
      const response = this.#encode(o, current);
      if (response) {
        host.wake();
        host.sendNotification(o.observerId, response, attrs.con === 1);
        o.lastNotified = current;
      }
    }
    this.#schedule(o, decision.wakeAtMs);
  }

  #encode(o: Observation, values: Lwm2mValues): OutgoingResponse | null {
    const ctx = this.#host.dmContext(o.ssid);
    const target = o.spec.composite ? new Lwm2mPath([]) : new Lwm2mPath(o.spec.paths[0]);
    try {
      const payload = encodeContent(
        o.spec.format,
        values,
        target,
        ctx.store.definitions.models,
        ctx.codec,
      );
      return { code: COAP_205_CONTENT, options: [contentFormatOption(o.spec.format)], payload };
    } catch (e) {
      if (e instanceof ContentError) return null;
      throw e;
    }
  }
}
