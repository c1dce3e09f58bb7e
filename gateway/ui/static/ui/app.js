/**
 * The dashboard's entry module: a hash router (`#/`, `#/device/{ep}`, `#/fleet[/{group}]`,
 * `#/firmware`, `#/provisioning`) that mounts one view at a time into <main id="view"> and
 * unmounts the previous one (closing its event stream and timers), and the header's event-stream
 * indicator. Each view module exports `mount(container, params) -> cleanup`.
 */

import { fill, h } from "./dom.js";
import { onStreamState } from "./events.js";

/** @typedef {(container: HTMLElement, params: string[]) => (() => void) | void} Mount */

/** @type {Array<[RegExp, string, () => Promise<{ mount: Mount }>]>} */
const ROUTES = [
  [/^#?\/?$/, "devices", () => import("./view_devices.js")],
  [/^#\/device\/([^/]+)$/, "devices", () => import("./view_device.js")],
  [/^#\/fleet(?:\/([^/]+))?$/, "fleet", () => import("./view_fleet.js")],
  [/^#\/firmware$/, "firmware", () => import("./view_firmware.js")],
  [/^#\/provisioning$/, "provisioning", () => import("./view_provisioning.js")],
];

const container = /** @type {HTMLElement} */ (document.getElementById("view"));
/** @type {(() => void) | void} */
let cleanup;
let generation = 0;

async function route() {
  const hash = location.hash || "#/";
  const found = ROUTES.map(([re, nav, load]) => ({ m: re.exec(hash), nav, load }))
    .find((r) => r.m);
  const mine = ++generation;
  if (typeof cleanup === "function") cleanup();
  cleanup = undefined;
  for (const a of document.querySelectorAll("#nav a")) {
    a.classList.toggle("active", a.getAttribute("data-view") === found?.nav);
  }
  if (!found || !found.m) {
    fill(
      container,
      h("p", { class: "error" }, `No page at ${hash}. `, h("a", { href: "#/" }, "Devices")),
    );
    return;
  }
  const params = found.m.slice(1).map((p) => (p === undefined ? p : decodeURIComponent(p)));
  const view = await found.load();
  if (mine !== generation) return; // another navigation won
  fill(container);
  cleanup = view.mount(container, /** @type {string[]} */ (params));
}

const indicator = /** @type {HTMLElement} */ (document.getElementById("stream"));
const LABELS = {
  connecting: "◌ connecting",
  live: "● live",
  reconnecting: "◌ reconnecting…",
  closed: "○ no stream",
};
onStreamState((state) => {
  indicator.textContent = LABELS[state];
  indicator.dataset.state = state;
});

addEventListener("hashchange", route);
route();
