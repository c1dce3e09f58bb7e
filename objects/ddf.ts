/**
 * OMA DDF XML loader (LwM2M Core §7.2 Object Model; schema LWM2M.xsd of the OMA LwM2M registry):
 * turns the text of a DDF file, an <LWM2M> root holding one or more <Object ObjectType=
 * "MODefinition">, into ObjectModels for the ModelRegistry. Anything it cannot use (malformed XML,
 * a missing or unknown field) is a DdfError naming the file and the element; it never throws
 * anything else. Browser-safe: no Deno API; its one dependency, npm fast-xml-parser, is plain JS.
 */

import { XMLParser, XMLValidator } from "fast-xml-parser";
import { defineObject, resource } from "./define.ts";
import type { ObjectModel, Operations, ResourceModel, ResourceType } from "./model.ts";

/** A DDF that cannot be turned into models; `source` is the file name given to parseDdf. */
export class DdfError extends Error {
  override name = "DdfError";
  constructor(readonly source: string, message: string) {
    super(`${source}: ${message}`);
  }
}

/** A problem found in the document; parseDdf turns it into a DdfError naming the source. */
class Invalid extends Error {}

/** DDF <Type> values (LwM2M Core Appendix C), compared lower-case without spaces. */
const DDF_TYPES: Readonly<Record<string, ResourceType>> = {
  string: "string",
  integer: "integer",
  unsignedinteger: "unsigned",
  float: "float",
  boolean: "boolean",
  opaque: "opaque",
  time: "time",
  objlnk: "objlnk",
  corelnk: "corelnk",
  none: "none",
};
const TYPE_NAMES = "String, Integer, Unsigned Integer, Float, Boolean, Opaque, Time, Objlnk, " +
  "Corelnk or empty";

/** Largest Object and Resource ID: both are 16-bit (a TLV identifier has at most 16 bits). */
const MAX_ID = 65535;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  htmlEntities: true,
  isArray: (_name: string, jpath: unknown) =>
    jpath === "LWM2M.Object" || jpath === "LWM2M.Object.Resources.Item",
});

type Node = Record<string, unknown>;
type Field = (key: string, required: boolean) => string;

/**
 * Parses a DDF document into its object models (usually one). `source` names the document in
 * error messages, e.g. the file name. Throws DdfError.
 */
export function parseDdf(xmlText: string, source = "DDF"): ObjectModel[] {
  try {
    return parseDocument(xmlText);
  } catch (e) {
    if (e instanceof Invalid) throw new DdfError(source, e.message);
    throw new DdfError(source, `cannot read the DDF: ${e instanceof Error ? e.message : e}`);
  }
}

function fail(message: string): Invalid {
  return new Invalid(message);
}

function parseDocument(xmlText: string): ObjectModel[] {
  if (typeof xmlText !== "string") throw fail("the DDF must be given as text");
  const xml = xmlText.replace(/^\uFEFF/, "");
  if (xml.trim() === "") throw fail("empty document, expected an <LWM2M> root element");
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    const at = col === undefined ? `line ${line}` : `line ${line}, column ${col}`;
    throw fail(`malformed XML at ${at}: ${msg}`);
  }
  const doc = parser.parse(xml) as Node;
  const roots = Object.keys(doc).filter((k) => !k.startsWith("?") && !k.startsWith("!"));
  if (roots.length !== 1) throw fail(`expected one root element <LWM2M>, found ${roots.length}`);
  if (roots[0] !== "LWM2M") throw fail(`root element is <${roots[0]}>, expected <LWM2M>`);
  const root = doc.LWM2M;
  const objects = isNode(root) && Array.isArray(root.Object) ? root.Object : [];
  if (objects.length === 0) throw fail("no <Object> in <LWM2M>");
  const models = objects.map((o, i) => parseObject(o, `<Object> #${i + 1}`));
  const seen = new Set<string>();
  for (const m of models) {
    const key = `${m.id} version ${m.version}`;
    if (seen.has(key)) throw fail(`object ${key} is defined twice`);
    seen.add(key);
  }
  return models;
}

