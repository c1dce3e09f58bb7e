/**
 * Builders for object models (LwM2M Core §7.2 Object Model): the core models in objects/*.ts and
 * the DDF loader (objects/ddf.ts) both go through them, so every model has the same shape (no
 * `undefined` keys, resources keyed by id) and is frozen, safe to share. Browser-safe, no I/O.
 */

import type { ObjectModel, Operations, ResourceModel, ResourceType } from "./model.ts";

/** The optional columns of a resource row; `multiple` and `mandatory` default to false. */
export interface ResourceOptions {
  multiple?: boolean;
  mandatory?: boolean;
  range?: string;
  units?: string;
  description?: string;
}

/** One resource definition; empty `range`, `units` and `description` are left out. */
export function resource(
  id: number,
  name: string,
  operations: Operations,
  type: ResourceType,
  options: ResourceOptions = {},
): ResourceModel {
  const model: ResourceModel = {
    id,
    name,
    operations,
    multiple: options.multiple ?? false,
    mandatory: options.mandatory ?? false,
    type,
  };
  if (options.range) model.range = options.range;
  if (options.units) model.units = options.units;
  if (options.description) model.description = options.description;
  return Object.freeze(model);
}

/** The object-level fields of a model; `version` "1.0" unless given. */
export type ObjectHeader = Omit<ObjectModel, "resources" | "version"> & { version?: string };

/** An object model from its header and resources; throws on a resource id given twice. */
export function defineObject(header: ObjectHeader, resources: ResourceModel[]): ObjectModel {
  const byId: Record<number, ResourceModel> = {};
  for (const r of resources) {
    if (r.id in byId) throw new Error(`object ${header.id}: resource ${r.id} is defined twice`);
    byId[r.id] = r;
  }
  const model: ObjectModel = {
    id: header.id,
    name: header.name,
    version: header.version ?? "1.0",
    multiple: header.multiple,
    mandatory: header.mandatory,
    resources: Object.freeze(byId),
  };
  if (header.lwm2mVersion) model.lwm2mVersion = header.lwm2mVersion;
  if (header.urn) model.urn = header.urn;
  if (header.description) model.description = header.description;
  return Object.freeze(model);
}
