/**
 * Device Management and Information Reporting operations as data (LwM2M Core §6.3-§6.4; spec
 * digest lwm2m-interfaces.md §3-§6): each operation becomes one CoAP request (with the client's
 * alternate root path), and each CoAP response becomes a typed result. Pure.
 */

import type { Codec } from "../../codec-wasm/mod.ts";
import type { CoapMessage, CoapOption } from "../../codec-wasm/types.ts";
import { CONTENT_FORMAT, OPTION } from "../../codec-wasm/coap_registry.ts";
import { parseLinkFormat } from "../../codec-wasm/link_format.ts";
import type { ModelRegistry } from "../../objects/model.ts";
import type { OutgoingRequest } from "../coap/state.ts";
import { uintOption, uintOptionOf } from "../coap/wire.ts";
import {
  ContentError,
  decodeCompositeValues,
  decodeContent,
  encodeCompositePaths,
  encodeCompositeValues,
  encodeContent,
} from "./content/mod.ts";
import { Lwm2mPath } from "./path.ts";
import type { Registration } from "./registration.ts";
import type { Lwm2mValues } from "./values.ts";

export type AttributeValue = number | boolean | null;

/** Values of a Create without an instance id are keyed under this instance (/O/0/R). */
export const CREATE_PLACEHOLDER_ID = 0;

export type Operation =
  | { kind: "read"; path: Lwm2mPath }
  | { kind: "discover"; path: Lwm2mPath; depth?: number }
  | { kind: "write"; path: Lwm2mPath; mode: "replace" | "update"; values: Lwm2mValues }
  | { kind: "writeAttributes"; path: Lwm2mPath; attributes: Record<string, AttributeValue> }
  | { kind: "execute"; path: Lwm2mPath; arguments?: string }
  | { kind: "create"; path: Lwm2mPath; instanceId?: number; values: Lwm2mValues }
  | { kind: "delete"; path: Lwm2mPath }
  | { kind: "observe"; path: Lwm2mPath }
  | { kind: "readComposite"; paths: Lwm2mPath[] }
  | { kind: "writeComposite"; values: Lwm2mValues }
  | { kind: "observeComposite"; paths: Lwm2mPath[] };

export interface DiscoveredLink {
  path: string;
  attributes: Record<string, string | true>;
}

export type Lwm2mResult =
  /** `observationId` is set when an observe/observeComposite was accepted (cancel with it). */
  | { kind: "content"; format: number; values: Lwm2mValues; observationId?: string }
  | { kind: "links"; links: DiscoveredLink[] }
  | { kind: "changed" }
  | { kind: "created"; location: string | null }
  | { kind: "deleted" }
  | { kind: "deviceError"; coapCode: number; message: string }
  | { kind: "undecodable"; message: string }
  | { kind: "timeout" }
  | { kind: "notRegistered" }
  | { kind: "queued"; requestId: string; expiresAtMs: number }
  | { kind: "expired"; requestId: string }
  | { kind: "failed"; message: string };

export const COAP = {
  GET: 1,
  POST: 2,
  PUT: 3,
  DELETE: 4,
  FETCH: 5,
  IPATCH: 7,
  CREATED: 65,
  DELETED: 66,
  CHANGED: 68,
  CONTENT: 69,
  NOT_ACCEPTABLE: 134,
  UNSUPPORTED_CONTENT_FORMAT: 143,
} as const;

const te = new TextEncoder();
const td = new TextDecoder();

/** Formats that carry several values; text, opaque and CBOR(60) carry one (data-formats.md §1). */
const MULTI_VALUE = [
  CONTENT_FORMAT.LWM2M_CBOR,
  CONTENT_FORMAT.SENML_CBOR,
  CONTENT_FORMAT.SENML_JSON,
  CONTENT_FORMAT.TLV,
];
const COMPOSITE = [CONTENT_FORMAT.LWM2M_CBOR, CONTENT_FORMAT.SENML_CBOR, CONTENT_FORMAT.SENML_JSON];

function isComposite(op: Operation): boolean {
  return op.kind === "readComposite" || op.kind === "writeComposite" ||
    op.kind === "observeComposite";
}

/**
 * The formats to try, best first (issue 4): a learned preference, then the first of LwM2M-CBOR,
 * SenML-CBOR, SenML-JSON, TLV the client listed in ct= (TLV without ct=), then the fallbacks TLV,
 * SenML-CBOR, SenML-JSON, and text for a single resource.
 */
