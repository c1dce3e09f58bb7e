/**
 * The simulated streetlight (DESIGN.md §1: a city's LwM2M streetlights, IPSO Light Control 3311):
 * the object definitions the whole fleet shares (Device identity values in the definition, not in
 * every device), the few values each light owns (serial number, position, on/off, dimmer, energy),
 * its factory configuration, and the random changes that exercise the server's observations.
 */

import { deviceDefinition, standardDefinitions } from "./std_objects.ts";
import type { DefinitionSet, ResourceValue } from "./definitions.ts";
import type { FactoryConfig, InstanceSpec } from "./factory.ts";
import type { Lwm2mClient } from "./client.ts";

/**
 * Definitions shared by every simulated streetlight. With `server`, the account every light has
 * (Security /0 URI and SSID, Server /1 SSID, lifetime, binding) is a shared value too, so a light
 * stores none of it.
 */
export function streetlightDefinitions(
  server?: { uri: string; lifetimeSec: number; binding: string },
): DefinitionSet {
  const defs = standardDefinitions();
  if (server) {
    const sec = defs.get(0)!;
    defs.add({ ...sec, shared: { ...sec.shared, 0: server.uri, 10: 1 } });
    const srv = defs.get(1)!;
    defs.add({ ...srv, shared: { ...srv.shared, 0: 1, 1: server.lifetimeSec, 7: server.binding } });
  }
  defs.add(deviceDefinition({
    0: "LwM2M Edge Gateway",
    1: "streetlight-sim",
    17: "streetlight",
    16: "UQ",
  }));
  return defs;
}

/** A deterministic random source seeded by a string (a light keeps its place across reboots). */
export function seededRandom(seed: string): () => number {
  let h = 2166136261;
  for (let k = 0; k < seed.length; k++) h = Math.imul(h ^ seed.charCodeAt(k), 16777619);
  return () => {
    h = Math.imul(h ^ (h >>> 15), 2246822507) + 0x6d2b79f5 | 0;
    return ((h >>> 0) % 1_000_003) / 1_000_003;
  };
}

/** A light's own instances: serial, position near a city centre, light state. */
export function streetlightObjects(
  endpoint: string,
  random: () => number = seededRandom(endpoint),
): InstanceSpec[] {
  const lat = 48.8566 + (random() - 0.5) * 0.1;
  const lon = 2.3522 + (random() - 0.5) * 0.1;
  return [
    { objectId: 3, instanceId: 0, values: new Map<number, ResourceValue>([[2, endpoint]]) },
    { objectId: 4, instanceId: 0, values: new Map() },
    { objectId: 5, instanceId: 0, values: new Map() },
    {
      objectId: 6,
      instanceId: 0,
      values: new Map<number, ResourceValue>([[0, Math.round(lat * 1e5) / 1e5], [
        1,
        Math.round(lon * 1e5) / 1e5,
      ]]),
    },
    {
      objectId: 3311,
      instanceId: 0,
      values: new Map<number, ResourceValue>([[5850, random() < 0.5], [
        5851,
        Math.floor(random() * 101),
      ], [5805, 0]]),
    },
  ];
}

/** The factory configuration of every light (one LwM2M Server, or only a Bootstrap-Server). */
export function streetlightFactory(
  options: { server?: string; bootstrap?: string; lifetimeSec: number; queue: boolean },
): FactoryConfig {
  const config: FactoryConfig = {};
  if (options.server) {
    config.servers = [{
      shortServerId: 1,
      uri: options.server,
      lifetime: options.lifetimeSec,
      binding: options.queue ? "UQ" : "U",
      // Registration retries for a fleet: 5 attempts 2 s apart, doubling (§2.6 resources 17/18).
      retryTimer: 2,
      bootstrapOnRegistrationFailure: options.bootstrap !== undefined,
    }];
  }
  if (options.bootstrap) config.bootstrapServer = { uri: options.bootstrap };
  return config;
}

/** One random change: dimmer drift, a rare switch, energy counting while on, radio strength. */
export function randomChange(client: Lwm2mClient, random: () => number): void {
  if (!client.store.hasInstance(3311, 0)) return;
  const on = client.get("/3311/0/5850") === true;
  const roll = random();
  if (roll < 0.1) {
    client.write("/3311/0/5850", !on);
  } else if (roll < 0.6) {
    const dimmer = client.get("/3311/0/5851");
    const next = Math.max(
      0,
      Math.min(100, (typeof dimmer === "number" ? dimmer : 50) + Math.round((random() - 0.5) * 20)),
    );
    client.set("/3311/0/5851", next);
  } else if (roll < 0.9) {
    const energy = client.get("/3311/0/5805");
    if (on) {
      client.set(
        "/3311/0/5805",
        Math.round(((typeof energy === "number" ? energy : 0) + random() * 5) * 100) / 100,
      );
    }
  } else {
    client.set("/4/0/2", -60 - Math.floor(random() * 40));
  }
}
