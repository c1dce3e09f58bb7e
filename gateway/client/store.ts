/**
 * The client's object instances store (LwM2M Core §7.1 Resource Model: objects, instances,
 * resources, resource instances): every value lives in two flat parallel arrays, keyed by a
 * number built from (object, instance, resource) and searched linearly — a device holds a few
 * dozen values, and a fleet holds thousands of devices, so a few hundred bytes each matter
 * (unboxed double keys instead of a Map's hash table and boxed keys).
 * An instance exists when its marker key exists. Values are model-typed Lwm2mValues; a multiple
 * resource is an immutable Map of its instances. Changes are reported to one listener (the
 * observation engine). No I/O.
 */

import type { Lwm2mValue, Lwm2mValues } from "../lwm2m/values.ts";
import type { DefinitionSet, ResourceValue } from "./definitions.ts";

/** Resource id 65535 is reserved (LwM2M Core §7.1), so it marks an instance's existence. */
const MARKER = 65535;
const SPAN = 65536;

function key(o: number, i: number, r: number): number {
  return (o * SPAN + i) * SPAN + r;
}

function ids(k: number): [number, number, number] {
  const r = k % SPAN;
  const oi = (k - r) / SPAN;
  const i = oi % SPAN;
  return [(oi - i) / SPAN, i, r];
}

export type ChangeListener = (
  objectId: number,
  instanceId: number,
  resourceId: number | null,
) => void;

export class ObjectStore {
  definitions: DefinitionSet;
  #keys: number[] = [];
  #vals: (ResourceValue | null)[] = [];
  /** Called after every change (resourceId null: instance created or deleted). */
  onChange: ChangeListener | null = null;

  constructor(definitions: DefinitionSet) {
    this.definitions = definitions;
  }