export function formatCandidates(registration: Registration, op: Operation): number[] {
  const out: number[] = [];
  const add = (f: number) => {
    if (!out.includes(f)) out.push(f);
  };
  const pool = isComposite(op) ? COMPOSITE : MULTI_VALUE;
  // Only bare TLV resources let the client choose the id of a new instance.
  if (op.kind === "create" && op.instanceId === undefined) add(CONTENT_FORMAT.TLV);
  if (
    registration.preferredFormat !== undefined &&
    pool.includes(registration.preferredFormat as never)
  ) {
    add(registration.preferredFormat);
  }
  for (const f of pool) if (registration.supportedFormats.includes(f)) add(f);
  if (isComposite(op)) {
    add(CONTENT_FORMAT.SENML_CBOR);
    add(CONTENT_FORMAT.SENML_JSON);
    return out;
  }
  if (registration.lwm2mVersion === "1.0" || out.length === 0) add(CONTENT_FORMAT.TLV);
  add(CONTENT_FORMAT.TLV);
  add(CONTENT_FORMAT.SENML_CBOR);
  add(CONTENT_FORMAT.SENML_JSON);
  const path = "path" in op ? op.path : undefined;
  if (path && path.ids.length >= 3 && op.kind !== "create") add(CONTENT_FORMAT.TEXT);
  return out;
}

/**
 * Uri-Path options of object, instance and resource ids, encoded once and shared by every request
 * (never mutated): a TextEncoder call per segment was a tenth of a Read's CPU (bench/lwm2m).
 */
const idPathOptions: CoapOption[] = [];

function idPathOption(id: number): CoapOption {
  return idPathOptions[id] ??= { number: OPTION.URI_PATH, value: te.encode(String(id)) };
}

/** Accept and Content-Format options by format, built once and shared (never mutated). */
const formatOptions = new Map<number, CoapOption>();

function formatOption(number: number, format: number): CoapOption {
  const key = number * 0x10000 + format;
  let option = formatOptions.get(key);
  if (option === undefined) {
    option = uintOptionOf(number, format);
    if (formatOptions.size < 1024) formatOptions.set(key, option);
  }
  return option;
}

function pathOptions(registration: Registration, path: Lwm2mPath): CoapOption[] {
  const options: CoapOption[] = [];
  if (registration.rootPath !== "/") {
    for (const segment of registration.rootPath.split("/")) {
      if (segment) options.push({ number: OPTION.URI_PATH, value: te.encode(segment) });
    }
  }
  for (const id of path.ids) options.push(idPathOption(id));
  return options;
}

function query(name: string, value?: string): CoapOption {
  return {
    number: OPTION.URI_QUERY,
    value: te.encode(value === undefined ? name : `${name}=${value}`),
  };
}

/** Builds the CoAP request of an operation in `format` (the content format for its body/Accept). */
export function buildRequest(
  op: Operation,
  registration: Registration,
  format: number,
  models: ModelRegistry,
  codec: Codec,
): OutgoingRequest {
  const root = new Lwm2mPath([]);
  switch (op.kind) {
    case "read":
    case "observe":
      return {
        code: COAP.GET,
        options: [...pathOptions(registration, op.path), formatOption(OPTION.ACCEPT, format)],
      };
    case "discover": {
      const options = [
        ...pathOptions(registration, op.path),
        uintOptionOf(OPTION.ACCEPT, CONTENT_FORMAT.LINK_FORMAT),
      ];
      if (op.depth !== undefined) options.push(query("depth", String(op.depth)));
      return { code: COAP.GET, options };
    }
    case "write":
      return {
        code: op.mode === "replace" ? COAP.PUT : COAP.POST,
        options: [
          ...pathOptions(registration, op.path),
          uintOptionOf(OPTION.CONTENT_FORMAT, format),
        ],
        payload: encodeContent(format, op.values, op.path, models, codec),
      };
    case "writeAttributes": {
      const options = pathOptions(registration, op.path);
      for (const [name, value] of Object.entries(op.attributes)) {
        if (value === null) options.push(query(name));
        else {options.push(
            query(name, typeof value === "boolean" ? (value ? "1" : "0") : String(value)),
          );}
      }
      return { code: COAP.PUT, options };
    }
    case "execute": {
      const options = pathOptions(registration, op.path);
      if (!op.arguments) return { code: COAP.POST, options };
      options.push(uintOptionOf(OPTION.CONTENT_FORMAT, CONTENT_FORMAT.TEXT));
      return { code: COAP.POST, options, payload: te.encode(op.arguments) };
    }
    case "create": {
      // TLV at /O wraps the values in an Object-Instance entry (the id is fixed); at /O/I it
      // writes bare resources and the client chooses the id (LwM2M Core §6.3.7, data-formats §3.2).
      const target = op.instanceId === undefined ? op.path.child(CREATE_PLACEHOLDER_ID) : op.path;
      return {
        code: COAP.POST,
        options: [
          ...pathOptions(registration, op.path),
          uintOptionOf(OPTION.CONTENT_FORMAT, format),
        ],
        payload: encodeContent(format, op.values, target, models, codec),
      };
    }
    case "delete":
      return { code: COAP.DELETE, options: pathOptions(registration, op.path) };
    case "readComposite":
    case "observeComposite":
      return {
        code: COAP.FETCH,
        options: [
          ...pathOptions(registration, root),
          uintOptionOf(
            OPTION.CONTENT_FORMAT,
            format === CONTENT_FORMAT.LWM2M_CBOR ? CONTENT_FORMAT.SENML_CBOR : format,
          ),
          uintOptionOf(OPTION.ACCEPT, format),
        ],
        payload: encodeCompositePaths(
          format === CONTENT_FORMAT.LWM2M_CBOR ? CONTENT_FORMAT.SENML_CBOR : format,
          op.paths,
        ),
      };
    case "writeComposite":
      return {
        code: COAP.IPATCH,
        options: [...pathOptions(registration, root), uintOptionOf(OPTION.CONTENT_FORMAT, format)],
        payload: encodeCompositeValues(format, op.values, models),
      };
  }
}

