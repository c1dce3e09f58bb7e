/**
 * Object 3303 Temperature, version 1.1 (IPSO; LwM2M 1.0): IPSO temperature sensor: current value,
 * min/max tracking, units. A typed model for the content codecs (DESIGN.md §2). Spec: the IPSO
 * Smart Objects in the OMA LwM2M registry, LwM2M Core §7.2 (object model); facts from the registry
 * DDF 3303.xml. Browser-safe.
 */

import { defineObject, resource } from "./define.ts";
import type { ObjectModel } from "./model.ts";

/** Temperature 3303, version 1.1, every resource of that version. */
export const TEMPERATURE_MODEL: ObjectModel = defineObject({
  id: 3303,
  name: "Temperature",
  version: "1.1",
  lwm2mVersion: "1.0",
  urn: "urn:oma:lwm2m:ext:3303:1.1",
  multiple: true,
  mandatory: false,
  description: "IPSO temperature sensor: current value, min/max tracking, units.",
}, [
  resource(5518, "Timestamp", "R", "time"),
  resource(5601, "Min Measured Value", "R", "float"),
  resource(5602, "Max Measured Value", "R", "float"),
  resource(5603, "Min Range Value", "R", "float"),
  resource(5604, "Max Range Value", "R", "float"),
  resource(5605, "Reset Min and Max Measured Values", "E", "none"),
  resource(5700, "Sensor Value", "R", "float", { mandatory: true }),
  resource(5701, "Sensor Units", "R", "string"),
  resource(5750, "Application Type", "RW", "string"),
  resource(6042, "Measurement Quality Indicator", "R", "integer", { range: "0..23" }),
  resource(6049, "Measurement Quality Level", "R", "integer", { range: "0..100" }),
  resource(6050, "Fractional Timestamp", "R", "float", { range: "0..1", units: "s" }),
]);
