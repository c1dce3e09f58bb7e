/**
 * Object 3 Device, version 1.2 (OMA; LwM2M 1.1): identity, power, memory, error codes, clock and
 * reboot/factory reset of the device. A typed model for the content codecs (DESIGN.md §2). Spec:
 * LwM2M 1.0 TS Appendix E.4 (object definitions), LwM2M Core §7.2 (object model); facts from the
 * registry DDF 3.xml. Browser-safe.
 */

import { defineObject, resource } from "./define.ts";
import type { ObjectModel } from "./model.ts";

/** Device 3, version 1.2, every resource of that version. */
export const DEVICE_MODEL: ObjectModel = defineObject({
  id: 3,
  name: "Device",
  version: "1.2",
  lwm2mVersion: "1.1",
  urn: "urn:oma:lwm2m:oma:3:1.2",
  multiple: false,
  mandatory: true,
  description:
    "Identity, power, memory, error codes, clock and reboot/factory reset of the device.",
}, [
  resource(0, "Manufacturer", "R", "string"),
  resource(1, "Model Number", "R", "string"),
  resource(2, "Serial Number", "R", "string"),
  resource(3, "Firmware Version", "R", "string"),
  resource(4, "Reboot", "E", "none", { mandatory: true }),
  resource(5, "Factory Reset", "E", "none"),
  resource(6, "Available Power Sources", "R", "integer", { multiple: true, range: "0..7" }),
  resource(7, "Power Source Voltage", "R", "integer", { multiple: true }),
  resource(8, "Power Source Current", "R", "integer", { multiple: true }),
  resource(9, "Battery Level", "R", "integer", { range: "0..100", units: "/100" }),
  resource(10, "Memory Free", "R", "integer"),
  resource(11, "Error Code", "R", "integer", { multiple: true, mandatory: true, range: "0..32" }),
  resource(12, "Reset Error Code", "E", "none"),
  resource(13, "Current Time", "RW", "time"),
  resource(14, "UTC Offset", "RW", "string"),
  resource(15, "Timezone", "RW", "string"),
  resource(16, "Supported Binding and Modes", "R", "string", { mandatory: true }),
  resource(17, "Device Type", "R", "string"),
  resource(18, "Hardware Version", "R", "string"),
  resource(19, "Software Version", "R", "string"),
  resource(20, "Battery Status", "R", "integer", { range: "0..6" }),
  resource(21, "Memory Total", "R", "integer"),
  resource(22, "ExtDevInfo", "R", "objlnk", { multiple: true }),
]);