/** Does this operation carry or ask for a content format (so 4.06/4.15 may mean "try another")? */
export function usesFormat(op: Operation): boolean {
  return op.kind !== "discover" && op.kind !== "writeAttributes" && op.kind !== "execute" &&
    op.kind !== "delete";
}

/** True when the device refused the format, so the next candidate may be tried. */
export function isFormatRefusal(response: CoapMessage): boolean {
  return response.code === COAP.NOT_ACCEPTABLE || response.code === COAP.UNSUPPORTED_CONTENT_FORMAT;
}

/** Decodes a content payload (Read, Observe, notifications); `asked` is the requested format. */
export function decodeValues(
  response: CoapMessage,
  path: Lwm2mPath | null,
  asked: number,
  models: ModelRegistry,
  codec: Codec,
): Lwm2mResult {
  const cf = uintOption(response.options, OPTION.CONTENT_FORMAT);
  // A response without Content-Format is what was asked for, else text for one resource.
  let format = cf ?? asked;
  if (
    cf === undefined && path && path.ids.length >= 3 && asked === CONTENT_FORMAT.TLV &&
    !looksLikeTlv(response.payload)
  ) {
    format = CONTENT_FORMAT.TEXT;
  }
  try {
    const values = path
      ? decodeContent(format, response.payload, path, models, codec)
      : decodeCompositeValues(format, response.payload, models);
    return { kind: "content", format, values };
  } catch (e) {
    if (e instanceof ContentError) return { kind: "undecodable", message: e.message };
    throw e;
  }
}

function looksLikeTlv(payload: Uint8Array): boolean {
  return payload.length >= 2 && (payload[0] & 0xc0) !== 0 && payload.some((b) => b < 0x20);
}

/** Turns the device's response to `op` into a result. */
export function interpretResponse(
  op: Operation,
  response: CoapMessage,
  asked: number,
  models: ModelRegistry,
  codec: Codec,
  rootPath = "/",
): Lwm2mResult {
  const code = response.code;
  if (code >= 128) {
    return { kind: "deviceError", coapCode: code, message: td.decode(response.payload) };
  }
  switch (op.kind) {
    case "read":
    case "observe":
      return decodeValues(response, op.path, asked, models, codec);
    case "readComposite":
    case "observeComposite":
      return decodeValues(response, null, asked, models, codec);
    case "discover": {
      try {
        const prefix = rootPath === "/" ? "" : rootPath;
        const links = parseLinkFormat(td.decode(response.payload)).map((l) => ({
          path: prefix && l.uri.startsWith(prefix + "/") ? l.uri.slice(prefix.length) : l.uri,
          attributes: l.params,
        }));
        return { kind: "links", links };
      } catch (e) {
        return { kind: "undecodable", message: (e as Error).message };
      }
    }
    case "create": {
      const location = response.options.filter((o) => o.number === OPTION.LOCATION_PATH).map((o) =>
        td.decode(o.value)
      );
      const rootSegments = rootPath.split("/").filter((s) => s).length;
      const ids = location.slice(location.length >= 2 + rootSegments ? rootSegments : 0);
      if (ids.length === 0 && op.instanceId !== undefined) {
        return { kind: "created", location: op.path.child(op.instanceId).toString() };
      }
      return { kind: "created", location: ids.length > 0 ? "/" + ids.join("/") : null };
    }
    case "delete":
      return { kind: "deleted" };
    default:
      return { kind: "changed" };
  }
}