function parseObject(node: unknown, where: string): ObjectModel {
  if (!isNode(node)) throw fail(`${where} has no child elements`);
  const kind = node["@ObjectType"];
  if (typeof kind === "string" && kind.trim() !== "MODefinition") {
    throw fail(`${where} has ObjectType "${kind}", not an object definition (MODefinition)`);
  }
  const field = fieldReader(node, where);
  const id = parseId(field("ObjectID", true), `${where} <ObjectID>`);
  const objWhere = `object ${id}`;
  const version = field("ObjectVersion", false) || "1.0";
  if (!/^\d+\.\d+$/.test(version)) {
    throw fail(`${objWhere}: <ObjectVersion> "${version}" is not a version like 1.0`);
  }
  const resourcesNode = node.Resources;
  if (resourcesNode === undefined) throw fail(`${objWhere}: missing <Resources>`);
  if (Array.isArray(resourcesNode)) {
    throw fail(`${objWhere}: <Resources> appears ${resourcesNode.length} times`);
  }
  const items = isNode(resourcesNode) && Array.isArray(resourcesNode.Item)
    ? resourcesNode.Item
    : [];
  const resources = items.map((item, i) => parseResource(item, objWhere, i));
  const ids = new Set<number>();
  for (const r of resources) {
    if (ids.has(r.id)) throw fail(`${objWhere}: resource ${r.id} is defined twice`);
    ids.add(r.id);
  }
  return defineObject({
    id,
    name: name(field("Name", true), `${objWhere} <Name>`),
    version,
    lwm2mVersion: field("LWM2MVersion", false) || undefined,
    urn: field("ObjectURN", false) || undefined,
    multiple: flag(field, "MultipleInstances", "Multiple", "Single", objWhere),
    mandatory: flag(field, "Mandatory", "Mandatory", "Optional", objWhere),
    description: field("Description1", false) || undefined,
  }, resources);
}

function parseResource(node: unknown, objWhere: string, index: number): ResourceModel {
  const where = `${objWhere}, <Item> #${index + 1}`;
  if (!isNode(node)) throw fail(`${where} has no child elements`);
  const rawId = node["@ID"];
  if (typeof rawId !== "string") throw fail(`${where} has no ID attribute`);
  const id = parseId(rawId, `${where} ID`);
  const at = `${objWhere}, <Item ID="${id}">`;
  const field = fieldReader(node, at);
  const operations = parseOperations(field("Operations", true), at);
  const rawType = field("Type", true);
  const type = DDF_TYPES[rawType.replace(/\s+/g, "").toLowerCase()] ??
    (rawType === "" ? (operations === "E" ? "none" : "opaque") : undefined);
  if (!type) throw fail(`${at}: <Type> "${rawType}" is not a DDF type (${TYPE_NAMES})`);
  return resource(id, name(field("Name", true), `${at} <Name>`), operations, type, {
    multiple: flag(field, "MultipleInstances", "Multiple", "Single", at),
    mandatory: flag(field, "Mandatory", "Mandatory", "Optional", at),
    range: field("RangeEnumeration", false),
    units: field("Units", false),
    description: field("Description", false),
  });
}

/** Reads the trimmed text of a child element; "" when absent and not required. */
function fieldReader(node: Node, where: string): Field {
  return (key, required) => {
    if (!Object.hasOwn(node, key)) {
      if (required) throw fail(`${where}: missing <${key}>`);
      return "";
    }
    const value = node[key];
    if (typeof value === "string") return value.trim();
    if (Array.isArray(value)) throw fail(`${where}: <${key}> appears ${value.length} times`);
    if (isNode(value)) {
      const child = Object.keys(value).find((k) => !k.startsWith("@") && k !== "#text");
      if (child) throw fail(`${where}: <${key}> holds an element <${child}>, expected text`);
      return typeof value["#text"] === "string" ? value["#text"].trim() : "";
    }
    return String(value ?? "").trim();
  };
}

function parseId(text: string, where: string): number {
  const id = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(id <= MAX_ID)) throw fail(`${where} "${text}" is not an integer 0..${MAX_ID}`);
  return id;
}

function parseOperations(text: string, where: string): Operations {
  const ops = text.toUpperCase();
  if (ops === "" || ops === "R" || ops === "W" || ops === "RW" || ops === "E") return ops;
  if (ops === "WR") return "RW";
  throw fail(`${where}: <Operations> "${text}" is not one of R, W, RW, E or empty`);
}

/** A two-valued field such as <Mandatory>: true for `yes`, false for `no`. */
function flag(field: Field, key: string, yes: string, no: string, where: string): boolean {
  const text = field(key, true);
  const t = text.toLowerCase();
  if (t === yes.toLowerCase()) return true;
  if (t === no.toLowerCase()) return false;
  throw fail(`${where}: <${key}> "${text}" is neither ${yes} nor ${no}`);
}

/** A name with runs of white space collapsed (some registry names have double spaces). */
function name(text: string, where: string): string {
  const n = text.replace(/\s+/g, " ");
  if (n === "") throw fail(`${where} is empty`);
  return n;
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
