/**
 * The standard objects of the client (LwM2M Core Appendix E: Security 0, Server 1, Access Control
 * 2, Device 3, Connectivity Monitoring 4, Location 6; IPSO 3303 Temperature and 3311 Light
 * Control), as definitions with their handlers: Device Reboot / Factory Reset / Reset Error Code
 * and a Current Time from the wall clock (writable as an offset), the Server object's Disable,
 * Registration Update Trigger and Bootstrap-Request Trigger, Light Control's On time, Temperature's
 * min/max. Fleet-wide constant values are `shared`, so a device stores only its own.
 */

import {
  ACCESS_CONTROL_MODEL,
  CONNECTIVITY_MONITORING_MODEL,
  DEVICE_MODEL,
  LIGHT_CONTROL_MODEL,
  LOCATION_MODEL,
  SECURITY_MODEL,
  SERVER_MODEL,
  TEMPERATURE_MODEL,
} from "../../objects/mod.ts";
import { coreModels } from "../../objects/mod.ts";
import {
  DefinitionSet,
  type HandlerContext,
  type ObjectDefinition,
  type ResourceValue,
} from "./definitions.ts";
import { FIRMWARE_DEFINITION } from "./firmware_object.ts";
import type { Scheduler } from "./scheduler.ts";
import type { ObjectStore } from "./store.ts";
import { PRIVATE_RESOURCE_BASE } from "./dm_values.ts";

/** What the standard handlers call on their client. */
export interface StandardHost {
  readonly store: ObjectStore;
  readonly scheduler: Scheduler;
  reboot(): void;
  factoryReset(): void;
  triggerUpdate(ssid: number): void;
  bootstrapRequestTrigger(): void;
  disableServer(ssid: number): void;
}

function host(ctx: HandlerContext): StandardHost {
  return ctx.client as StandardHost;
}

/** Private per-instance state (never served): Device clock offset, Light Control on-time. */
const CLOCK_OFFSET = PRIVATE_RESOURCE_BASE;
const ON_SINCE = PRIVATE_RESOURCE_BASE;
const ON_ACCUMULATED = PRIVATE_RESOURCE_BASE + 1;

function wallSec(ctx: HandlerContext): number {
  return Math.floor(host(ctx).scheduler.wallMs() / 1000);
}

const EMPTY = new Uint8Array(0);

export const SECURITY_DEFINITION: ObjectDefinition = {
  model: SECURITY_MODEL,
  creatable: false,
  shared: { 1: false, 2: 3, 3: EMPTY, 4: EMPTY, 5: EMPTY },
};

function ssidOf(ctx: HandlerContext): number {
  const v = host(ctx).store.get(1, ctx.instanceId, 0);
  return typeof v === "number" ? v : 0;
}

export const SERVER_DEFINITION: ObjectDefinition = {
  model: SERVER_MODEL,
  creatable: false,
  resources: {
    4: { execute: (ctx) => void ctx.after(() => host(ctx).disableServer(ssidOf(ctx))) },
    8: { execute: (ctx) => void ctx.after(() => host(ctx).triggerUpdate(ssidOf(ctx))) },
    9: { execute: (ctx) => void ctx.after(() => host(ctx).bootstrapRequestTrigger()) },
  },
  shared: { 6: false, 23: false },
};

export const ACCESS_CONTROL_DEFINITION: ObjectDefinition = {
  model: ACCESS_CONTROL_MODEL,
  creatable: false,
  deletable: false,
};

/** Device 3; `shared` overrides the fleet-wide identity values. */
export function deviceDefinition(
  shared: Readonly<Record<number, ResourceValue>> = {},
): ObjectDefinition {
  return {
    model: DEVICE_MODEL,
    creatable: false,
    resources: {
      4: { execute: (ctx) => void ctx.after(() => host(ctx).reboot()) },
      5: { execute: (ctx) => void ctx.after(() => host(ctx).factoryReset()) },
      12: { execute: (ctx) => host(ctx).store.set(3, ctx.instanceId, 11, new Map([[0, 0]])) },
      13: {
        read: (ctx) => {
          const offset = host(ctx).store.get(3, ctx.instanceId, CLOCK_OFFSET);
          return wallSec(ctx) + (typeof offset === "number" ? offset : 0);
        },
        write: (ctx, value) => {
          if (typeof value !== "number") return 128;
          host(ctx).store.set(3, ctx.instanceId, CLOCK_OFFSET, value - wallSec(ctx));
          return { store: null };
        },
      },
    },
    shared: {
      0: "Open Mobile Alliance",
      1: "Lightweight M2M Client",
      3: "1.0.0",
      6: new Map([[0, 1]]),
      7: new Map([[0, 3800]]),
      8: new Map([[0, 125]]),
      9: 100,
      10: 15,
      11: new Map([[0, 0]]),
      14: "+00:00",
      15: "Etc/UTC",
      16: "UQ",
      17: "demo",
      18: "1.0",
      19: "1.0.0",
      20: 0,
      21: 64,
      ...shared,
    },
  };
}

