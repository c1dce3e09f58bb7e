/**
 * Factory bootstrap of the client (LwM2M Core §5.2.3 "Factory Bootstrap", the first of the
 * bootstrap modes in the spec's order of precedence): a JSON file describing the Security (0) and
 * Server (1) instances, optional Access Control (2) instances and any other resource values,
 * turned into instance specifications the client applies at every start. The server keys follow
 * the gateway's bootstrap configuration (DESIGN.md §6): shortServerId, uri, securityMode,
 * identity, key, lifetime, binding, defaultMinPeriod, defaultMaxPeriod, notificationStoring. Pure.
 */

import type { ModelRegistry } from "../../objects/model.ts";
import { fromJson, JsonValueError } from "../lwm2m/json_values.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import type { ResourceValue } from "./definitions.ts";

/** One object instance to create (or update) with resource id -> value. */
export interface InstanceSpec {
  objectId: number;
  instanceId: number;
  values: Map<number, ResourceValue>;
}

export interface FactoryRetry {
  initialRegistrationDelay?: number;
  registrationFailureBlock?: boolean;
  bootstrapOnRegistrationFailure?: boolean;
  retryCount?: number;
  retryTimer?: number;
  sequenceDelay?: number;
  sequenceRetryCount?: number;
}

export interface FactoryServer extends FactoryRetry {
  shortServerId: number;
  uri: string;
  securityMode?: "nosec" | "psk";
  identity?: string;
  key?: string;
  lifetime?: number;
  binding?: string;
  defaultMinPeriod?: number;
  defaultMaxPeriod?: number;
  notificationStoring?: boolean;
  muteSend?: boolean;
}

export interface FactoryBootstrapServer {
  uri: string;
  securityMode?: "nosec" | "psk";
  identity?: string;
  key?: string;
  /** /0/x/11 Client Hold Off Time, seconds. */
  holdOffTime?: number;
}

export interface FactoryAcl {
  objectId: number;
  /** 65535 for the object-level instance (Create rights). */
  instanceId: number;
  /** SSID (0 = default) -> rights bits. */
  acl: Record<string, number>;
  owner: number;
}

export interface FactoryConfig {
  endpoint?: string;
  servers?: FactoryServer[];
  bootstrapServer?: FactoryBootstrapServer;
  acl?: FactoryAcl[];
  /** Resource values by path ({"/3/0/1": "streetlight-v2"}), typed through the models. */
  values?: Record<string, unknown>;
}

export class FactoryConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FactoryConfigError";
  }
}

const te = new TextEncoder();

function hex(text: string, what: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new FactoryConfigError(`${what} must be hex`);
  return new Uint8Array(text.match(/../g)?.map((b) => parseInt(b, 16)) ?? []);
}

function securityMode(mode: string | undefined, what: string): number {
  if (mode === undefined || mode === "nosec") return 3;
  if (mode === "psk") return 0;
  throw new FactoryConfigError(`${what}.securityMode must be "nosec" or "psk"`);
}

function integer(v: unknown, what: string, min = 0, max = 2 ** 32 - 1): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new FactoryConfigError(`${what} must be an integer in ${min}..${max}`);
  }
  return v;
}

function security(
  uri: string,
  bootstrap: boolean,
  mode: string | undefined,
  identity: string | undefined,
  key: string | undefined,
  what: string,
) {
  if (typeof uri !== "string" || !/^coaps?:\/\//.test(uri)) {
    throw new FactoryConfigError(`${what}.uri must be a coap:// or coaps:// URI`);
  }
  const values = new Map<number, ResourceValue>([[0, uri], [1, bootstrap], [
    2,
    securityMode(mode, what),
  ]]);
  if (identity !== undefined) values.set(3, te.encode(identity));
  if (key !== undefined) values.set(5, hex(key, `${what}.key`));
  return values;
}

/** Checks a parsed JSON value's shape (throws FactoryConfigError). */
export function parseFactoryConfig(json: unknown): FactoryConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new FactoryConfigError("the factory configuration must be a JSON object");
  }
  const c = json as FactoryConfig;
  if (c.servers !== undefined && !Array.isArray(c.servers)) {
    throw new FactoryConfigError("servers must be an array");
  }
  if (c.acl !== undefined && !Array.isArray(c.acl)) {
    throw new FactoryConfigError("acl must be an array");
  }
  if (!c.servers?.length && !c.bootstrapServer) {
    throw new FactoryConfigError("the factory configuration needs servers or a bootstrapServer");
  }
  return c;
}

