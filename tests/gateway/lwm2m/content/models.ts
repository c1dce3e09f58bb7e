/**
 * Models and helpers for the content-format tests: the bundled core models plus two test objects,
 * 65 (object links and a 16-bit resource id, as in the spec digest's examples) and 9999 (one
 * resource of every data type, single and multiple), and the loaded wasm codec.
 */

import { loadCodec } from "../../../../codec-wasm/mod.ts";
import { coreModels, defineObject, type ModelRegistry, resource } from "../../../../objects/mod.ts";

export const LINK_TEST_MODEL = defineObject({
  id: 65,
  name: "Link Test",
  multiple: true,
  mandatory: false,
}, [
  resource(0, "Links", "RW", "objlnk", { multiple: true }),
  resource(2, "Link", "RW", "objlnk"),
  resource(300, "Label", "RW", "string"),
]);

export const TYPES_MODEL = defineObject({
  id: 9999,
  name: "Types",
  multiple: true,
  mandatory: false,
}, [
  resource(0, "String", "RW", "string", { range: "0..8" }),
  resource(1, "Integer", "RW", "integer"),
  resource(2, "Unsigned", "RW", "unsigned"),
  resource(3, "Float", "RW", "float", { range: "-40..85" }),
  resource(4, "Boolean", "RW", "boolean"),
  resource(5, "Opaque", "RW", "opaque"),
  resource(6, "Time", "RW", "time"),
  resource(7, "Objlnk", "RW", "objlnk"),
  resource(8, "Corelnk", "RW", "corelnk"),
  resource(9, "Execute", "E", "none"),
  resource(10, "Integers", "RW", "integer", { multiple: true, range: "0..255" }),
  resource(11, "Strings", "RW", "string", { multiple: true }),
  resource(12, "Blobs", "RW", "opaque", { multiple: true }),
  resource(13, "Floats", "RW", "float", { multiple: true }),
]);

export function testModels(): ModelRegistry {
  const models = coreModels();
  models.add(LINK_TEST_MODEL);
  models.add(TYPES_MODEL);
  return models;
}

export const codec = await loadCodec();

export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  return new Uint8Array(clean.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
}

export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join(" ");
}
