/**
 * Object 6 Location, version 1.0 (OMA; LwM2M 1.0): position, altitude, uncertainty radius,
 * velocity and speed with the time of the fix. A typed model for the content codecs (DESIGN.md
 * §2). Spec: LwM2M 1.0 TS Appendix E.7 (object definitions), LwM2M Core §7.2 (object model); facts
 * from the registry DDF 6.xml. Browser-safe.
 */

import { defineObject, resource } from "./define.ts";
import type { ObjectModel } from "./model.ts";

/** Location 6, version 1.0, every resource of that version. */
export const LOCATION_MODEL: ObjectModel = defineObject({
  id: 6,
  name: "Location",
  version: "1.0",
  lwm2mVersion: "1.0",
  urn: "urn:oma:lwm2m:oma:6",
  multiple: false,
  mandatory: false,
  description:
    "Position, altitude, uncertainty radius, velocity and speed with the time of the fix.",
}, [
  resource(0, "Latitude", "R", "float", { mandatory: true, units: "lat" }),
  resource(1, "Longitude", "R", "float", { mandatory: true, units: "lon" }),
  resource(2, "Altitude", "R", "float", { units: "m" }),
  resource(3, "Radius", "R", "float", { units: "m" }),
  resource(4, "Velocity", "R", "opaque"),
  resource(5, "Timestamp", "R", "time", { mandatory: true }),
  resource(6, "Speed", "R", "float", { units: "m/s" }),
]);
