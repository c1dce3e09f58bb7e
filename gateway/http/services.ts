/**
 * The stateful services behind the fleet and provisioning routes (issue 6): the DTLS security
 * store and the firmware service. The gateway shell (gateway/gateway.ts) builds them and passes
 * them in ApiDeps; for an app made without them (in-process tests) they are made here over the
 * same Store, once per route table, so every module shares one instance.
 */

import { SecurityStore } from "../server/credentials.ts";
import { FirmwareService } from "../server/firmware.ts";
import type { ApiDeps } from "./api_context.ts";

export interface FleetServices {
  security: SecurityStore;
  firmware: FirmwareService;
}

export function fleetServices(deps: ApiDeps): FleetServices {
  return {
    security: deps.security ?? new SecurityStore(deps.store, deps.nowMs),
    firmware: deps.firmware ?? new FirmwareService({
      server: deps.server,
      store: deps.store,
      events: deps.events,
      clock: deps.nowMs,
      pullBase: () => deps.publicUri ?? null,
    }),
  };
}
