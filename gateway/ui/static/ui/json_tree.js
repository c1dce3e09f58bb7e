/**
 * Renders any JSON value as a collapsible tree (<details> per object and array, typed colours for
 * leaves). Used by the inspector for decoded payloads and by the dashboard for API answers.
 */

import { h } from "./dom.js";

/** @param {unknown} v */
function leaf(v) {
  if (v === null) return h("span", { class: "j-null" }, "null");
  if (typeof v === "string") return h("span", { class: "j-str" }, JSON.stringify(v));
  if (typeof v === "number") return h("span", { class: "j-num" }, String(v));
  if (typeof v === "boolean") return h("span", { class: "j-bool" }, String(v));
  return h("span", {}, String(v));
}

/** A one-line preview of a container ("{3 keys}", "[2 items]"). @param {object} v */
function preview(v) {
  if (Array.isArray(v)) return `[${v.length} item${v.length === 1 ? "" : "s"}]`;
  const n = Object.keys(v).length;
  return `{${n} key${n === 1 ? "" : "s"}}`;
}

/**
 * The tree of `value`; containers down to `openDepth` levels start expanded.
 * @param {unknown} value
 * @param {{ openDepth?: number, label?: string }} [options]
 * @returns {HTMLElement}
 */
export function jsonTree(value, options = {}) {
  return node(options.label ?? null, value, 0, options.openDepth ?? 2);
}

/** @param {string|null} key @param {unknown} value @param {number} depth @param {number} openDepth @returns {HTMLElement} */
function node(key, value, depth, openDepth) {
  const keyEl = key === null ? null : h("span", { class: "j-key" }, key, ": ");
  if (value === null || typeof value !== "object") {
    return h("div", { class: "j-leaf" }, keyEl, leaf(value));
  }
  const entries = Array.isArray(value)
    ? value.map((v, i) => /** @type {[string, unknown]} */ ([String(i), v]))
    : Object.entries(value);
  const details = h(
    "details",
    { class: "j-node", open: depth < openDepth },
    h("summary", {}, keyEl, h("span", { class: "muted" }, preview(value))),
    h("div", { class: "j-children" }, entries.map(([k, v]) => node(k, v, depth + 1, openDepth))),
  );
  return details;
}