export const CONNECTIVITY_MONITORING_DEFINITION: ObjectDefinition = {
  model: CONNECTIVITY_MONITORING_MODEL,
  creatable: false,
  shared: {
    0: 6, // LTE-FDD
    1: new Map([[0, 6]]),
    2: -70,
    3: 90,
    4: new Map([[0, "192.0.2.10"]]),
    7: new Map([[0, "iot.example"]]),
    8: 12345,
    9: 1,
    10: 1,
  },
};

export const LOCATION_DEFINITION: ObjectDefinition = {
  model: LOCATION_MODEL,
  creatable: false,
  shared: { 0: 0, 1: 0, 5: 0 },
};

function numberOf(v: ResourceValue | undefined): number | undefined {
  return typeof v === "number" ? v : undefined;
}

export const TEMPERATURE_DEFINITION: ObjectDefinition = {
  model: TEMPERATURE_MODEL,
  defaults: { 5700: 20 },
  resources: {
    5605: {
      execute: (ctx) => {
        const s = host(ctx).store;
        const v = numberOf(s.get(3303, ctx.instanceId, 5700)) ?? 0;
        s.set(3303, ctx.instanceId, 5601, v);
        s.set(3303, ctx.instanceId, 5602, v);
      },
    },
  },
  shared: { 5701: "Cel", 5603: -40, 5604: 85 },
};

/** Sets a temperature reading with min/max and timestamp (what a sensor driver does). */
export function setTemperature(
  store: ObjectStore,
  instanceId: number,
  value: number,
  wallSec: number,
): void {
  const min = numberOf(store.get(3303, instanceId, 5601));
  const max = numberOf(store.get(3303, instanceId, 5602));
  if (min === undefined || value < min) store.set(3303, instanceId, 5601, value);
  if (max === undefined || value > max) store.set(3303, instanceId, 5602, value);
  store.set(3303, instanceId, 5518, wallSec);
  store.set(3303, instanceId, 5700, value);
}

export const LIGHT_CONTROL_DEFINITION: ObjectDefinition = {
  model: LIGHT_CONTROL_MODEL,
  defaults: { 5850: false },
  resources: {
    5850: {
      write: (ctx, value) => {
        if (typeof value !== "boolean") return 128;
        const s = host(ctx).store;
        const i = ctx.instanceId;
        const on = s.get(3311, i, 5850) === true;
        const since = numberOf(s.get(3311, i, ON_SINCE));
        if (value && !on) s.set(3311, i, ON_SINCE, wallSec(ctx));
        if (!value && on && since !== undefined) {
          s.set(
            3311,
            i,
            ON_ACCUMULATED,
            (numberOf(s.get(3311, i, ON_ACCUMULATED)) ?? 0) + wallSec(ctx) - since,
          );
          s.deleteResource(3311, i, ON_SINCE);
        }
      },
    },
    5852: {
      read: (ctx) => {
        const s = host(ctx).store;
        const i = ctx.instanceId;
        const acc = numberOf(s.get(3311, i, ON_ACCUMULATED)) ?? 0;
        const since = numberOf(s.get(3311, i, ON_SINCE));
        return s.get(3311, i, 5850) === true && since !== undefined
          ? acc + wallSec(ctx) - since
          : acc;
      },
      write: (ctx, value) => {
        if (typeof value !== "number") return 128;
        const s = host(ctx).store;
        s.set(3311, ctx.instanceId, ON_ACCUMULATED, value);
        if (s.get(3311, ctx.instanceId, 5850) === true) {
          s.set(3311, ctx.instanceId, ON_SINCE, wallSec(ctx));
        }
        return { store: null };
      },
    },
  },
  shared: { 5820: 0.92, 5701: "W", 5750: "streetlight" },
};

export interface StandardOptions {
  /** Fleet-wide Device values (manufacturer, model, ...). */
  device?: Readonly<Record<number, ResourceValue>>;
}

/** Definitions of objects 0-6, 3303 and 3311 (7 Connectivity Statistics only as a model). */
export function standardDefinitions(options: StandardOptions = {}): DefinitionSet {
  return new DefinitionSet([
    SECURITY_DEFINITION,
    SERVER_DEFINITION,
    ACCESS_CONTROL_DEFINITION,
    deviceDefinition(options.device),
    CONNECTIVITY_MONITORING_DEFINITION,
    FIRMWARE_DEFINITION,
    LOCATION_DEFINITION,
    TEMPERATURE_DEFINITION,
    LIGHT_CONTROL_DEFINITION,
  ], coreModels());
}
