/**
 * DOM helpers of the dashboard and the inspector (plain ES module, no build step): element
 * builders (no innerHTML anywhere, so device-supplied strings are always text), and the time
 * formats the pages share (relative "12 s ago", lifetime countdowns).
 */

/**
 * Builds an element. `attrs` keys starting with "on" add listeners; `class`, `data-*`, `aria-*`
 * and the rest become attributes (false/null/undefined skip them); children are nodes or text.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node|string|number|null|undefined|false|Array<Node|string>)} children
 * @returns {any}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * Builds an SVG element (charts).
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node|string)} children
 * @returns {any}
 */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** @param {Element} el @param {Record<string, any>} attrs */
function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "value" && "value" in el) /** @type {any} */ (el).value = v;
    else if (k === "checked" && "checked" in el) /** @type {any} */ (el).checked = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

/** @param {Node} el @param {any[]} children */
function append(el, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

/**
 * Replaces an element's children.
 * @param {Element} el
 * @param {...any} children
 */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** "12 s ago", "3 min ago", "2 h ago" from an ISO time (or "" for none). @param {string|undefined|null} iso @param {number} [nowMs] */
export function ago(iso, nowMs = Date.now()) {
  if (!iso) return "";
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** Time left until an ISO time as "4:05" (m:ss), "1:02:03", or "expired". @param {string|undefined|null} iso @param {number} [nowMs] */
export function countdown(iso, nowMs = Date.now()) {
  if (!iso) return "";
  let s = Math.round((Date.parse(iso) - nowMs) / 1000);
  if (s <= 0) return "expired";
  const hours = Math.floor(s / 3600);
  s -= hours * 3600;
  const mm = String(Math.floor(s / 60)).padStart(hours ? 2 : 1, "0");
  const ss = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Local clock time of an ISO time, "14:03:07". @param {string|undefined} iso */
export function clock(iso) {
  return iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : "";
}

/** A value as short display text (JSON for objects). @param {unknown} v */
export function show(v) {
  if (v === undefined) return "";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

/**
 * Calls `fn` at most once per `ms`, with the latest arguments (a trailing call).
 * @template {any[]} A
 * @param {(...args: A) => void} fn
 * @param {number} ms
 * @returns {(...args: A) => void}
 */
export function debounce(fn, ms) {
  /** @type {number|undefined} */
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/**
 * Calls `fn` at most once per `ms` while calls keep coming, always once more after the last one
 * (a steady event stream cannot starve it, unlike `debounce`).
 * @param {() => void} fn
 * @param {number} ms
 * @returns {() => void}
 */
export function throttle(fn, ms) {
  let last = 0;
  /** @type {number|undefined} */
  let timer;
  return () => {
    if (timer !== undefined) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      last = Date.now();
      fn();
    }, wait);
  };
}
