/**
 * The LwM2M server's side of a cluster of gateway nodes on one Redis store (issue 10): every node
 * keeps its registry a mirror of the store (`applyRemoteChange` on each change another node
 * announced, `resync` after missed announcements), lifetime expiry happens once cluster-wide
 * (`expireOnce`), and the node that serves a device's Register/Update takes over its live
 * observations and queued requests from the store (`adoptDevice`). Only the shell calls these.
 */

import type { Registration } from "../lwm2m/registration.ts";
import { type Namespace, NAMESPACES } from "../store/store.ts";
import type { ServerCluster } from "./cluster_hooks.ts";
import type { Lwm2mServer } from "./lwm2m_server.ts";

function readRegistration(server: Lwm2mServer, endpoint: string) {
  return server.options.store.get<Registration>(NAMESPACES.registration, endpoint);
}

/** Whether `stored` is a newer state of the registration than `known`. */
function isNewer(stored: Registration, known: Registration): boolean {
  return stored.registrationId !== known.registrationId || stored.updatedAtMs > known.updatedAtMs;
}

/**
 * Another node changed a document: bring this node's view in line with the store. Registrations
 * enter or leave the registry (no events: the node that made the change emitted them, and the
 * cluster relays its events); observation records follow their document.
 */
export async function applyRemoteChange(
  server: Lwm2mServer,
  ns: Namespace,
  key: string,
): Promise<void> {
  if (ns === NAMESPACES.registration) {
    const stored = await readRegistration(server, key);
    const known = server.get(key);
    if (!stored) {
      if (known) server.removeQuietly(key);
    } else if (
      !known || isNewer(stored, known) || stored.preferredFormat !== known.preferredFormat
    ) {
      if (known && known.registrationId !== stored.registrationId) server.releaseDevice(key);
      server.restoreRegistration(stored);
    }
  } else if (ns === NAMESPACES.observation) {
    await server.observations.applyRemote(key);
  }
}

/** Reconciles the whole registry with the store (after the change feed may have lost messages). */
export async function resync(server: Lwm2mServer): Promise<void> {
  const stored = new Set<string>();
  for (const { value } of await server.options.store.list<Registration>(NAMESPACES.registration)) {
    stored.add(value.endpoint);
    const known = server.get(value.endpoint);
    if (!known || isNewer(value, known)) server.restoreRegistration(value);
  }
  for (const endpoint of [...server.registry.byEndpoint.keys()]) {
    if (!stored.has(endpoint)) server.removeQuietly(endpoint);
  }
  await server.observations.reloadRecords();
}

/**
 * The registry found `r` expired (it is already out of the registry). Unless the store holds a
 * newer state (an Update served by another node this node has not heard of yet), exactly one node
 * wins the claim, removes it from the store and emits `expired`; the others drop it quietly.
 */
export async function expireOnce(
  server: Lwm2mServer,
  cluster: ServerCluster,
  r: Registration,
): Promise<void> {
  const stored = await readRegistration(server, r.endpoint);
  if (stored && isNewer(stored, r)) {
    server.restoreRegistration(stored);
    return;
  }
  if (stored && await cluster.claimExpiry(r)) {
    await server.unpersist(r.endpoint);
    server.onRemoved(r, "expired");
    return;
  }
  server.removeQuietly(r.endpoint);
}

/**
 * This node served the device's Register (`live` false: the device forgot its observations, they
 * are re-issued) or Update (`live` true: its observations keep their tokens, which this node
 * restores). When the device was another node's, its records and queued requests move here.
 */
export async function adoptDevice(
  server: Lwm2mServer,
  endpoint: string,
  live: boolean,
): Promise<void> {
  const cluster = server.options.cluster;
  if (!cluster || !await cluster.claimDevice(endpoint)) return;
  await server.observations.adopt(endpoint, live);
  await server.queue.adopt(endpoint);
}