/** The instances a factory configuration describes, in creation order. */
export function factoryInstances(config: FactoryConfig, models: ModelRegistry): InstanceSpec[] {
  const out: InstanceSpec[] = [];
  let securityId = 0;
  if (config.bootstrapServer) {
    const b = config.bootstrapServer;
    const values = security(b.uri, true, b.securityMode, b.identity, b.key, "bootstrapServer");
    if (b.holdOffTime !== undefined) {
      values.set(11, integer(b.holdOffTime, "bootstrapServer.holdOffTime"));
    }
    out.push({ objectId: 0, instanceId: securityId++, values });
  }
  const seen = new Set<number>();
  (config.servers ?? []).forEach((s, k) => {
    const what = `servers[${k}]`;
    const ssid = integer(s.shortServerId, `${what}.shortServerId`, 1, 65534);
    if (seen.has(ssid)) throw new FactoryConfigError(`${what}: shortServerId ${ssid} given twice`);
    seen.add(ssid);
    const sec = security(s.uri, false, s.securityMode, s.identity, s.key, what);
    sec.set(10, ssid);
    out.push({ objectId: 0, instanceId: securityId++, values: sec });
    const server = new Map<number, ResourceValue>([
      [0, ssid],
      [1, integer(s.lifetime ?? 300, `${what}.lifetime`, 1)],
      [6, s.notificationStoring ?? false],
      [7, s.binding ?? "U"],
    ]);
    if (!/^[UTSNMHQ]+$/.test(server.get(7) as string)) {
      throw new FactoryConfigError(`${what}.binding: bad letters`);
    }
    if (s.defaultMinPeriod !== undefined) {
      server.set(2, integer(s.defaultMinPeriod, `${what}.defaultMinPeriod`));
    }
    if (s.defaultMaxPeriod !== undefined) {
      server.set(3, integer(s.defaultMaxPeriod, `${what}.defaultMaxPeriod`));
    }
    if (s.muteSend !== undefined) server.set(23, s.muteSend);
    const retry: [keyof FactoryRetry, number][] = [
      ["initialRegistrationDelay", 14],
      ["registrationFailureBlock", 15],
      ["bootstrapOnRegistrationFailure", 16],
      ["retryCount", 17],
      ["retryTimer", 18],
      ["sequenceDelay", 19],
      ["sequenceRetryCount", 20],
    ];
    for (const [name, r] of retry) {
      const v = s[name];
      if (v === undefined) continue;
      server.set(r, typeof v === "boolean" ? v : integer(v, `${what}.${name}`));
    }
    out.push({ objectId: 1, instanceId: k, values: server });
  });
  (config.acl ?? []).forEach((a, k) => {
    const what = `acl[${k}]`;
    const acl = new Map<number, number>();
    for (const [ssid, rights] of Object.entries(a.acl ?? {})) {
      acl.set(
        integer(Number(ssid), `${what}.acl key`, 0, 65534),
        integer(rights, `${what}.acl[${ssid}]`, 0, 31),
      );
    }
    out.push({
      objectId: 2,
      instanceId: k,
      values: new Map<number, ResourceValue>([
        [0, integer(a.objectId, `${what}.objectId`, 1, 65534)],
        [1, integer(a.instanceId, `${what}.instanceId`, 0, 65535)],
        [2, acl],
        [3, integer(a.owner, `${what}.owner`, 0, 65535)],
      ]),
    });
  });
  for (const [key, raw] of Object.entries(config.values ?? {})) {
    let path: Lwm2mPath;
    try {
      path = Lwm2mPath.parse(key);
    } catch (e) {
      throw new FactoryConfigError(`values: ${(e as Error).message}`);
    }
    const [o, i, r, ri] = path.ids;
    if (r === undefined) throw new FactoryConfigError(`values: ${key} is not a resource`);
    let value: ResourceValue;
    try {
      const model = models.resource(o, r);
      value = fromJson(raw, model);
      if (ri !== undefined || model?.multiple) {
        const prev = out.find((s) => s.objectId === o && s.instanceId === i)?.values.get(r);
        value = new Map([...(prev instanceof Map ? prev : []), [ri ?? 0, value as never]]);
      }
    } catch (e) {
      if (e instanceof JsonValueError) throw new FactoryConfigError(`values ${key}: ${e.message}`);
      throw e;
    }
    let spec = out.find((s) => s.objectId === o && s.instanceId === i);
    if (!spec) out.push(spec = { objectId: o, instanceId: i, values: new Map() });
    spec.values.set(r, value);
  }
  return out;
}
