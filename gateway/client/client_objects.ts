/**
 * The object instances a client starts with (LwM2M Core §5.2 bootstrap modes, in the spec's order
 * of precedence): the factory JSON, the device's own instances, what a Bootstrap-Server wrote
 * before (kept like flash across reboots), then the smartcard file over all of it; Device /3/0
 * always exists (Appendix E.4, mandatory), and a firmware update survives in /3/0/3 and /5/0.
 * Shell code: it reads the smartcard file.
 */

import type { Codec } from "../../codec-wasm/mod.ts";
import type { DefinitionSet } from "./definitions.ts";
import { type FactoryConfig, factoryInstances, type InstanceSpec } from "./factory.ts";
import type { FirmwareState } from "./firmware_machine.ts";
import { decodeSmartcard } from "./smartcard.ts";
import { ObjectStore } from "./store.ts";

/** Without `objects`: Connectivity Monitoring and Firmware Update (Device is always added). */
export const DEFAULT_OBJECTS: readonly InstanceSpec[] = [
  { objectId: 4, instanceId: 0, values: new Map() },
  { objectId: 5, instanceId: 0, values: new Map() },
];

/** Object ids a Bootstrap-Server configures; they are kept ("flash") across reboots. */
export const BOOTSTRAPPED_OBJECTS: readonly number[] = [0, 1, 2];

export interface BuildSources {
  factory?: FactoryConfig;
  objects?: readonly InstanceSpec[] | ((endpoint: string) => readonly InstanceSpec[]);
  flash: readonly InstanceSpec[] | null;
  smartcardFile?: string;
  firmwareVersion: string | null;
  firmware: FirmwareState | null;
}

export function buildStore(
  definitions: DefinitionSet,
  endpoint: string,
  codec: Codec,
  sources: BuildSources,
): { store: ObjectStore; smartcardError?: string } {
  const store = new ObjectStore(definitions);
  const apply = (specs: readonly InstanceSpec[]) => {
    for (const s of specs) {
      if (store.definitions.has(s.objectId)) {
        store.createInstance(s.objectId, s.instanceId, s.values);
      }
    }
  };
  if (sources.factory) apply(factoryInstances(sources.factory, store.definitions.models));
  const objects = sources.objects;
  apply(typeof objects === "function" ? objects(endpoint) : objects ?? DEFAULT_OBJECTS);
  if (sources.flash) {
    for (const o of BOOTSTRAPPED_OBJECTS) store.deleteObject(o);
    apply(sources.flash);
  }
  const card = readSmartcard(sources.smartcardFile, store, codec);
  if (card.specs) apply(card.specs);
  if (store.definitions.has(3) && !store.hasInstance(3, 0)) {
    store.createInstance(3, 0, [[2, endpoint]]);
  }
  if (sources.firmwareVersion && store.hasInstance(3, 0)) {
    store.set(3, 0, 3, sources.firmwareVersion);
  }
  if (sources.firmware && store.hasInstance(5, 0)) {
    store.set(5, 0, 3, sources.firmware.state);
    store.set(5, 0, 5, sources.firmware.result);
  }
  store.compact();
  return card.error ? { store, smartcardError: card.error } : { store };
}

function readSmartcard(
  path: string | undefined,
  store: ObjectStore,
  codec: Codec,
): { specs?: InstanceSpec[]; error?: string } {
  if (!path) return {};
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (e) {
    return e instanceof Deno.errors.NotFound ? {} : { error: String(e) };
  }
  try {
    return { specs: decodeSmartcard(bytes, store.definitions.models, codec) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The instances of the bootstrapped objects, to keep across reboots. */
export function snapshotBootstrapped(store: ObjectStore): InstanceSpec[] {
  const out: InstanceSpec[] = [];
  for (const o of BOOTSTRAPPED_OBJECTS) {
    for (const i of store.instanceIds(o)) {
      out.push({ objectId: o, instanceId: i, values: store.instanceValues(o, i) });
    }
  }
  return out;
}
