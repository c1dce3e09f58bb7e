/**
 * A device's object tree (LwM2M Core §6.2.1: the Register payload's object links `</3/0>`, plus
 * the object models of `api/objects/{id}`, §7.2): objects, their instances, and each instance's
 * resources from the model (or, for objects without a model, the resources values arrived for).
 * Every node carries the buttons of the operations that apply to it; `onOp(op, node)` runs them.
 * Resource rows show the latest value (multi-instance resources as "id: value" pairs), the
 * attributes a Discover reported, and an "observed" mark.
 */

import { api, seg } from "./api.js";
import { fill, h, show } from "./dom.js";

/** @type {Map<number, Promise<any|null>>} */
const models = new Map();

/** The object model (api/objects/{id}) or null when the gateway knows none. @param {number} id */
export function loadModel(id) {
  let model = models.get(id);
  if (!model) {
    model = api("GET", `api/objects/${id}`).then((a) => (a.ok ? a.body : null));
    models.set(id, model);
  }
  return model;
}

/**
 * Objects and instances of a registration's links (the root link `</>` is skipped).
 * @param {{ path: string, attributes?: Record<string, unknown> }[]} links
 * @returns {Map<number, number[]>}
 */
export function objectsOf(links) {
  /** @type {Map<number, Set<number>>} */
  const out = new Map();
  for (const link of links) {
    const m = /^\/(\d+)(?:\/(\d+))?$/.exec(link.path);
    if (!m) continue;
    const o = Number(m[1]);
    if (!out.has(o)) out.set(o, new Set());
    if (m[2] !== undefined) /** @type {Set<number>} */ (out.get(o)).add(Number(m[2]));
  }
  return new Map(
    [...out].sort((a, b) => a[0] - b[0]).map(([o, s]) => [o, [...s].sort((a, b) => a - b)]),
  );
}

/**
 * @typedef {{ path: string, level: "object"|"instance"|"resource",
 *   model: any|null, resource?: any }} TreeNode
 * @typedef {(op: string, node: TreeNode) => void} OpHandler
 */

const LABELS = {
  read: "Read",
  write: "Write",
  execute: "Execute",
  create: "Create",
  delete: "Delete",
  discover: "Discover",
  attributes: "Attributes",
  observe: "Observe",
};

/** The operations of a node. @param {TreeNode} node */
export function operationsOf(node) {
  if (node.level === "object") return ["read", "create", "discover", "attributes", "observe"];
  if (node.level === "instance") {
    return ["read", "write", "delete", "discover", "attributes", "observe"];
  }
  const ops = node.resource?.operations ?? "RW";
  /** @type {string[]} */
  const out = [];
  if (ops.includes("R")) out.push("read");
  if (ops.includes("W")) out.push("write");
  if (ops.includes("E")) out.push("execute");
  out.push("discover", "attributes");
  if (ops.includes("R")) out.push("observe");
  return out;
}

/** @param {TreeNode} node @param {OpHandler} onOp @param {any} label */
function row(node, onOp, label) {
  return h(
    "div",
    {
      class: `node ${node.level}`,
      "data-path": node.path,
      "data-name": node.resource?.name ?? node.model?.name ?? "",
      "data-units": node.resource?.units,
    },
    h("span", { class: "label" }, label),
    h("span", { class: "value" }),
    h("span", { class: "attrs muted" }),
    h(
      "span",
      { class: "ops" },
      operationsOf(node).map((op) =>
        h(
          "button",
          {
            type: "button",
            class: `op op-${op}`,
            "data-op": op,
            title: `${LABELS[/** @type {keyof LABELS} */ (op)]} ${node.path}`,
            onclick: () => onOp(op, node),
          },
          LABELS[/** @type {keyof LABELS} */ (op)],
        )
      ),
    ),
  );
}

/** @param {any} r resource model */
function resourceLabel(r) {
  return [
    h("code", {}, String(r.id)),
    " ",
    r.name,
    " ",
    h("small", { class: "muted" }, `${r.operations || "–"} ${r.type}${r.multiple ? "[]" : ""}`),
  ];
}

export class ObjectTree {
  /** @param {OpHandler} onOp */
  constructor(onOp) {
    this.onOp = onOp;
    this.el = h("div", { class: "tree", id: "tree" });
    /** @type {Map<string, HTMLElement>} instance path -> its resources box */
    this.instanceBoxes = new Map();
    /** @type {Map<string, any>} instance path -> object model */
    this.instanceModels = new Map();
  }

