/**
 * Object model types (LwM2M Core §7.2 Object Model; OMA DDF schema LWM2M.xsd) and the registry
 * that resolves an Object ID (and version) to its model. Browser-safe, no I/O.
 */

/** Resource data types (LwM2M Core Appendix C). "none" is an executable resource. */
export type ResourceType =
  | "string"
  | "integer"
  | "unsigned"
  | "float"
  | "boolean"
  | "opaque"
  | "time"
  | "objlnk"
  | "corelnk"
  | "none";

/** Operations as in the DDF: "R", "W", "RW", "E" or "" (bootstrap-only, e.g. Security). */
export type Operations = "" | "R" | "W" | "RW" | "E";

export interface ResourceModel {
  id: number;
  name: string;
  operations: Operations;
  multiple: boolean;
  mandatory: boolean;
  type: ResourceType;
  /** The DDF RangeEnumeration text, e.g. "0..255" or "1..65534". */
  range?: string;
  units?: string;
  description?: string;
}

export interface ObjectModel {
  id: number;
  name: string;
  /** Object version, "1.0" when the DDF gives none. */
  version: string;
  /** LwM2M enabler version the object was defined for, e.g. "1.1". */
  lwm2mVersion?: string;
  urn?: string;
  multiple: boolean;
  mandatory: boolean;
  description?: string;
  resources: Readonly<Record<number, ResourceModel>>;
}

/** Looks up models by Object ID, optionally a specific version (else the newest known). */
export class ModelRegistry {
  readonly #byId = new Map<number, ObjectModel[]>();

  constructor(models: Iterable<ObjectModel> = []) {
    for (const m of models) this.add(m);
  }

  /** Adds (or replaces the same id+version of) a model. */
  add(model: ObjectModel): void {
    const list = (this.#byId.get(model.id) ?? []).filter((m) => m.version !== model.version);
    list.push(model);
    list.sort((a, b) => compareVersions(b.version, a.version));
    this.#byId.set(model.id, list);
  }

  get(objectId: number, version?: string): ObjectModel | undefined {
    const list = this.#byId.get(objectId);
    if (!list) return undefined;
    return (version && list.find((m) => m.version === version)) || list[0];
  }

  resource(objectId: number, resourceId: number, version?: string): ResourceModel | undefined {
    return this.get(objectId, version)?.resources[resourceId];
  }

  /** Every model, newest version of each id first, ordered by id. */
  all(): ObjectModel[] {
    return [...this.#byId.keys()].sort((a, b) => a - b).flatMap((id) => this.#byId.get(id)!);
  }
}

/** Compares "X.Y" versions numerically. */
export function compareVersions(a: string, b: string): number {
  const [am, an] = a.split(".").map(Number);
  const [bm, bn] = b.split(".").map(Number);
  return (am - bm) || ((an || 0) - (bn || 0));
}
