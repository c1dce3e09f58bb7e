/**
 * Object 5 Firmware Update, version 1.2 (OMA; LwM2M 1.1): image delivery by push (Package) or pull
 * (Package URI), then Update; State and Update Result report progress. A typed model for the
 * content codecs (DESIGN.md §2). Spec: LwM2M 1.0 TS Appendix E.6 (object definitions), LwM2M Core
 * §7.2 (object model); facts from the registry DDF 5.xml. Browser-safe.
 */

import { defineObject, resource } from "./define.ts";
import type { ObjectModel } from "./model.ts";

/** Firmware Update 5, version 1.2, every resource of that version. */
export const FIRMWARE_UPDATE_MODEL: ObjectModel = defineObject({
  id: 5,
  name: "Firmware Update",
  version: "1.2",
  lwm2mVersion: "1.1",
  urn: "urn:oma:lwm2m:oma:5:1.2",
  multiple: false,
  mandatory: false,
  description: "Image push (Package) or pull (Package URI), then Update; State and Result report.",
}, [
  resource(0, "Package", "W", "opaque", { mandatory: true }),
  resource(1, "Package URI", "RW", "string", { mandatory: true, range: "0..255" }),
  resource(2, "Update", "E", "none", { mandatory: true }),
  resource(3, "State", "R", "integer", { mandatory: true, range: "0..3" }),
  resource(5, "Update Result", "R", "integer", { mandatory: true, range: "0..11" }),
  resource(6, "PkgName", "R", "string", { range: "0..255" }),
  resource(7, "PkgVersion", "R", "string", { range: "0..255" }),
  resource(8, "Firmware Update Protocol Support", "R", "integer", {
    multiple: true,
    range: "0..5",
  }),
  resource(9, "Firmware Update Delivery Method", "R", "integer", {
    mandatory: true,
    range: "0..2",
  }),
  resource(10, "Cancel", "E", "none"),
  resource(11, "Severity", "RW", "integer", { range: "0..2" }),
  resource(12, "Last State Change Time", "R", "time"),
  resource(13, "Maximum Defer Period", "RW", "unsigned", { units: "s" }),
  resource(14, "Automatic Upgrade at Download", "RW", "boolean"),
]);
