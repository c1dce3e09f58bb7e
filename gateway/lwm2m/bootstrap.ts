/**
 * The Bootstrap server's session, a pure state machine (LwM2M Core §6.1; spec digest
 * lwm2m-interfaces.md §1): after the client's Bootstrap-Request it runs Bootstrap-Discover, the
 * configured Bootstrap-Deletes (never the Device instance or the bootstrap account), Bootstrap-Writes
 * of Security (/0), Server (/1) and extra object instances in the best format the client takes,
 * then Bootstrap-Finish. Each step's answer yields a decision: continue with this request,
 * finished, or failed with a reason.
 */

import { CONTENT_FORMAT } from "../../codec-wasm/coap_registry.ts";
import { parseLinkFormat } from "../../codec-wasm/link_format.ts";
import type { BootstrapConfig, ServerAccount } from "./bootstrap_types.ts";
import { Lwm2mPath } from "./path.ts";
import type { Lwm2mValue, Lwm2mValues } from "./values.ts";

export type BootstrapStep =
  | { kind: "discover" }
  | { kind: "delete"; path: string }
  | { kind: "write"; path: string; values: Lwm2mValues }
  | { kind: "finish" };

export type BootstrapDecision =
  | { kind: "continue"; step: BootstrapStep; format: number }
  | { kind: "finished" }
  | { kind: "failed"; reason: string };

export interface BootstrapSession {
  endpoint: string;
  config: BootstrapConfig;
  /** Content formats to try for writes, best first (the client's pct first when it gave one). */
  formats: number[];
  steps: BootstrapStep[];
  index: number;
  startedAtMs: number;
  deadlineMs: number;
  /** Security instance of the bootstrap account on the client (kept by deletes). */
  bootstrapInstance: number | null;
  /** What the client reported in Bootstrap-Discover. */
  discovered: string[];
}

/** lwm2m-interfaces.md §1.2: bootstrap fails without Finish within EXCHANGE_LIFETIME (247 s). */
export const BOOTSTRAP_SESSION_MS = 247_000;

const COAP_202_DELETED = 66;
const COAP_204_CHANGED = 68;
const COAP_205_CONTENT = 69;
const COAP_404_NOT_FOUND = 132;
const COAP_406_NOT_ACCEPTABLE = 134;
const COAP_415_UNSUPPORTED = 143;
/** Security modes of /0/x/2 (objects.md: 0 PSK, 3 NoSec). */
const SECURITY_MODE = { psk: 0, nosec: 3 } as const;
const te = new TextEncoder();

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Formats for Bootstrap-Write (pct must be one of these, lwm2m-interfaces.md §1.2). */
export const BOOTSTRAP_FORMATS = [
  CONTENT_FORMAT.TLV,
  CONTENT_FORMAT.SENML_CBOR,
  CONTENT_FORMAT.SENML_JSON,
  CONTENT_FORMAT.LWM2M_CBOR,
] as const;

export function startSession(
  endpoint: string,
  config: BootstrapConfig,
  preferredFormat: number | undefined,
  nowMs: number,
): BootstrapSession {
  const formats: number[] = preferredFormat !== undefined ? [preferredFormat] : [];
  for (const f of BOOTSTRAP_FORMATS) if (!formats.includes(f)) formats.push(f);
  return {
    endpoint,
    config,
    formats,
    steps: [{ kind: "discover" }],
    index: 0,
    startedAtMs: nowMs,
    deadlineMs: nowMs + BOOTSTRAP_SESSION_MS,
    bootstrapInstance: null,
    discovered: [],
  };
}

/** The first decision of a fresh session. */
export function firstDecision(s: BootstrapSession): BootstrapDecision {
  return { kind: "continue", step: s.steps[0], format: s.formats[0] };
}

function securityValues(
  instance: number,
  a: ServerAccount | {
    uri: string;
    securityMode: "nosec" | "psk";
    identity?: string;
    key?: string;
  },
  bootstrap: boolean,
  ssid?: number,
): Lwm2mValues {
  const p = `/0/${instance}`;
  const v = new Map<string, Lwm2mValue>([
    [`${p}/0`, a.uri],
    [`${p}/1`, bootstrap],
    [`${p}/2`, SECURITY_MODE[a.securityMode]],
    [`${p}/3`, a.identity !== undefined ? te.encode(a.identity) : new Uint8Array(0)],
    [`${p}/4`, new Uint8Array(0)],
    [`${p}/5`, a.key !== undefined ? hexBytes(a.key) : new Uint8Array(0)],
  ]);
  if (ssid !== undefined) v.set(`${p}/10`, ssid);
  return v;
}

function serverValues(instance: number, a: ServerAccount): Lwm2mValues {
  const p = `/1/${instance}`;
  const v = new Map<string, Lwm2mValue>([
    [`${p}/0`, a.shortServerId],
    [`${p}/1`, a.lifetime],
    [`${p}/6`, a.notificationStoring ?? true],
    [`${p}/7`, a.binding],
  ]);
  if (a.defaultMinPeriod !== undefined) v.set(`${p}/2`, a.defaultMinPeriod);
  if (a.defaultMaxPeriod !== undefined) v.set(`${p}/3`, a.defaultMaxPeriod);
  return v;
}

