/**
 * Object 1 LwM2M Server, version 1.2 (OMA; LwM2M 1.2): one instance per LwM2M Server account:
 * short server id, lifetime, binding, default observation periods and registration triggers. A
 * typed model for the content codecs (DESIGN.md §2). Spec: LwM2M 1.0 TS Appendix E.2 (object
 * definitions), LwM2M Core §7.2 (object model); facts from the registry DDF 1.xml. Browser-safe.
 */

import { defineObject, resource } from "./define.ts";
import type { ObjectModel } from "./model.ts";

/** LwM2M Server 1, version 1.2, every resource of that version. */
export const SERVER_MODEL: ObjectModel = defineObject({
  id: 1,
  name: "LwM2M Server",
  version: "1.2",
  lwm2mVersion: "1.2",
  urn: "urn:oma:lwm2m:oma:1:1.2",
  multiple: true,
  mandatory: true,
  description: "One LwM2M Server account: short server id, lifetime, binding, periods, triggers.",
}, [
  resource(0, "Short Server ID", "R", "integer", { mandatory: true, range: "1..65534" }),
  resource(1, "Lifetime", "RW", "integer", { mandatory: true, units: "s" }),
  resource(2, "Default Minimum Period", "RW", "integer", { units: "s" }),
  resource(3, "Default Maximum Period", "RW", "integer", { units: "s" }),
  resource(4, "Disable", "E", "none"),
  resource(5, "Disable Timeout", "RW", "integer", { units: "s" }),
  resource(6, "Notification Storing When Disabled or Offline", "RW", "boolean", {
    mandatory: true,
  }),
  resource(7, "Binding", "RW", "string", { mandatory: true }),
  resource(8, "Registration Update Trigger", "E", "none", { mandatory: true }),
  resource(9, "Bootstrap-Request Trigger", "E", "none"),
  resource(10, "APN Link", "RW", "objlnk"),
  resource(11, "TLS-DTLS Alert Code", "R", "unsigned", { range: "0..255" }),
  resource(12, "Last Bootstrapped", "R", "time"),
  resource(13, "Registration Priority Order", "R", "unsigned"),
  resource(14, "Initial Registration Delay Timer", "RW", "unsigned", { units: "s" }),
  resource(15, "Registration Failure Block", "R", "boolean"),
  resource(16, "Bootstrap on Registration Failure", "R", "boolean"),
  resource(17, "Communication Retry Count", "RW", "unsigned"),
  resource(18, "Communication Retry Timer", "RW", "unsigned", { units: "s" }),
  resource(19, "Communication Sequence Delay Timer", "RW", "unsigned", { units: "s" }),
  resource(20, "Communication Sequence Retry Count", "RW", "unsigned"),
  resource(21, "Trigger", "RW", "boolean"),
  // The DDF range of 22 is a sentence pointing at the Core spec (transport letters), not a range.
  resource(22, "Preferred Transport", "RW", "string"),
  resource(23, "Mute Send", "RW", "boolean"),
  resource(24, "Alternate APN Links", "RW", "objlnk", { multiple: true }),
  resource(25, "Supported Server Versions", "RW", "string", { multiple: true }),
  resource(26, "Default Notification Mode", "RW", "integer", { range: "0..1" }),
  resource(27, "Profile ID Hash Algorithm", "RW", "unsigned", { range: "0..255" }),
]);
