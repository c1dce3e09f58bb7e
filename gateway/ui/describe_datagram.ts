/**
 * What the packet inspector (`/inspector`) shows for one datagram, computed in the browser: the
 * codec's description (codec-wasm/describe.ts: header, named options, TLV and link-format
 * payloads), plus the payload formats that need the content codecs: SenML JSON/CBOR records
 * (RFC 8428), CBOR and LwM2M CBOR item trees, and the values typed through the object models
 * (LwM2M Core §7.4) with resource names. Never throws: a malformed datagram is a description with
 * an `error` (codec status name and byte offset). Browser-safe.
 */

import { type Codec, CodecError, STATUS_NAMES } from "../../codec-wasm/mod.ts";
import { describeMessage } from "../../codec-wasm/describe.ts";
import { CONTENT_FORMAT, CONTENT_FORMAT_NAMES, OPTION } from "../../codec-wasm/coap_registry.ts";
import { decodeUint } from "../../codec-wasm/values.ts";
import type { ModelRegistry } from "../../objects/model.ts";
import { decodeCbor } from "../lwm2m/content/cbor.ts";
import { canonicalFormat, decodeCompositeValues, decodeContent } from "../lwm2m/content/mod.ts";
import { valuesToJson } from "../lwm2m/json_values.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import type { Lwm2mValues } from "../lwm2m/values.ts";
import { cborTree, type JsonTree, senmlCborTree } from "./cbor_tree.ts";

export interface DescribeOptions {
  /**
   * The LwM2M path the payload belongs to (a response's request path), for formats whose names
   * are relative (TLV, text, opaque, CBOR, LwM2M JSON). A request's own Uri-Path is used when
   * this is absent.
   */
  target?: string;
}

export type DatagramDescription =
  | { ok: true; length: number; message: Record<string, unknown> }
  | {
    ok: false;
    length: number;
    error: { name: string; code: number; offset: number; message: string };
  };

/** One typed value with its resource model. */
export interface DescribedValue {
  value: JsonTree;
  name?: string;
  type?: string;
  units?: string;
}

const td = new TextDecoder();
const SENML = new Set<number>([
  CONTENT_FORMAT.SENML_JSON,
  CONTENT_FORMAT.SENML_CBOR,
  CONTENT_FORMAT.SENML_ETCH_JSON,
  CONTENT_FORMAT.SENML_ETCH_CBOR,
]);
/** Formats whose names are absolute, so values need no target path. */
const ABSOLUTE = new Set<number>([...SENML, CONTENT_FORMAT.LWM2M_CBOR]);
/** Formats the content codecs type (the others are shown raw only). */
const TYPED = new Set<number>([
  ...ABSOLUTE,
  CONTENT_FORMAT.TEXT,
  CONTENT_FORMAT.OPAQUE,
  CONTENT_FORMAT.CBOR,
  CONTENT_FORMAT.TLV,
  CONTENT_FORMAT.LWM2M_JSON,
]);

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The Uri-Path of a request when it is an LwM2M path (not /rd, /bs or /dp). */
function lwm2mTarget(uriPath: string[]): string | undefined {
  if (uriPath.length === 0 || uriPath.length > 4 || !uriPath.every((s) => /^\d{1,5}$/.test(s))) {
    return undefined;
  }
  return "/" + uriPath.join("/");
}

/** Values with the name, type and units of their resources. */
export function describeValues(
  values: Lwm2mValues,
  models: ModelRegistry,
): Record<string, DescribedValue> {
  const json = valuesToJson(values, models);
  const out: Record<string, DescribedValue> = {};
  for (const [path, value] of Object.entries(json)) {
    const ids = path.split("/").slice(1).map(Number);
    const resource = ids.length >= 3 ? models.resource(ids[0], ids[2]) : undefined;
    out[path] = { value };
    if (resource) {
      out[path].name = resource.name;
      out[path].type = resource.type;
      if (resource.units) out[path].units = resource.units;
    }
  }
  return out;
}

/** Adds the format's raw tree (SenML records, CBOR items) and the typed values. */
function enrichPayload(
  payload: Record<string, unknown>,
  bytes: Uint8Array,
  format: number,
  target: string | undefined,
  codec: Codec,
  models: ModelRegistry,
): void {
  const f = canonicalFormat(format);
  try {
    if (f === CONTENT_FORMAT.SENML_JSON || f === CONTENT_FORMAT.SENML_ETCH_JSON) {
      payload.senml = JSON.parse(td.decode(bytes));
    } else if (f === CONTENT_FORMAT.SENML_CBOR || f === CONTENT_FORMAT.SENML_ETCH_CBOR) {
      payload.senml = senmlCborTree(decodeCbor(bytes));
    } else if (f === CONTENT_FORMAT.CBOR || f === CONTENT_FORMAT.LWM2M_CBOR) {
      payload.cbor = cborTree(decodeCbor(bytes));
    } else if (f === CONTENT_FORMAT.LWM2M_JSON) {
      payload.json = JSON.parse(td.decode(bytes));
    }
  } catch (e) {
    payload.error ??= message(e);
  }
  if (!TYPED.has(f)) return;
  const path = ABSOLUTE.has(f) ? undefined : target;
  if (!ABSOLUTE.has(f) && path === undefined) {
    payload.valuesNote = "give the request path to type these values";
    return;
  }
  try {
    const values = path === undefined
      ? decodeCompositeValues(f, bytes, models)
      : decodeContent(f, bytes, Lwm2mPath.parse(path), models, codec);
    payload.values = describeValues(values, models);
    if (path !== undefined) payload.valuesPath = path;
  } catch (e) {
    payload.valuesError = message(e);
  }
}

/** Object names on the links of a Register/Update/Discover payload. */
function nameLinks(links: unknown, models: ModelRegistry): void {
  if (!Array.isArray(links)) return;
  for (const link of links as { uri?: string; objectName?: string }[]) {
    const m = /^\/(\d+)(?:\/|$)/.exec(link.uri ?? "");
    const model = m ? models.get(Number(m[1])) : undefined;
    if (model) link.objectName = model.name;
  }
}

/** Decodes and describes one datagram. */
export function describeDatagram(
  codec: Codec,
  models: ModelRegistry,
  bytes: Uint8Array,
  options: DescribeOptions = {},
): DatagramDescription {
  const m = codec.tryDecodeCoap(bytes);
  if (m instanceof CodecError) {
    return {
      ok: false,
      length: bytes.length,
      error: {
        name: STATUS_NAMES[m.code] ?? `status ${m.code}`,
        code: m.code,
        offset: m.offset,
        message: m.message,
      },
    };
  }
  const description = describeMessage(codec, m);
  const payload = description.payload as Record<string, unknown>;
  const cf = m.options.find((o) => o.number === OPTION.CONTENT_FORMAT);
  const format = cf && cf.value.length <= 4 ? decodeUint(cf.value) : undefined;
  if (m.payload.length > 0) {
    payload.format = format ?? null;
    payload.formatName = format === undefined
      ? "no Content-Format option"
      : CONTENT_FORMAT_NAMES[format] ?? `unregistered ${format}`;
    const uriPath = m.options.filter((o) => o.number === OPTION.URI_PATH).map((o) =>
      td.decode(o.value)
    );
    const target = options.target?.trim() || lwm2mTarget(uriPath);
    if (format !== undefined) enrichPayload(payload, m.payload, format, target, codec, models);
    nameLinks(payload.links, models);
  }
  return { ok: true, length: bytes.length, message: description };
}
