/**
 * Object 7 Connectivity Statistics, version 1.0 (OMA; LwM2M 1.0): traffic counters collected
 * between Start and Stop. A typed model for the content codecs (DESIGN.md §2). Spec: LwM2M 1.0 TS
 * Appendix E.8 (object definitions), LwM2M Core §7.2 (object model); facts from the registry DDF
 * 7.xml. Browser-safe.
 */

import { defineObject, resource } from "./define.ts";
import type { ObjectModel } from "./model.ts";

/** Connectivity Statistics 7, version 1.0, every resource of that version. */
export const CONNECTIVITY_STATISTICS_MODEL: ObjectModel = defineObject({
  id: 7,
  name: "Connectivity Statistics",
  version: "1.0",
  lwm2mVersion: "1.0",
  urn: "urn:oma:lwm2m:oma:7",
  multiple: false,
  mandatory: false,
  description: "Traffic counters collected between Start and Stop.",
}, [
  resource(0, "SMS Tx Counter", "R", "integer"),
  resource(1, "SMS Rx Counter", "R", "integer"),
  resource(2, "Tx Data", "R", "integer"),
  resource(3, "Rx Data", "R", "integer"),
  resource(4, "Max Message Size", "R", "integer", { units: "B" }),
  resource(5, "Average Message Size", "R", "integer", { units: "B" }),
  resource(6, "Start", "E", "none", { mandatory: true }),
  resource(7, "Stop", "E", "none", { mandatory: true }),
  resource(8, "Collection Period", "RW", "integer", { units: "s" }),
]);