  /** (Re)builds the tree from the registration's links. @param {{ path: string }[]} links */
  async render(links) {
    const objects = objectsOf(links);
    const loaded = await Promise.all([...objects.keys()].map((id) => loadModel(id)));
    this.instanceBoxes.clear();
    const parts = [...objects].map(([objectId, instances], i) => {
      const model = loaded[i];
      const objectNode = { path: `/${objectId}`, level: /** @type {const} */ ("object"), model };
      const title = [h("code", {}, `/${objectId}`), " ", model ? model.name : "(no model)"];
      return h(
        "details",
        { class: "object", open: true },
        h("summary", {}, row(objectNode, this.onOp, title)),
        instances.map((inst) => this.instance(objectId, inst, model)),
      );
    });
    fill(this.el, parts.length ? parts : h("p", { class: "muted" }, "No objects registered."));
  }

  /** @param {number} objectId @param {number} inst @param {any} model */
  instance(objectId, inst, model) {
    const path = `/${objectId}/${inst}`;
    const box = h("div", { class: "resources" });
    this.instanceBoxes.set(path, box);
    this.instanceModels.set(path, model);
    for (const r of model?.resources ?? []) box.append(this.resourceRow(path, r, model));
    return h(
      "details",
      { class: "instance", open: true },
      h("summary", {}, row({ path, level: "instance", model }, this.onOp, h("code", {}, path))),
      box,
    );
  }

  /** @param {string} instancePath @param {any} r @param {any} model */
  resourceRow(instancePath, r, model) {
    const node = {
      path: `${instancePath}/${r.id}`,
      level: /** @type {const} */ ("resource"),
      model,
      resource: r,
    };
    return row(node, this.onOp, resourceLabel(r));
  }

  /** Makes sure a row exists for a resource path values arrived for. @param {string} path */
  ensureRow(path) {
    const m = /^(\/\d+\/\d+)\/(\d+)/.exec(path);
    if (!m || this.el.querySelector(`.node[data-path="${m[0]}"]`)) return;
    const box = this.instanceBoxes.get(m[1]);
    if (!box) return;
    const r = {
      id: Number(m[2]),
      name: "(unknown resource)",
      operations: "RW",
      type: "?",
      multiple: false,
    };
    box.append(this.resourceRow(m[1], r, this.instanceModels.get(m[1])));
  }

  /** Shows the values (by full path) on their resource rows. @param {Map<string, unknown>} values */
  showValues(values) {
    /** @type {Map<string, string[]>} */
    const byResource = new Map();
    for (const [path, v] of values) {
      this.ensureRow(path);
      const ids = path.split("/").slice(1);
      if (ids.length < 3) continue;
      const resource = `/${ids.slice(0, 3).join("/")}`;
      const text = ids.length === 4 ? `${ids[3]}: ${show(v)}` : show(v);
      if (!byResource.has(resource)) byResource.set(resource, []);
      /** @type {string[]} */ (byResource.get(resource)).push(text);
    }
    for (const [resource, texts] of byResource) {
      const cell = this.el.querySelector(`.node[data-path="${resource}"] .value`);
      if (cell) {
        cell.textContent = texts.join(", ");
        cell.classList.remove("flash");
        void /** @type {HTMLElement} */ (cell).offsetWidth; // restart the highlight animation
        cell.classList.add("flash");
      }
    }
  }

  /** Attributes from a Discover answer. @param {{ path: string, attributes: Record<string, unknown> }[]} links */
  showAttributes(links) {
    for (const link of links) {
      const cell = this.el.querySelector(`.node[data-path="${link.path}"] .attrs`);
      if (!cell) continue;
      const attrs = Object.entries(link.attributes ?? {}).map(([k, v]) => `${k}=${show(v)}`);
      cell.textContent = attrs.join(" ");
    }
  }

  /** Marks a path observed (or not). @param {string} path @param {boolean} on */
  markObserved(path, on) {
    const node = this.el.querySelector(`.node[data-path="${path}"]`);
    if (!node) return;
    node.classList.toggle("observed", on);
    const button = node.querySelector("button.op-observe");
    if (button) button.textContent = on ? "Stop observing" : "Observe";
  }
}

/** The URL path of a node's API route. @param {string} endpoint @param {string} path */
export function clientPath(endpoint, path) {
  return `api/clients/${seg(endpoint)}${path}`;
}
