/**
 * The LwM2M client library (LwM2M Core §5-§7, client side) and its fleet runner: `startClient` for
 * one device, `ClientHost` + `Lwm2mClient` for many in one process (gateway/client/simulator.ts),
 * the object definitions and helpers to add objects from a model plus handlers, and the pure
 * parts (notification rules, firmware state machine, registration decisions) for reuse.
 */

import { ClientHost, type HostOptions } from "./host.ts";
import { Lwm2mClient, type Lwm2mClientOptions } from "./client.ts";

export * from "./client.ts";
export * from "./host.ts";
export * from "./definitions.ts";
export * from "./factory.ts";
export * from "./scheduler.ts";
export { ObjectStore } from "./store.ts";
export { decodeSmartcard, encodeSmartcard, SmartcardError } from "./smartcard.ts";
export { deviceDefinition, setTemperature, standardDefinitions } from "./std_objects.ts";
export { makePackage } from "./firmware_machine.ts";
export type { NotificationAttributes } from "./attributes.ts";

/** One client on its own host (own socket, timers); `stop()` also closes the host. */
export async function startClient(
  options: Lwm2mClientOptions & { host?: HostOptions },
): Promise<Lwm2mClient & { close(): Promise<void> }> {
  const host = await ClientHost.open(options.host);
  const client = new Lwm2mClient(host, options) as Lwm2mClient & { close(): Promise<void> };
  client.close = async () => {
    await client.stop();
    await host.close();
  };
  client.start();
  return client;
}
