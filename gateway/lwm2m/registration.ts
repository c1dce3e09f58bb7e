/**
 * Register and Update parameters (LwM2M Transport §6.2.1 / spec digest lwm2m-interfaces.md §2.2-§2.4):
 * query parsing with each version's defaults and rules, and the link-format object list with the
 * alternate root path (rt="oma.lwm2m") and advertised content formats (ct=). Pure.
 */

import { type Link, parseLinkFormat } from "../../codec-wasm/link_format.ts";

export type Lwm2mVersion = "1.0" | "1.1" | "1.2";
export const SUPPORTED_VERSIONS: readonly Lwm2mVersion[] = ["1.0", "1.1", "1.2"];

/** lwm2m-interfaces.md §2.2: absent lt defaults to 86400 s, lwm2m to 1.0, b to U. */
export const DEFAULT_LIFETIME_SEC = 86400;
export const DEFAULT_VERSION: Lwm2mVersion = "1.0";
export const DEFAULT_BINDING = "U";

export interface ObjectLink {
  /** Path relative to the root path, e.g. "/3/0" or "/5". */
  path: string;
  attributes: Record<string, string | true>;
}

export interface Registration {
  endpoint: string;
  registrationId: string;
  lwm2mVersion: Lwm2mVersion;
  lifetimeSec: number;
  /** Binding letters as sent ("U", "UQ" for 1.0 queue mode, "UT", ...). */
  binding: string;
  queueMode: boolean;
  smsNumber?: string;
  profileIds?: string;
  /** Transport peer ("ip:port") the registration currently lives at. */
  address: string;
  secure: boolean;
  /** Alternate root path ("/" when none). */
  rootPath: string;
  objectLinks: ObjectLink[];
  /** Content formats from `</>;ct=...`, in the order listed. */
  supportedFormats: number[];
  /** Unknown query parameters, kept (Leshan calls them additional attributes). */
  additionalAttributes: Record<string, string>;
  registeredAtMs: number;
  updatedAtMs: number;
  lastSeenAtMs: number;
  /** A content format that worked after a 4.06/4.15 fallback, used first from then on. */
  preferredFormat?: number;
}

/** A parameter error: the CoAP code to answer (4.00 Bad Request or 4.12 Precondition Failed). */
export interface RegistrationError {
  coapCode: 128 | 140;
  message: string;
}

export interface RegisterParams {
  endpoint: string;
  lwm2mVersion: Lwm2mVersion;
  lifetimeSec: number;
  binding: string;
  queueMode: boolean;
  smsNumber?: string;
  profileIds?: string;
  additionalAttributes: Record<string, string>;
}

export interface UpdateParams {
  lifetimeSec?: number;
  binding?: string;
  queueMode?: boolean;
  smsNumber?: string;
}

export interface ObjectList {
  rootPath: string;
  objectLinks: ObjectLink[];
  supportedFormats: number[];
}

const BAD = 128 as const;
const VERSION_NOT_SUPPORTED = 140 as const;
/** Binding letters per version (lwm2m-interfaces.md §2.2 and §8). */
const BINDINGS_1_0 = new Set(["U", "UQ", "S", "SQ", "US", "UQS"]);
const LETTERS_1_1 = "UTSN";
const LETTERS_1_2 = "UTSNMH";

/** Splits Uri-Query options "k=v" / "k" into pairs, in order. */
export function queryPairs(query: readonly string[]): [string, string | null][] {
  return query.map((q) => {
    const eq = q.indexOf("=");
    return eq < 0 ? [q, null] : [q.slice(0, eq), q.slice(eq + 1)];
  });
}

function parseLifetime(value: string | null): number | RegistrationError {
  if (value === null || !/^\d{1,10}$/.test(value) || Number(value) === 0) {
    return {
      coapCode: BAD,
      message: `lt must be a positive integer number of seconds, got ${value}`,
    };
  }
  return Number(value);
}

function parseVersion(value: string | null): Lwm2mVersion | RegistrationError {
  const m = value === null ? null : /^(\d+)\.(\d+)$/.exec(value);
  if (!m) return { coapCode: BAD, message: `lwm2m must be "major.minor", got ${value}` };
  const found = SUPPORTED_VERSIONS.find((v) => v === `${Number(m[1])}.${Number(m[2])}`);
  if (!found) {
    return { coapCode: VERSION_NOT_SUPPORTED, message: `LwM2M version ${value} is not supported` };
  }
  return found;
}

