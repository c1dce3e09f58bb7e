/**
 * The JSON form of gateway events on /api/events and /api/ws (DESIGN.md §6 "Events"): the bus's
 * event with internal values turned into the HTTP contract's shapes (a `registration` becomes the
 * Registration JSON with spec names and ISO times, a request `result` becomes the result JSON);
 * everything else (notification/send `values`, ids) is already JSON and passes through.
 */

import type { Lwm2mResult } from "../lwm2m/operations.ts";
import type { Registration } from "../lwm2m/registration.ts";
import { resultToJson } from "../server/json.ts";
import type { GatewayEvent } from "../server/events.ts";
import { type ApiDeps, registrationJson } from "./api_context.ts";

/** The event as sent to consumers (the event itself when nothing needs converting). */
export function eventJson(event: GatewayEvent, deps: ApiDeps): Record<string, unknown> {
  const registration = event.registration as Registration | undefined;
  const result = event.result as Lwm2mResult | undefined;
  const isRegistration = typeof registration === "object" && registration !== null &&
    "registeredAtMs" in registration;
  const isResult = typeof result === "object" && result !== null && "kind" in result;
  if (!isRegistration && !isResult) return event; // notifications, send, ...: already JSON
  const out: Record<string, unknown> = { ...event };
  if (isRegistration) {
    out.registration = registrationJson(
      registration,
      deps.server?.isSleeping(registration.endpoint) ?? false,
    );
  }
  if (isResult) out.result = resultToJson(result, deps.models);
  return out;
}
