/**
 * Store document codec (gateway/store, used by every backend): values <-> JSON text, exactly.
 * JSON has no bytes and no 64-bit integers, so three one-key tagged objects extend it:
 *   Uint8Array -> {"$bytes": "<base64, RFC 4648 §4>"}, bigint -> {"$bigint": "<decimal>"},
 *   and a plain object whose only key is one of these tags -> {"$object": {...}} (an escape).
 * Accepted: null, booleans, finite numbers, strings, bigint, Uint8Array, arrays and plain objects.
 * Rejected with UnstorableValueError (instead of silently changing on the way back): undefined at
 * the top or inside an array, NaN/Infinity, functions, symbols and class instances such as Date or
 * Map. Object properties that are undefined are omitted (as JSON.stringify does); -0 reads as 0;
 * null-prototype objects read back as ordinary ones.
 */

const BYTES = "$bytes";
const BIGINT = "$bigint";
const OBJECT = "$object";
const TAGS = new Set([BYTES, BIGINT, OBJECT]);

/** A value that would not read back as written; `path` locates it, e.g. `.links[2].raw`. */
export class UnstorableValueError extends TypeError {
  readonly path: string[] = [];
  constructor(readonly reason: string) {
    super(`cannot store value: ${reason}`);
    this.name = "UnstorableValueError";
  }
  /** Records one more step (outermost last) and refreshes the message. */
  within(step: string): this {
    this.path.unshift(step);
    this.message = `cannot store value at ${this.path.join("")}: ${this.reason}`;
    return this;
  }
}

/** Serialises a document to JSON text (see the file comment for the extensions). */
export function encodeDocument(value: unknown): string {
  return JSON.stringify(toJsonValue(value));
}

/** Parses JSON text written by encodeDocument back into a fresh value. */
export function decodeDocument<T = unknown>(text: string): T {
  return fromJsonValue(JSON.parse(text)) as T;
}

/** The JSON-safe tree of a value (a copy; the input is never modified). */
export function toJsonValue(value: unknown): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new UnstorableValueError(`${value} is not finite`);
      return value;
    case "bigint":
      return { [BIGINT]: value.toString() };
    case "object":
      if (value === null) return null;
      if (value instanceof Uint8Array) return { [BYTES]: value.toBase64() };
      if (Array.isArray(value)) return arrayToJson(value);
      return objectToJson(value);
    default:
      throw new UnstorableValueError(`${typeof value} is not storable`);
  }
}

function arrayToJson(array: unknown[]): unknown[] {
  const out = new Array(array.length);
  for (let i = 0; i < array.length; i++) {
    try {
      if (array[i] === undefined) throw new UnstorableValueError("undefined in an array");
      out[i] = toJsonValue(array[i]);
    } catch (e) {
      throw within(e, `[${i}]`);
    }
  }
  return out;
}

function objectToJson(object: object): unknown {
  const proto = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) {
    const name = proto?.constructor?.name ?? "object";
    throw new UnstorableValueError(
      `${name} is not storable (plain objects, arrays, Uint8Array, bigint only)`,
    );
  }
  // A null prototype keeps an own "__proto__" key an ordinary property.
  const out: Record<string, unknown> = Object.create(null);
  let count = 0;
  let last = "";
  for (const key of Object.keys(object)) {
    const v = (object as Record<string, unknown>)[key];
    if (v === undefined) continue;
    try {
      out[key] = toJsonValue(v);
    } catch (e) {
      throw within(e, /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
    }
    count++;
    last = key;
  }
  return count === 1 && TAGS.has(last) ? { [OBJECT]: out } : out;
}

function within(e: unknown, step: string): unknown {
  return e instanceof UnstorableValueError ? e.within(step) : e;
}

/** Inverse of toJsonValue; rewrites a freshly parsed tree in place and returns it. */
export function fromJsonValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = fromJsonValue(value[i]);
    return value;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length === 1) {
    const tag = keys[0];
    const inner = object[tag];
    if (tag === BYTES && typeof inner === "string") return Uint8Array.fromBase64(inner);
    if (tag === BIGINT && typeof inner === "string") return BigInt(inner);
    if (tag === OBJECT && typeof inner === "object" && inner !== null) {
      return fromObjectEntries(inner as Record<string, unknown>);
    }
  }
  return fromObjectEntries(object);
}

function fromObjectEntries(object: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(object)) {
    const v = fromJsonValue(object[key]);
    // JSON.parse makes "__proto__" an own property; plain assignment would set the prototype.
    if (key === "__proto__") {
      Object.defineProperty(object, key, { value: v, enumerable: true, writable: true });
    } else object[key] = v;
  }
  return object;
}
