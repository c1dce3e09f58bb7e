/**
 * Object 3311 Light Control, version 1.0 (IPSO; LwM2M 1.0): IPSO light: on/off, dimmer, on time,
 * energy and colour (the streetlight object). A typed model for the content codecs (DESIGN.md §2).
 * Spec: the IPSO Smart Objects in the OMA LwM2M registry, LwM2M Core §7.2 (object model); facts
 * from the registry DDF 3311.xml. Browser-safe.
 */

import { defineObject, resource } from "./define.ts";
import type { ObjectModel } from "./model.ts";

/** Light Control 3311, version 1.0, every resource of that version. */
export const LIGHT_CONTROL_MODEL: ObjectModel = defineObject({
  id: 3311,
  name: "Light Control",
  version: "1.0",
  lwm2mVersion: "1.0",
  urn: "urn:oma:lwm2m:ext:3311",
  multiple: true,
  mandatory: false,
  description: "IPSO light: on/off, dimmer, on time, energy and colour (the streetlight object).",
}, [
  resource(5701, "Sensor Units", "R", "string"),
  resource(5706, "Colour", "RW", "string"),
  resource(5750, "Application Type", "RW", "string"),
  resource(5805, "Cumulative active power", "R", "float", { units: "Wh" }),
  resource(5820, "Power factor", "R", "float"),
  resource(5850, "On/Off", "RW", "boolean", { mandatory: true }),
  resource(5851, "Dimmer", "RW", "integer", { range: "0..100", units: "/100" }),
  resource(5852, "On time", "RW", "integer", { units: "s" }),
]);
