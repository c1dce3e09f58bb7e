/**
 * Object 0 LWM2M Security, version 1.2 (OMA; LwM2M 1.1): credentials and URIs the client uses to
 * reach each LwM2M Server and the Bootstrap Server; no operations: only the Bootstrap interface
 * writes it. A typed model for the content codecs (DESIGN.md §2). Spec: LwM2M 1.0 TS Appendix E.1
 * (object definitions), LwM2M Core §7.2 (object model); facts from the registry DDF 0.xml.
 * Browser-safe.
 */

import { defineObject, resource } from "./define.ts";
import type { ObjectModel } from "./model.ts";

/** LWM2M Security 0, version 1.2, every resource of that version. */
export const SECURITY_MODEL: ObjectModel = defineObject({
  id: 0,
  name: "LWM2M Security",
  version: "1.2",
  lwm2mVersion: "1.1",
  urn: "urn:oma:lwm2m:oma:0:1.2",
  multiple: true,
  mandatory: true,
  description: "URIs and credentials for each LwM2M (Bootstrap) Server; written only by bootstrap.",
}, [
  resource(0, "LWM2M Server URI", "", "string", { mandatory: true, range: "0..255" }),
  resource(1, "Bootstrap-Server", "", "boolean", { mandatory: true }),
  resource(2, "Security Mode", "", "integer", { mandatory: true, range: "0..4" }),
  resource(3, "Public Key or Identity", "", "opaque", { mandatory: true }),
  resource(4, "Server Public Key", "", "opaque", { mandatory: true }),
  resource(5, "Secret Key", "", "opaque", { mandatory: true }),
  resource(6, "SMS Security Mode", "", "integer", { range: "0..255" }),
  resource(7, "SMS Binding Key Parameters", "", "opaque", { range: "6" }),
  resource(8, "SMS Binding Secret Key(s)", "", "opaque", { range: "16,32,48" }),
  resource(9, "LwM2M Server SMS Number", "", "string"),
  resource(10, "Short Server ID", "", "integer", { range: "1..65534" }),
  resource(11, "Client Hold Off Time", "", "integer", { units: "s" }),
  resource(12, "Bootstrap-Server Account Timeout", "", "integer", { units: "s" }),
  resource(13, "Matching Type", "", "unsigned", { range: "0..3" }),
  resource(14, "SNI", "", "string"),
  resource(15, "Certificate Usage", "", "unsigned", { range: "0..3" }),
  resource(16, "DTLS/TLS Ciphersuite", "", "unsigned", { multiple: true }),
  resource(17, "OSCORE Security Mode", "", "objlnk"),
  resource(18, "Groups To Use by Client", "", "unsigned", { multiple: true, range: "0..65535" }),
  resource(19, "Signature Algorithms Supported by Server", "", "unsigned", {
    multiple: true,
    range: "0..65535",
  }),
  resource(20, "Signature Algorithms To Use by Client", "", "unsigned", {
    multiple: true,
    range: "0..65535",
  }),
  resource(21, "Signature Algorithm Certs Supported by Server", "", "unsigned", {
    multiple: true,
    range: "0..65535",
  }),
  resource(22, "TLS 1.3 Features To Use by Client", "", "unsigned", { range: "0..65535" }),
  resource(23, "TLS Extensions Supported by Server", "", "unsigned", { range: "0..65535" }),
  resource(24, "TLS Extensions To Use by Client", "", "unsigned", { range: "0..65535" }),
  resource(25, "Secondary LwM2M Server URI", "", "string", { multiple: true, range: "0..255" }),
  resource(26, "MQTT Server", "", "objlnk"),
  resource(27, "LwM2M COSE Security", "", "objlnk", { multiple: true }),
  resource(28, "RDS Destination Port", "", "integer", { range: "0..15" }),
  resource(29, "RDS Source Port", "", "integer", { range: "0..15" }),
  resource(30, "RDS Application ID", "", "string"),
]);
