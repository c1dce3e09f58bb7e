/**
 * Object 4 Connectivity Monitoring, version 1.3 (OMA; LwM2M 1.1): current bearer, signal, IP
 * addresses and cell of the network connection. A typed model for the content codecs (DESIGN.md
 * §2). Spec: LwM2M 1.0 TS Appendix E.5 (object definitions), LwM2M Core §7.2 (object model); facts
 * from the registry DDF 4.xml. Browser-safe.
 */

import { defineObject, resource } from "./define.ts";
import type { ObjectModel } from "./model.ts";

/** Connectivity Monitoring 4, version 1.3, every resource of that version. */
export const CONNECTIVITY_MONITORING_MODEL: ObjectModel = defineObject({
  id: 4,
  name: "Connectivity Monitoring",
  version: "1.3",
  lwm2mVersion: "1.1",
  urn: "urn:oma:lwm2m:oma:4:1.3",
  multiple: false,
  mandatory: false,
  description: "Current bearer, signal, IP addresses and cell of the network connection.",
}, [
  resource(0, "Network Bearer", "R", "integer", { mandatory: true, range: "0..50" }),
  resource(1, "Available Network Bearer", "R", "integer", {
    multiple: true,
    mandatory: true,
    range: "0..50",
  }),
  resource(2, "Radio Signal Strength", "R", "integer", { mandatory: true, units: "dBm" }),
  resource(3, "Link Quality", "R", "integer"),
  resource(4, "IP Addresses", "R", "string", { multiple: true, mandatory: true }),
  resource(5, "Router IP Addresses", "R", "string", { multiple: true }),
  resource(6, "Link Utilization", "R", "integer", { range: "0..100", units: "/100" }),
  resource(7, "APN", "R", "string", { multiple: true }),
  resource(8, "Cell ID", "R", "integer"),
  resource(9, "SMNC", "R", "integer", { range: "0..999" }),
  resource(10, "SMCC", "R", "integer", { range: "0..999" }),
  resource(11, "SignalSNR", "R", "integer", { units: "dB" }),
  resource(12, "LAC", "R", "integer"),
  resource(13, "Coverage Enhancement Level", "R", "integer", { range: "0..4" }),
]);
