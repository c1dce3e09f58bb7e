/**
 * The fleet view's grid of lights (IPSO Light Control, object 3311): one tile per /3311/x of each
 * group member, sorted by endpoint, coloured by state (on, with the 5851 Dimmer as brightness;
 * off; unknown; failed) and marked by registration status (deregistered, expired, sleeping), with
 * a summary line counted at most once a frame (a bulk read paints thousands of tiles).
 */

import { h } from "./dom.js";

export const LIGHT = 3311;
export const ON_OFF = 5850;
export const DIMMER = 5851;

/**
 * @typedef {{ endpoint: string, instance: number, on?: boolean, dim?: number,
 *   status: string, error?: string, tile: HTMLElement }} Light
 */

export class FleetGrid {
  /** @param {(light: Light, key: string) => void} onClick */
  constructor(onClick) {
    this.onClick = onClick;
    /** @type {Map<string, Light>} */
    this.lights = new Map();
    this.el = h("div", { id: "lights", class: "lights" });
    this.summary = h("p", { id: "fleet-summary", class: "muted" });
    this.summaryQueued = false;
    /** Called after a light was painted (the view refreshes its panel). */
    this.onPaint = (/** @type {string} */ _key) => {};
  }

  /** @param {string} endpoint @param {number} instance */
  static keyOf(endpoint, instance) {
    return `${endpoint}/${LIGHT}/${instance}`;
  }

  clear() {
    this.lights.clear();
    this.el.replaceChildren();
    this.updateSummary();
  }

  /** The light of a member's instance, with its tile made on first use. @param {string} endpoint @param {number} instance */
  light(endpoint, instance) {
    const key = FleetGrid.keyOf(endpoint, instance);
    let l = this.lights.get(key);
    if (!l) {
      const tile = h(
        "button",
        { type: "button", class: "tile", "data-light": key },
        h("span", { class: "name" }, endpoint + (instance ? `/${instance}` : "")),
        h("span", { class: "dim" }),
      );
      const light = { endpoint, instance, status: "registered", tile };
      tile.addEventListener("click", () => this.onClick(light, key));
      this.lights.set(key, light);
      const after = [...this.el.children].find((t) => (t.getAttribute("data-light") ?? "") > key);
      this.el.insertBefore(tile, after ?? null);
      l = light;
      this.paint(l);
    }
    return l;
  }

  /** @param {Light} l */
  paint(l) {
    const state = l.error ? "error" : l.on === undefined ? "unknown" : l.on ? "on" : "off";
    l.tile.dataset.state = state;
    l.tile.dataset.status = l.status;
    l.tile.style.setProperty("--dim", String((l.dim ?? 100) / 100));
    l.tile.title = `${l.endpoint} /${LIGHT}/${l.instance}: ${state}` +
      (l.dim !== undefined ? `, dimmer ${l.dim}%` : "") + ` (${l.status})` +
      (l.error ? `\n${l.error}` : "");
    const dim = /** @type {HTMLElement} */ (l.tile.querySelector(".dim"));
    dim.textContent = l.dim !== undefined ? `${l.dim}%` : "";
    this.onPaint(FleetGrid.keyOf(l.endpoint, l.instance));
    this.updateSummary();
  }

  /** A member's values (a Read or a notification) onto its tiles. @param {string} endpoint @param {Record<string, unknown>} values */
  applyValues(endpoint, values) {
    for (const [path, v] of Object.entries(values)) {
      const m = /^\/3311\/(\d+)\/(5850|5851)$/.exec(path);
      if (!m) continue;
      const l = this.light(endpoint, Number(m[1]));
      l.error = undefined;
      if (m[2] === String(ON_OFF)) l.on = v === true;
      else if (typeof v === "number") l.dim = v;
      this.paint(l);
    }
  }

  /** Marks a member's lights failed with the API's error. @param {string} endpoint @param {number} status @param {any} body */
  markFailure(endpoint, status, body) {
    const text = body?.error
      ? `${status} ${body.error.code}: ${body.error.message}`
      : `HTTP ${status}`;
    const own = [...this.lights.values()].filter((l) => l.endpoint === endpoint);
    for (const l of own.length ? own : [this.light(endpoint, 0)]) {
      l.error = text;
      this.paint(l);
    }
  }

  /** A member's registration status on its tiles. @param {string} endpoint @param {string} status */
  setStatus(endpoint, status) {
    for (const l of this.lights.values()) {
      if (l.endpoint !== endpoint) continue;
      l.status = status;
      this.paint(l);
    }
  }

  /** The /3311 instance ids the members have (0 when nothing is known yet). */
  instancesInUse() {
    const known = [...this.lights.values()].filter((l) =>
      l.on !== undefined || l.dim !== undefined
    );
    const ids = new Set(known.map((l) => l.instance));
    return ids.size ? [...ids].sort((a, b) => a - b) : [0];
  }

  updateSummary() {
    if (this.summaryQueued) return;
    this.summaryQueued = true;
    requestAnimationFrame(() => {
      this.summaryQueued = false;
      /** @type {Record<string, number>} */
      const n = { on: 0, off: 0, unknown: 0, error: 0 };
      for (const l of this.lights.values()) n[l.tile.dataset.state ?? "unknown"]++;
      this.summary.textContent = `${this.lights.size} lights: ${n.on} on, ${n.off} off` +
        (n.unknown ? `, ${n.unknown} unknown` : "") + (n.error ? `, ${n.error} failed` : "");
    });
  }
}