  #find(k: number): number {
    const keys = this.#keys;
    for (let n = 0; n < keys.length; n++) if (keys[n] === k) return n;
    return -1;
  }

  #put(k: number, v: ResourceValue | null): void {
    const n = this.#find(k);
    if (n >= 0) this.#vals[n] = v;
    else {
      this.#keys.push(k);
      this.#vals.push(v);
    }
  }

  #remove(k: number): boolean {
    const n = this.#find(k);
    if (n < 0) return false;
    this.#keys.splice(n, 1);
    this.#vals.splice(n, 1);
    return true;
  }

  hasInstance(o: number, i: number): boolean {
    return this.#find(key(o, i, MARKER)) >= 0;
  }

  /** Instance ids of an object, ascending. */
  instanceIds(o: number): number[] {
    const out: number[] = [];
    for (const k of this.#keys) {
      if (k % SPAN !== MARKER) continue;
      const [ko, ki] = ids(k);
      if (ko === o) out.push(ki);
    }
    return out.sort((a, b) => a - b);
  }

  /** Objects that have at least one instance, ascending. */
  objectIdsWithInstances(): number[] {
    const out = new Set<number>();
    for (const k of this.#keys) if (k % SPAN === MARKER) out.add(ids(k)[0]);
    return [...out].sort((a, b) => a - b);
  }

  /** Resource ids with a value on an instance (own or shared), ascending. */
  resourceIds(o: number, i: number): number[] {
    const out = new Set(this.ownResourceIds(o, i));
    const shared = this.definitions.get(o)?.shared;
    if (shared && this.hasInstance(o, i)) {
      for (const r of Object.keys(shared)) {
        out.add(Number(r));
      }
    }
    return [...out].sort((a, b) => a - b);
  }

  /** Resource ids with a value of the instance's own (not a shared default), ascending. */
  ownResourceIds(o: number, i: number): number[] {
    const out: number[] = [];
    const base = key(o, i, 0);
    for (const k of this.#keys) {
      if (k >= base && k < base + MARKER) out.push(k - base);
    }
    return out.sort((a, b) => a - b);
  }

  /** The value: the instance's own, else the definition's shared one (handlers are not applied). */
  get(o: number, i: number, r: number): ResourceValue | undefined {
    const n = this.#find(key(o, i, r));
    const own = n < 0 ? undefined : this.#vals[n];
    if (own !== undefined && own !== null) return own;
    const shared = this.definitions.get(o)?.shared?.[r];
    return shared !== undefined && this.hasInstance(o, i) ? shared : undefined;
  }

  has(o: number, i: number, r: number): boolean {
    return this.get(o, i, r) !== undefined;
  }

  /**
   * Creates the instance if needed and sets resources from `values` (resource id -> value). A
   * value equal to the definition's shared one is not stored again.
   */
  createInstance(o: number, i: number, values: Iterable<[number, ResourceValue]> = []): void {
    const created = !this.hasInstance(o, i);
    if (created) this.#put(key(o, i, MARKER), null);
    const shared = this.definitions.get(o)?.shared;
    for (const [r, v] of values) {
      if (shared && shared[r] !== undefined && sameValue(shared[r], v)) this.#remove(key(o, i, r));
      else this.#put(key(o, i, r), v);
    }
    if (created) this.onChange?.(o, i, null);
  }

  /** Sets a resource of an existing instance (creates the instance marker too). */
  set(o: number, i: number, r: number, value: ResourceValue): void {
    const k = key(o, i, r);
    const n = this.#find(k);
    const before = n < 0 ? undefined : this.#vals[n];
    if (!this.hasInstance(o, i)) this.#put(key(o, i, MARKER), null);
    if (n >= 0) this.#vals[n] = value;
    else this.#put(k, value);
    if (!sameValue(before ?? undefined, value)) this.onChange?.(o, i, r);
  }

  /** Sets one instance of a multiple resource. */
  setInstance(o: number, i: number, r: number, ri: number, value: Lwm2mValue): void {
    const before = this.get(o, i, r);
    const map = new Map(before instanceof Map ? before : []);
    map.set(ri, value);
    this.set(o, i, r, map);
  }

  deleteResource(o: number, i: number, r: number): void {
    if (this.#remove(key(o, i, r))) this.onChange?.(o, i, r);
  }

  deleteInstance(o: number, i: number): boolean {
    if (!this.hasInstance(o, i)) return false;
    for (const r of this.ownResourceIds(o, i)) this.#remove(key(o, i, r));
    this.#remove(key(o, i, MARKER));
    this.onChange?.(o, i, null);
    return true;
  }

  /** Every instance of an object removed. */
  deleteObject(o: number): void {
    for (const i of this.instanceIds(o)) this.deleteInstance(o, i);
  }

  /** Values of an instance (own and shared) as resource id -> value. */
  instanceValues(o: number, i: number): Map<number, ResourceValue> {
    const out = new Map<number, ResourceValue>();
    for (const r of this.resourceIds(o, i)) out.set(r, this.get(o, i, r)!);
    return out;
  }

  /** Trims the arrays to their length (after building a device: a fleet holds thousands). */
  compact(): void {
    this.#keys = this.#keys.slice();
    this.#vals = this.#vals.slice();
  }

  /** Number of stored entries (for memory accounting). */
  get size(): number {
    return this.#keys.length;
  }
}

/** Value equality for change detection (multiple resources compared instance by instance). */
export function sameValue(a: ResourceValue | undefined, b: ResourceValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !sameValue(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, n) => x === b[n]);
  }
  if (
    typeof a === "object" && typeof b === "object" && !(a instanceof Map) && !(b instanceof Map)
  ) {
    const la = a as { objectId?: number; instanceId?: number };
    const lb = b as { objectId?: number; instanceId?: number };
    return la.objectId === lb.objectId && la.instanceId === lb.instanceId;
  }
  return false;
}

/** Adds a resource value to a flat Lwm2mValues map (a multiple resource as /O/I/R/RI entries). */
export function putFlat(out: Lwm2mValues, o: number, i: number, r: number, v: ResourceValue): void {
  if (v instanceof Map) {
    for (const [ri, x] of v) out.set(`/${o}/${i}/${r}/${ri}`, x);
  } else out.set(`/${o}/${i}/${r}`, v as Lwm2mValue);
}
