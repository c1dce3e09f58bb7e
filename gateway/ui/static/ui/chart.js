/**
 * A tiny live line chart in SVG (no library): the last points of one numeric resource over time,
 * auto-scaled, with the current value, min/max and a dot per sample. Used by the device page for
 * observed values (notifications).
 */

import { h, svg } from "./dom.js";

const WIDTH = 320;
const HEIGHT = 96;
const PAD = 6;
const MAX_POINTS = 120;

export class LiveChart {
  /**
   * @param {string} path e.g. "/3303/0/5700"
   * @param {string} title e.g. "Sensor Value"
   * @param {string} [units]
   */
  constructor(path, title, units = "") {
    this.path = path;
    this.units = units;
    /** @type {{ t: number, v: number }[]} */
    this.points = [];
    this.line = svg("polyline", { class: "chart-line", fill: "none", points: "" });
    this.dots = svg("g", { class: "chart-dots" });
    this.plot = svg(
      "svg",
      { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: "img" },
      svg("rect", { x: 0, y: 0, width: WIDTH, height: HEIGHT, class: "chart-bg" }),
      this.line,
      this.dots,
    );
    this.current = h("span", { class: "chart-current" }, "–");
    this.range = h("span", { class: "muted chart-range" });
    this.count = h("span", { class: "muted chart-count" }, "0 samples");
    this.el = h(
      "figure",
      { class: "chart", "data-chart": path },
      h("figcaption", {}, h("b", {}, title), " ", h("code", {}, path), " ", this.current),
      this.plot,
      h("div", { class: "chart-foot" }, this.range, this.count),
    );
  }

  /** Adds a sample. @param {number} v @param {number} [t] milliseconds */
  add(v, t = Date.now()) {
    this.points.push({ t, v });
    if (this.points.length > MAX_POINTS) this.points.shift();
    this.render();
  }

  render() {
    const pts = this.points;
    const vs = pts.map((p) => p.v);
    let lo = Math.min(...vs);
    let hi = Math.max(...vs);
    if (lo === hi) {
      lo -= 1;
      hi += 1;
    }
    const t0 = pts[0].t;
    const span = Math.max(1, pts[pts.length - 1].t - t0);
    const x = (/** @type {number} */ t) => PAD + ((t - t0) / span) * (WIDTH - 2 * PAD);
    const y = (/** @type {number} */ v) =>
      HEIGHT - PAD - ((v - lo) / (hi - lo)) * (HEIGHT - 2 * PAD);
    const xy = pts.length === 1 ? [[WIDTH / 2, y(pts[0].v)]] : pts.map((p) => [x(p.t), y(p.v)]);
    this.line.setAttribute(
      "points",
      xy.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" "),
    );
    this.dots.replaceChildren(
      ...xy.slice(-30).map(([a, b]) => svg("circle", { cx: a.toFixed(1), cy: b.toFixed(1), r: 2 })),
    );
    const last = pts[pts.length - 1].v;
    this.current.textContent = `${last}${this.units ? " " + this.units : ""}`;
    this.range.textContent = `min ${Math.min(...vs)} · max ${Math.max(...vs)}`;
    this.count.textContent = `${pts.length} sample${pts.length === 1 ? "" : "s"}`;
  }
}
