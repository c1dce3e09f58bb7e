/**
 * Notification attributes on the client side (LwM2M Core §5.1.2 and §6.4.1; spec digest
 * lwm2m-interfaces.md §4): parsing and validating a Write-Attributes query, applying it at its
 * assignation level (a name without a value unsets it there), and resolving the attributes that
 * apply to an observed path by precedence RI > R > OI > O > server defaults (/1/x/2, /1/x/3).
 * Pure: plain data in, plain data out.
 */

/** The notification-class attributes (properties such as dim/ver are read-only). */
export const ATTRIBUTE_NAMES = [
  "pmin",
  "pmax",
  "gt",
  "lt",
  "st",
  "epmin",
  "epmax",
  "edge",
  "con",
  "hqmax",
] as const;
export type AttributeName = typeof ATTRIBUTE_NAMES[number];

export type NotificationAttributes = Partial<Record<AttributeName, number>>;

/** A parsed Write-Attributes query: a value sets, null unsets (§4.2). */
export type AttributeChange = Partial<Record<AttributeName, number | null>>;

/** Attributes set only on a resource or resource instance (§4.1 "Set at"). */
const RESOURCE_LEVEL_ONLY: ReadonlySet<AttributeName> = new Set(["gt", "lt", "st", "edge"]);
const INTEGER_ATTRS: ReadonlySet<AttributeName> = new Set([
  "pmin",
  "pmax",
  "epmin",
  "epmax",
  "hqmax",
]);
const FLAG_ATTRS: ReadonlySet<AttributeName> = new Set(["edge", "con"]);

export type AttributeResult<T> = { ok: true; value: T } | { ok: false; message: string };

function fail<T>(message: string): AttributeResult<T> {
  return { ok: false, message };
}

/** Parses `pmin=10`, `gt=20.5`, `pmin` (unset) query items; unknown names fail (4.00). */
export function parseAttributeQuery(query: readonly string[]): AttributeResult<AttributeChange> {
  const out: AttributeChange = {};
  for (const item of query) {
    const eq = item.indexOf("=");
    const name = (eq < 0 ? item : item.slice(0, eq)) as AttributeName;
    if (!ATTRIBUTE_NAMES.includes(name)) return fail(`unknown or read-only attribute ${name}`);
    if (name in out) return fail(`attribute ${name} given twice`);
    if (eq < 0) {
      out[name] = null;
      continue;
    }
    const text = item.slice(eq + 1);
    if (INTEGER_ATTRS.has(name)) {
      if (!/^\d{1,10}$/.test(text)) {
        return fail(`${name} must be a non-negative integer, got ${text}`);
      }
      out[name] = Number(text);
    } else if (FLAG_ATTRS.has(name)) {
      if (text !== "0" && text !== "1") return fail(`${name} must be 0 or 1, got ${text}`);
      out[name] = Number(text);
    } else {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
        return fail(`${name} must be a number, got ${text}`);
      }
      const n = Number(text);
      if (name === "st" && n < 0) return fail("st must not be negative");
      out[name] = n;
    }
  }
  return { ok: true, value: out };
}

/** The target's kind, for the assignation-level and type rules. */
export interface AttributeTarget {
  /** Path depth: 1 object, 2 instance, 3 resource, 4 resource instance. */
  depth: number;
  /** Resource type when the target is a resource or resource instance. */
  type?: string;
}

/**
 * Applies a change to the attributes already set at that level and validates the result
 * (§4.3): level rules, numeric-only gt/lt/st, boolean-only edge, lt < gt, lt + 2*st < gt,
 * epmin < epmax.
 */
export function applyAttributeChange(
  current: NotificationAttributes | undefined,
  change: AttributeChange,
  target: AttributeTarget,
): AttributeResult<NotificationAttributes> {
  const merged: NotificationAttributes = { ...current };
  for (const name of Object.keys(change) as AttributeName[]) {
    const v = change[name];
    if (v === null || v === undefined) {
      delete merged[name];
      continue;
    }
    if (RESOURCE_LEVEL_ONLY.has(name) && target.depth < 3) {
      return fail(`${name} can only be set on a resource or resource instance`);
    }
    const numeric = target.type === "integer" || target.type === "unsigned" ||
      target.type === "float" || target.type === "time";
    if ((name === "gt" || name === "lt" || name === "st") && !numeric) {
      return fail(`${name} needs a numeric resource`);
    }
    if (name === "edge" && target.type !== "boolean") return fail("edge needs a boolean resource");
    merged[name] = v;
  }
  const { gt, lt, st, epmin, epmax } = merged;
  if (gt !== undefined && lt !== undefined) {
    if (!(lt < gt)) return fail(`lt (${lt}) must be less than gt (${gt})`);
    if (st !== undefined && !(lt + 2 * st < gt)) return fail("lt + 2*st must be less than gt");
  }
  if (epmin !== undefined && epmax !== undefined && !(epmin < epmax)) {
    return fail(`epmin (${epmin}) must be less than epmax (${epmax})`);
  }
  return { ok: true, value: merged };
}

/** Attributes assigned by one server, by path ("/3/0", "/3/0/9"). */
export type AttributeTable = Map<string, NotificationAttributes>;

/**
 * The attributes that apply to `ids` (an observed path): each attribute from the most specific
 * level that sets it (RI > R > OI > O), pmin/pmax falling back to the server's defaults. gt, lt,
 * st and edge come only from the resource or resource-instance level.
 */
export function effectiveAttributes(
  table: AttributeTable | undefined,
  ids: readonly number[],
  defaults: { pmin?: number; pmax?: number } = {},
): NotificationAttributes {
  const out: NotificationAttributes = {};
  if (defaults.pmin !== undefined) out.pmin = defaults.pmin;
  if (defaults.pmax !== undefined) out.pmax = defaults.pmax;
  if (!table) return out;
  for (let depth = 1; depth <= ids.length; depth++) {
    const attrs = table.get("/" + ids.slice(0, depth).join("/"));
    if (!attrs) continue;
    for (const name of Object.keys(attrs) as AttributeName[]) {
      if (RESOURCE_LEVEL_ONLY.has(name) && depth < 3) continue;
      out[name] = attrs[name];
    }
  }
  return out;
}

/** Link-format parameters for the attributes set at one level (Discover, §3.7). */
export function attributeParams(attrs: NotificationAttributes | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!attrs) return out;
  for (const name of ATTRIBUTE_NAMES) {
    if (attrs[name] !== undefined) out[name] = String(attrs[name]);
  }
  return out;
}
