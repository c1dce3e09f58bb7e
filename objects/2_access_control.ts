/**
 * Object 2 LwM2M Access Control, version 1.1 (OMA; LwM2M 1.0): access rights of each server to one
 * object instance (an ACL bit mask per short server id). A typed model for the content codecs
 * (DESIGN.md §2). Spec: LwM2M 1.0 TS Appendix E.3 (object definitions), LwM2M Core §7.2 (object
 * model); facts from the registry DDF 2.xml. Browser-safe.
 */

import { defineObject, resource } from "./define.ts";
import type { ObjectModel } from "./model.ts";

/** LwM2M Access Control 2, version 1.1, every resource of that version. */
export const ACCESS_CONTROL_MODEL: ObjectModel = defineObject({
  id: 2,
  name: "LwM2M Access Control",
  version: "1.1",
  lwm2mVersion: "1.0",
  urn: "urn:oma:lwm2m:oma:2:1.1",
  multiple: true,
  mandatory: false,
  description:
    "Access rights of each server to one object instance (an ACL bit mask per short server id).",
}, [
  resource(0, "Object ID", "R", "integer", { mandatory: true, range: "1..65534" }),
  resource(1, "Object Instance ID", "R", "integer", { mandatory: true, range: "0..65535" }),
  resource(2, "ACL", "RW", "integer", { multiple: true, range: "0..31" }),
  resource(3, "Access Control Owner", "RW", "integer", { mandatory: true, range: "0..65535" }),
]);
