/**
 * objects/ entry point: the bundled object models (LwM2M Core §7.2 Object Model) for the core OMA
 * objects 0-7 and the IPSO objects 3303 and 3311, and `coreModels()`, a ModelRegistry holding all
 * of them. Browser-safe and dependency-free. The DDF XML loader is imported on its own
 * (objects/ddf.ts, objects/ddf_dir.ts) so that users of the models do not pull in an XML parser.
 */

import { ModelRegistry, type ObjectModel } from "./model.ts";
import { SECURITY_MODEL } from "./0_security.ts";
import { SERVER_MODEL } from "./1_server.ts";
import { ACCESS_CONTROL_MODEL } from "./2_access_control.ts";
import { DEVICE_MODEL } from "./3_device.ts";
import { CONNECTIVITY_MONITORING_MODEL } from "./4_connectivity_monitoring.ts";
import { FIRMWARE_UPDATE_MODEL } from "./5_firmware_update.ts";
import { LOCATION_MODEL } from "./6_location.ts";
import { CONNECTIVITY_STATISTICS_MODEL } from "./7_connectivity_statistics.ts";
import { TEMPERATURE_MODEL } from "./3303_temperature.ts";
import { LIGHT_CONTROL_MODEL } from "./3311_light_control.ts";

export * from "./model.ts";
export { defineObject, type ObjectHeader, resource, type ResourceOptions } from "./define.ts";
export {
  ACCESS_CONTROL_MODEL,
  CONNECTIVITY_MONITORING_MODEL,
  CONNECTIVITY_STATISTICS_MODEL,
  DEVICE_MODEL,
  FIRMWARE_UPDATE_MODEL,
  LIGHT_CONTROL_MODEL,
  LOCATION_MODEL,
  SECURITY_MODEL,
  SERVER_MODEL,
  TEMPERATURE_MODEL,
};

/** The ten bundled models, ordered by Object ID. */
export const CORE_MODELS: readonly ObjectModel[] = Object.freeze([
  SECURITY_MODEL,
  SERVER_MODEL,
  ACCESS_CONTROL_MODEL,
  DEVICE_MODEL,
  CONNECTIVITY_MONITORING_MODEL,
  FIRMWARE_UPDATE_MODEL,
  LOCATION_MODEL,
  CONNECTIVITY_STATISTICS_MODEL,
  TEMPERATURE_MODEL,
  LIGHT_CONTROL_MODEL,
]);

/** A new registry with the ten bundled models; add DDF-loaded models to it as needed. */
export function coreModels(): ModelRegistry {
  return new ModelRegistry(CORE_MODELS);
}