/**
 * Plans the deletes and writes from the configuration and what Bootstrap-Discover reported:
 * the bootstrap account's Security instance and /3/0 are never deleted, and new Security
 * instances get ids that do not collide with the kept bootstrap instance.
 */
export function planSteps(s: BootstrapSession, typedObjects: Lwm2mValues): BootstrapStep[] {
  const steps: BootstrapStep[] = [];
  for (const path of s.config.delete ?? ["/0", "/1"]) {
    if (path === "/3" || path.startsWith("/3/0")) continue; // the Device instance stays (§1.4)
    if (s.bootstrapInstance !== null && path === `/0/${s.bootstrapInstance}`) continue;
    steps.push({ kind: "delete", path });
  }
  const used = new Set<number>(s.bootstrapInstance !== null ? [s.bootstrapInstance] : []);
  let next = 0;
  const freeId = () => {
    while (used.has(next)) next++;
    used.add(next);
    return next;
  };
  s.config.servers.forEach((account, i) => {
    const sec = freeId();
    steps.push({
      kind: "write",
      path: `/0/${sec}`,
      values: securityValues(sec, account, false, account.shortServerId),
    });
    steps.push({ kind: "write", path: `/1/${i}`, values: serverValues(i, account) });
  });
  if (s.config.bootstrapServer) {
    const id = s.bootstrapInstance ?? freeId();
    steps.push({
      kind: "write",
      path: `/0/${id}`,
      values: securityValues(id, s.config.bootstrapServer, true),
    });
  }
  // Extra values, one Bootstrap-Write per object instance.
  const byInstance = new Map<string, Lwm2mValues>();
  for (const [path, value] of typedObjects) {
    const ids = Lwm2mPath.parse(path).ids;
    const instance = `/${ids[0]}/${ids[1]}`;
    if (!byInstance.has(instance)) byInstance.set(instance, new Map());
    byInstance.get(instance)!.set(path, value);
  }
  for (const [instance, values] of byInstance) {
    steps.push({ kind: "write", path: instance, values });
  }
  steps.push({ kind: "finish" });
  return steps;
}

/** Reads the Bootstrap-Discover answer: the bootstrap account's /0 instance (no ssid) and links. */
export function applyDiscover(s: BootstrapSession, linkFormat: string): void {
  try {
    const links = parseLinkFormat(linkFormat);
    s.discovered = links.map((l) => l.uri);
    for (const l of links) {
      const m = /^\/0\/(\d+)$/.exec(l.uri);
      if (m && l.params.ssid === undefined) s.bootstrapInstance = Number(m[1]);
    }
  } catch {
    s.discovered = [];
  }
}

/**
 * The next decision after the client answered `code` to the current step. `typedObjects` are the
 * configuration's extra values typed by the models (used when Discover completes the plan).
 */
export function onStepResponse(
  s: BootstrapSession,
  code: number,
  payload: string,
  typedObjects: Lwm2mValues,
  nowMs: number,
): BootstrapDecision {
  if (nowMs > s.deadlineMs) return { kind: "failed", reason: "bootstrap session timed out" };
  const step = s.steps[s.index];
  switch (step.kind) {
    case "discover":
      // Discover is optional for clients: a refusal still lets the plan run.
      if (code === COAP_205_CONTENT) applyDiscover(s, payload);
      s.steps = [step, ...planSteps(s, typedObjects)];
      break;
    case "delete":
      if (code !== COAP_202_DELETED && code !== COAP_404_NOT_FOUND) {
        return {
          kind: "failed",
          reason: `Bootstrap-Delete ${step.path} answered ${codeText(code)}`,
        };
      }
      break;
    case "write":
      if (code === COAP_415_UNSUPPORTED || code === COAP_406_NOT_ACCEPTABLE) {
        s.formats.shift();
        if (s.formats.length === 0) {
          return { kind: "failed", reason: `the client takes none of the bootstrap formats` };
        }
        return { kind: "continue", step, format: s.formats[0] }; // same step, next format
      }
      if (code !== COAP_204_CHANGED) {
        return {
          kind: "failed",
          reason: `Bootstrap-Write ${step.path} answered ${codeText(code)}`,
        };
      }
      break;
    case "finish":
      if (code === COAP_204_CHANGED) return { kind: "finished" };
      if (code === COAP_406_NOT_ACCEPTABLE) {
        return {
          kind: "failed",
          reason: "Bootstrap-Finish: the client found the configuration inconsistent (4.06)",
        };
      }
      return { kind: "failed", reason: `Bootstrap-Finish answered ${codeText(code)}` };
  }
  s.index++;
  return { kind: "continue", step: s.steps[s.index], format: s.formats[0] };
}

/** A step that got no answer ends the session. */
export function onStepTimeout(s: BootstrapSession): BootstrapDecision {
  const step = s.steps[s.index];
  return {
    kind: "failed",
    reason: `no answer to ${step.kind}${"path" in step ? ` ${step.path}` : ""}`,
  };
}

function codeText(code: number): string {
  return `${code >> 5}.${String(code & 31).padStart(2, "0")}`;
}