function parseBinding(value: string | null, version: Lwm2mVersion): string | RegistrationError {
  if (value === null || value === "") return { coapCode: BAD, message: "b needs a value" };
  if (version === "1.0") {
    return BINDINGS_1_0.has(value)
      ? value
      : { coapCode: BAD, message: `binding ${value} is not valid in LwM2M 1.0` };
  }
  const letters = version === "1.1" ? LETTERS_1_1 : LETTERS_1_2;
  const seen = new Set<string>();
  for (const c of value) {
    if (!letters.includes(c) || seen.has(c)) {
      return { coapCode: BAD, message: `binding ${value} is not valid in LwM2M ${version}` };
    }
    seen.add(c);
  }
  return value;
}

function isError(x: unknown): x is RegistrationError {
  return typeof x === "object" && x !== null && "coapCode" in x;
}

/**
 * Parses Register query parameters. `authenticatedEndpoint` is the endpoint bound to the DTLS
 * identity, if any: `ep` may then be omitted (1.2) but must not differ (4.00).
 */
export function parseRegisterQuery(
  query: readonly string[],
  authenticatedEndpoint?: string,
): RegisterParams | RegistrationError {
  const params = new Map<string, string | null>();
  for (const [k, v] of queryPairs(query)) {
    if (params.has(k)) return { coapCode: BAD, message: `query parameter ${k} given twice` };
    params.set(k, v);
  }
  const version = params.has("lwm2m") ? parseVersion(params.get("lwm2m")!) : DEFAULT_VERSION;
  if (isError(version)) return version;
  let endpoint = params.get("ep") ?? undefined;
  if (params.has("ep") && !endpoint) return { coapCode: BAD, message: "ep must not be empty" };
  if (endpoint === undefined) {
    if (authenticatedEndpoint === undefined || version !== "1.2") {
      return { coapCode: BAD, message: "ep (endpoint client name) is required" };
    }
    endpoint = authenticatedEndpoint;
  }
  if (authenticatedEndpoint !== undefined && endpoint !== authenticatedEndpoint) {
    return { coapCode: BAD, message: "ep does not match the DTLS identity" };
  }
  const lifetime = params.has("lt") ? parseLifetime(params.get("lt")!) : DEFAULT_LIFETIME_SEC;
  if (isError(lifetime)) return lifetime;
  const binding = params.has("b") ? parseBinding(params.get("b")!, version) : DEFAULT_BINDING;
  if (isError(binding)) return binding;
  let queueMode = version === "1.0" && binding.includes("Q");
  if (params.has("Q")) {
    if (version === "1.0") {
      return { coapCode: BAD, message: "Q is not a LwM2M 1.0 parameter (use b=UQ)" };
    }
    if (params.get("Q") !== null) return { coapCode: BAD, message: "Q takes no value" };
    queueMode = true;
  }
  let additionalAttributes: Record<string, string> = NO_ATTRIBUTES as Record<string, string>;
  for (const [k, v] of params) {
    if (!["ep", "lt", "lwm2m", "b", "Q", "sms", "pid"].includes(k)) {
      if (additionalAttributes === NO_ATTRIBUTES) additionalAttributes = {};
      additionalAttributes[k] = v ?? "";
    }
  }
  const sms = params.get("sms") ?? undefined;
  const pid = params.get("pid") ?? undefined;
  return {
    endpoint,
    lwm2mVersion: version,
    lifetimeSec: lifetime,
    binding,
    queueMode,
    ...(sms !== undefined ? { smsNumber: sms } : {}),
    ...(pid !== undefined ? { profileIds: pid } : {}),
    additionalAttributes,
  };
}

