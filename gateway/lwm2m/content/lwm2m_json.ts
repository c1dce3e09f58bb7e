/**
 * Legacy LwM2M JSON (Content-Format 11543, alias 1543; LwM2M 1.0 TS §6.4.4, spec digest
 * data-formats.md §6): {"bn": base name (default the request path), "bt": base time,
 * "e": [{"n", "v" | "sv" | "bv" | "ov", "t"}]}. 1.1+ servers must still read it from 1.0 clients;
 * opaque values travel as base64 in "sv". Encoding is offered for completeness.
 */

import type { Lwm2mPath } from "../path.ts";
import type { Lwm2mValue } from "../values.ts";
import { encodeBase64 } from "./base64.ts";
import { decodedPath, type EncodeEntry, type NativeEntry } from "./entries.ts";
import { typeMismatch, undecodable } from "./errors.ts";
import { jsonKind, jsonNumber, parseJsonPayload } from "./json_parse.ts";
import { formatObjectLink, isObjectLink, parseObjectLink } from "./typing.ts";

const utf8 = new TextEncoder();
const KIND: Readonly<Record<string, string>> = {
  v: "number",
  sv: "string",
  bv: "boolean",
  ov: "string",
};

function numeric(v: unknown): boolean {
  return typeof v === "number" || typeof v === "bigint";
}

/** The native entries of a legacy LwM2M JSON payload; an empty payload has none. */
export function lwm2mJsonEntries(payload: Uint8Array, target: Lwm2mPath): NativeEntry[] {
  if (payload.length === 0) return [];
  const doc = parseJsonPayload(payload, "LwM2M JSON") as Record<string, unknown>;
  if (typeof doc !== "object" || doc === null || !Array.isArray(doc.e)) {
    throw undecodable(`LwM2M JSON must be an object with an "e" array`);
  }
  if (doc.bn !== undefined && typeof doc.bn !== "string") {
    throw undecodable(`"bn" must be a string`);
  }
  if (doc.bt !== undefined && !numeric(doc.bt)) throw undecodable(`"bt" must be a number`);
  const base = (doc.bn as string | undefined) ?? (target.ids.length ? `${target}/` : "/");
  const bt = doc.bt === undefined ? undefined : Number(doc.bt);
  return doc.e.map((raw: unknown, i: number): NativeEntry => {
    if (typeof raw !== "object" || raw === null) {
      throw undecodable(`LwM2M JSON entry ${i}: not an object`);
    }
    const e = raw as Record<string, unknown>;
    const n = e.n ?? "";
    if (typeof n !== "string") throw undecodable(`LwM2M JSON entry ${i}: "n" must be a string`);
    if (e.t !== undefined && !numeric(e.t)) throw undecodable(`LwM2M JSON entry ${i}: bad "t"`);
    const name = n === "" || base.endsWith("/") || n.startsWith("/") ? base + n : `${base}/${n}`;
    const fields = Object.keys(KIND).filter((k) => e[k] !== undefined);
    if (fields.length !== 1) throw undecodable(`LwM2M JSON entry ${name}: needs one value`);
    const f = fields[0];
    let value = e[f] as Lwm2mValue | undefined;
    if (jsonKind(value) !== KIND[f]) {
      throw undecodable(`LwM2M JSON entry ${name}: "${f}" must be a ${KIND[f]}`);
    }
    if (f === "ov") {
      value = parseObjectLink(value as string);
      if (!value) throw undecodable(`LwM2M JSON entry ${name}: bad object link`);
    }
    const time = bt === undefined && e.t === undefined ? undefined : (bt ?? 0) + Number(e.t ?? 0);
    return { path: decodedPath(name), value: value!, time };
  });
}

function entryText(e: EncodeEntry): string {
  const v = e.value;
  if (typeof v === "number" || typeof v === "bigint") {
    const text = jsonNumber(v);
    if (text === undefined) throw typeMismatch(`${e.path}: ${v} has no JSON form`);
    return `"v":${text}`;
  }
  if (typeof v === "boolean") return `"bv":${v}`;
  if (typeof v === "string") return `"sv":${JSON.stringify(v)}`;
  if (v instanceof Uint8Array) return `"sv":${JSON.stringify(encodeBase64(v))}`;
  if (isObjectLink(v)) return `"ov":${JSON.stringify(formatObjectLink(v))}`;
  throw typeMismatch(`${e.path}: no LwM2M JSON form`);
}

/** {"bn": instance (or object) path + "/", "e": [...]}; at the root, absolute names. */
export function writeLwm2mJson(entries: readonly EncodeEntry[], target: Lwm2mPath): Uint8Array {
  const baseIds = target.ids.slice(0, 2);
  const bn = `/${baseIds.join("/")}${baseIds.length ? "/" : ""}`;
  const items = entries.map((e) => {
    const n = e.path.ids.slice(baseIds.length).join("/");
    return `{"n":${JSON.stringify(n)},${entryText(e)}}`;
  });
  return utf8.encode(`{"bn":${JSON.stringify(bn)},"e":[${items.join(",")}]}`);
}
