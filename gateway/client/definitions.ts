/**
 * Object definitions of the LwM2M client (LwM2M Core §7.1-§7.2 Object Model): an object model plus
 * the resource handlers that give a resource a computed value (read), check or apply a write, or
 * run an Execute. Definitions hold no per-device state (handlers get a context naming the client
 * and the instance), so one DefinitionSet is shared by every client of a fleet, copied only when
 * a client adds its own object.
 */

import { type ModelRegistry, type ObjectModel } from "../../objects/model.ts";
import { ModelRegistry as Registry } from "../../objects/model.ts";
import type { Lwm2mValue } from "../lwm2m/values.ts";

/** A stored resource value: single, or the instances of a multiple resource (never mutated). */
export type ResourceValue = Lwm2mValue | ReadonlyMap<number, Lwm2mValue>;

/** What a handler is called with: the client (opaque here), its store and the target ids. */
export interface HandlerContext {
  // deno-lint-ignore no-explicit-any
  client: any;
  objectId: number;
  instanceId: number;
  resourceId: number;
  /** Short Server ID of the requesting server; null for the bootstrap server or local calls. */
  ssid: number | null;
  /** Runs `fn` once the response to the current request was sent (reboot after Execute). */
  after(fn: () => void): void;
}

/** A CoAP response code a handler may answer with instead of success (e.g. 4.05 = 133). */
export type HandlerCode = number;

/** A write handler's answer: a refusal code, a value to store instead, or nothing (store it). */
export type WriteOutcome = HandlerCode | void | { store: ResourceValue | null };

export interface ResourceHandlers {
  /** The current value; undefined falls back to the stored one. */
  read?(ctx: HandlerContext): ResourceValue | undefined;
  /**
   * Called before a server's value is stored; return a CoAP error code to refuse it, or
   * `{store: v}` to store `v` instead (`{store: null}`: store nothing). Throwing is a 5.00.
   */
  write?(ctx: HandlerContext, value: ResourceValue): WriteOutcome;
  /** Execute with the text/plain argument string ("" without payload). */
  execute?(ctx: HandlerContext, args: string): HandlerCode | void | Promise<HandlerCode | void>;
}

export interface ObjectDefinition {
  model: ObjectModel;
  resources?: Readonly<Record<number, ResourceHandlers>>;
  /** Whether a server may Create instances (default: multiple-instance objects only). */
  creatable?: boolean;
  /** Whether a server may Delete instances (default: same as creatable). */
  deletable?: boolean;
  /** Default values of a new instance created by a server (missing mandatory resources). */
  defaults?: Readonly<Record<number, ResourceValue>>;
  /**
   * Values every instance has until one of its own is stored (the same manufacturer for a whole
   * fleet, empty keys): kept once per definition instead of once per device.
   */
  shared?: Readonly<Record<number, ResourceValue>>;
}

/** The objects a client supports, with the model registry the content codecs type through. */
export class DefinitionSet {
  readonly #byId = new Map<number, ObjectDefinition>();
  readonly models: ModelRegistry;

  constructor(definitions: Iterable<ObjectDefinition> = [], models?: ModelRegistry) {
    this.models = models ?? new Registry();
    for (const d of definitions) this.add(d);
  }

  add(definition: ObjectDefinition): void {
    this.#byId.set(definition.model.id, definition);
    this.models.add(definition.model);
  }

  get(objectId: number): ObjectDefinition | undefined {
    return this.#byId.get(objectId);
  }

  has(objectId: number): boolean {
    return this.#byId.has(objectId);
  }

  /** Object ids, ascending. */
  ids(): number[] {
    return [...this.#byId.keys()].sort((a, b) => a - b);
  }

  /** A copy that can be extended without touching this (shared) set. */
  clone(): DefinitionSet {
    const models = new Registry(this.models.all());
    return new DefinitionSet(this.#byId.values(), models);
  }
}

/** Can the resource be read by a server (R or RW)? */
export function isReadable(ops: string): boolean {
  return ops === "R" || ops === "RW";
}

/** Can the resource be written by a server (W or RW)? */
export function isWritable(ops: string): boolean {
  return ops === "W" || ops === "RW";
}