/** Parses Update query parameters against the registration's version (§2.4: only changes). */
export function parseUpdateQuery(
  query: readonly string[],
  version: Lwm2mVersion,
): UpdateParams | RegistrationError {
  const out: UpdateParams = {};
  for (const [k, v] of queryPairs(query)) {
    if (k === "lt") {
      const lt = parseLifetime(v);
      if (isError(lt)) return lt;
      out.lifetimeSec = lt;
    } else if (k === "b") {
      const b = parseBinding(v, version);
      if (isError(b)) return b;
      out.binding = b;
      if (version === "1.0") out.queueMode = b.includes("Q");
    } else if (k === "Q") {
      if (version === "1.0" || v !== null) return { coapCode: BAD, message: "Q is not valid here" };
      out.queueMode = true;
    } else if (k === "sms") {
      out.smsNumber = v ?? "";
    }
  }
  return out;
}

const OBJECT_PATH = /^\/\d{1,5}(\/\d{1,5})?$/;

/**
 * One frozen empty object for every link and registration without attributes (an empty object
 * literal costs 56 bytes, and a device lists several links; bench/lwm2m measured this).
 */
const NO_ATTRIBUTES: Readonly<Record<string, string | true>> = Object.freeze({});

/**
 * Parsed object lists by payload text. Devices of one model send the same list, so their
 * registrations share one frozen ObjectList instead of a copy each (about 1 KB per registration
 * for a six-link list, measured by bench/lwm2m). Bounded: texts up to OBJECT_LIST_CACHE_TEXT
 * characters, at most OBJECT_LIST_CACHE_MAX of them (the cache starts over when full).
 */
const objectListCache = new Map<string, ObjectList>();
const OBJECT_LIST_CACHE_MAX = 1024;
const OBJECT_LIST_CACHE_TEXT = 2048;

function freezeObjectList(list: ObjectList): ObjectList {
  for (const link of list.objectLinks) {
    Object.freeze(link.attributes);
    Object.freeze(link);
  }
  Object.freeze(list.objectLinks);
  Object.freeze(list.supportedFormats);
  return Object.freeze(list);
}

/**
 * Parses the Register/Update payload (§2.3): the alternate root path from the link with
 * rt="oma.lwm2m", content formats from its (or "</>") ct=, and the object and instance links under
 * the root. Links that are not LwM2M object paths are ignored, not rejected. The result is frozen
 * and may be shared with other registrations that sent the same text.
 */
export function parseObjectList(text: string): ObjectList | RegistrationError {
  const cached = objectListCache.get(text);
  if (cached) return cached;
  const list = parseObjectListText(text);
  if (isError(list) || text.length > OBJECT_LIST_CACHE_TEXT) return list;
  if (objectListCache.size >= OBJECT_LIST_CACHE_MAX) objectListCache.clear();
  objectListCache.set(text, freezeObjectList(list));
  return list;
}

function parseObjectListText(text: string): ObjectList | RegistrationError {
  let links: Link[];
  try {
    links = parseLinkFormat(text);
  } catch (e) {
    return { coapCode: BAD, message: `payload is not link-format: ${(e as Error).message}` };
  }
  const rootLink = links.find((l) => l.params.rt === "oma.lwm2m");
  let rootPath = rootLink ? rootLink.uri.replace(/\/+$/, "") || "/" : "/";
  if (!rootPath.startsWith("/")) rootPath = "/" + rootPath;
  const formatsLink = rootLink ?? links.find((l) => l.uri === "/");
  const supportedFormats: number[] = [];
  const ct = formatsLink?.params.ct;
  if (typeof ct === "string") {
    for (const n of ct.split(/\s+/)) if (/^\d+$/.test(n)) supportedFormats.push(Number(n));
  }
  const prefix = rootPath === "/" ? "" : rootPath;
  const objectLinks: ObjectLink[] = [];
  for (const link of links) {
    if (link === rootLink || link.uri === "/") continue;
    if (prefix && !link.uri.startsWith(prefix + "/")) continue;
    const path = link.uri.slice(prefix.length);
    if (!OBJECT_PATH.test(path)) continue;
    let empty = true;
    for (const _ in link.params) {
      empty = false;
      break;
    }
    objectLinks.push({
      path,
      attributes: empty ? NO_ATTRIBUTES as ObjectLink["attributes"] : link.params,
    });
  }
  return { rootPath, objectLinks, supportedFormats };
}

export { isError as isRegistrationError };
