/**
 * The notification-attribute evaluator of the client (LwM2M Core §6.4.1 and §5.1.2; spec digest
 * lwm2m-interfaces.md §4.4): when a change condition (crossing gt or lt, a step of st since the
 * last notification, an edge transition, or any change when none is set) is met and pmin has
 * passed since the last notification, or pmax has passed, a notification is due; epmin and epmax
 * bound how often the conditions are evaluated. Pure: times are plain numbers (ms), the caller
 * samples the values and executes the decision.
 */

import type { Lwm2mValue } from "../lwm2m/values.ts";
import type { NotificationAttributes } from "./attributes.ts";
import type { ResourceValue } from "./definitions.ts";
import { sameValue } from "./store.ts";

export interface NotifyTiming {
  /** When the last notification (or the Observe response) went out. */
  lastNotifyMs: number;
  /** When the conditions were last evaluated. */
  lastEvalMs: number;
  /** A change condition was met and waits for pmin. */
  pending: boolean;
}

export interface NotifyDecision {
  notify: boolean;
  timing: NotifyTiming;
  /** When the caller must evaluate again (pmin of a pending change, pmax, epmax); null: never. */
  wakeAtMs: number | null;
}

/** A new observation's timing: the Observe response counts as a notification (§4.4). */
export function initialTiming(nowMs: number): NotifyTiming {
  return { lastNotifyMs: nowMs, lastEvalMs: nowMs, pending: false };
}

/** pmax applies when it is positive and not below pmin (§4.3). */
function pmaxMs(a: NotificationAttributes): number | null {
  const pmin = a.pmin ?? 0;
  return a.pmax !== undefined && a.pmax > 0 && a.pmax >= pmin ? a.pmax * 1000 : null;
}

function numeric(v: ResourceValue | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  return undefined;
}

/**
 * Do the change conditions hold between the value last notified / last sampled and the current
 * one? gt and lt fire on a crossing between the previous sample and the current value, st on a
 * step of at least st from the last notified value, edge on a boolean transition (1 rising, 0
 * falling). Without any of them, any difference from the last notified value counts.
 */
export function meetsChangeConditions(
  attrs: NotificationAttributes,
  lastNotified: ResourceValue | undefined,
  previous: ResourceValue | undefined,
  current: ResourceValue | undefined,
): boolean {
  const { gt, lt, st, edge } = attrs;
  const cur = numeric(current);
  const numericConditions = (gt !== undefined || lt !== undefined || st !== undefined) &&
    cur !== undefined;
  const edgeCondition = edge !== undefined && typeof current === "boolean";
  if (!numericConditions && !edgeCondition) return !sameValue(lastNotified, current);
  if (edgeCondition) {
    const rising = previous === false && current === true;
    const falling = previous === true && current === false;
    if ((edge === 1 && rising) || (edge === 0 && falling)) return true;
  }
  if (numericConditions) {
    const prev = numeric(previous);
    if (prev !== undefined) {
      if (gt !== undefined && (prev > gt) !== (cur > gt)) return true;
      if (lt !== undefined && (prev < lt) !== (cur < lt)) return true;
    }
    const last = numeric(lastNotified);
    if (st !== undefined && last !== undefined && Math.abs(cur - last) >= st) return true;
    if (st !== undefined && last === undefined) return true;
  }
  return false;
}

/**
 * Whether the conditions may be evaluated now (epmin: not before lastEval + epmin); when not,
 * the time to evaluate at.
 */
export function evaluationDue(
  attrs: NotificationAttributes,
  timing: NotifyTiming,
  nowMs: number,
): { now: true } | { now: false; atMs: number } {
  if (attrs.epmin === undefined) return { now: true };
  const at = timing.lastEvalMs + attrs.epmin * 1000;
  return nowMs >= at ? { now: true } : { now: false, atMs: at };
}

/**
 * Decides after an evaluation at `nowMs` in which `conditionMet` tells whether a change condition
 * held (false for a timer wake-up without a change).
 */
export function decideNotify(
  attrs: NotificationAttributes,
  timing: NotifyTiming,
  nowMs: number,
  conditionMet: boolean,
): NotifyDecision {
  const pminMs = (attrs.pmin ?? 0) * 1000;
  const pmax = pmaxMs(attrs);
  const pending = timing.pending || conditionMet;
  const sinceLast = nowMs - timing.lastNotifyMs;
  const notify = (pending && sinceLast >= pminMs) || (pmax !== null && sinceLast >= pmax);
  const next: NotifyTiming = notify
    ? { lastNotifyMs: nowMs, lastEvalMs: nowMs, pending: false }
    : { lastNotifyMs: timing.lastNotifyMs, lastEvalMs: nowMs, pending };
  return { notify, timing: next, wakeAtMs: nextWake(attrs, next) };
}

/** The next time the caller must look at the observation without a value change. */
export function nextWake(attrs: NotificationAttributes, timing: NotifyTiming): number | null {
  const candidates: number[] = [];
  if (timing.pending) candidates.push(timing.lastNotifyMs + (attrs.pmin ?? 0) * 1000);
  const pmax = pmaxMs(attrs);
  if (pmax !== null) candidates.push(timing.lastNotifyMs + pmax);
  if (attrs.epmax !== undefined && attrs.epmax > 0) {
    candidates.push(timing.lastEvalMs + attrs.epmax * 1000);
  }
  return candidates.length ? Math.min(...candidates) : null;
}

/** The values a notification compares against, by path. */
export type Samples = Map<string, Lwm2mValue | ResourceValue>;
