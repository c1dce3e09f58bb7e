/**
 * JSON forms of what the LwM2M server reports in events and results (DESIGN.md §6 "Values"):
 * value maps by path, Send values with their times, and typed operation results.
 */

import type { ModelRegistry } from "../../objects/model.ts";
import type { TimestampedValue } from "../lwm2m/content/mod.ts";
import { toJson, valuesToJson as typedValuesToJson } from "../lwm2m/json_values.ts";
import type { Lwm2mResult } from "../lwm2m/operations.ts";
import type { Lwm2mValues } from "../lwm2m/values.ts";
import type { Registration } from "../lwm2m/registration.ts";
import { expiresAtMs } from "../lwm2m/registry.ts";

export function valuesToJson(values: Lwm2mValues, models?: ModelRegistry): Record<string, unknown> {
  return typedValuesToJson(values, models);
}

/** Send values: the latest value per path in `values`, and every value with its time in `records`. */
export function timestampedToJson(entries: TimestampedValue[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const records = entries.map((e) => {
    const value = toJson(e.value);
    values[e.path] = value;
    return { path: e.path, value, time: e.timeSec };
  });
  return { values, records };
}

/** A result as JSON for events and GET /api/requests/{id}. */
export function resultToJson(result: Lwm2mResult, models?: ModelRegistry): Record<string, unknown> {
  if (result.kind === "content") {
    return { kind: "content", format: result.format, values: valuesToJson(result.values, models) };
  }
  return { ...result };
}

/** The Registration JSON of DESIGN.md §6. */
export function registrationJson(r: Registration, sleeping: boolean): Record<string, unknown> {
  return {
    endpoint: r.endpoint,
    registrationId: r.registrationId,
    lwm2mVersion: r.lwm2mVersion,
    lifetime: r.lifetimeSec,
    binding: r.binding,
    queueMode: r.queueMode,
    sleeping,
    address: r.address,
    secure: r.secure,
    rootPath: r.rootPath,
    objectLinks: r.objectLinks,
    supportedFormats: r.supportedFormats,
    ...(r.smsNumber !== undefined ? { smsNumber: r.smsNumber } : {}),
    ...(Object.keys(r.additionalAttributes ?? {}).length > 0
      ? { additionalAttributes: r.additionalAttributes }
      : {}),
    registeredAt: new Date(r.registeredAtMs).toISOString(),
    lastSeenAt: new Date(r.lastSeenAtMs).toISOString(),
    expiresAt: new Date(expiresAtMs(r)).toISOString(),
  };
}
