/**
 * Fleet view (`#/fleet/{group}`), the streetlight case (IPSO Light Control, object 3311: 5850
 * On/Off, 5851 Dimmer): a group's lights on a grid (fleet_grid.js). States come from a group Read
 * of /3311 streamed as NDJSON (tiles fill in as members answer); a tile click switches that light;
 * "All on/off" and "Dim all" write every member with a progress bar fed by the NDJSON results;
 * "Observe all" observes /3311 on every member, after which notifications (and registration
 * events) change the tiles live. A member that registers while the page is open joins the grid.
 */

import { api, apiStream, errorText, seg } from "./api.js";
import { fill, h } from "./dom.js";
import { EventStream } from "./events.js";
import { DIMMER, FleetGrid, LIGHT, ON_OFF } from "./fleet_grid.js";
import { formDialog } from "./form_dialog.js";

const LIVE_TYPES = [
  "notification",
  "registered",
  "updated",
  "deregistered",
  "expired",
  "sleeping",
  "awake",
];

/** @typedef {import("./fleet_grid.js").Light} Light */

/** Does a group have this endpoint (an endpoint list, or the glob of docs/api.md "Groups")? @param {any} group @param {string} endpoint */
function belongs(group, endpoint) {
  if (!group) return false;
  if (group.endpoints) return group.endpoints.includes(endpoint);
  const re = String(group.match).replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(endpoint);
}

/** Asks for a new group; resolves with its name once created, or null. @param {(text: string) => void} fail */
async function createGroup(fail) {
  const form = await formDialog({
    title: "New group",
    intro: "Members are the registered endpoints the list names or the pattern matches.",
    fields: [
      { name: "name", label: "Name (A-Z a-z 0-9 . _ ~ -)", kind: "text", required: true },
      {
        name: "match",
        label: "Pattern (* any run, ? one character)",
        kind: "text",
        value: "lamp-*",
      },
      {
        name: "endpoints",
        label: "…or endpoints, comma separated (used when given)",
        kind: "text",
      },
    ],
    submit: "Create",
  });
  if (!form?.name) return null;
  const endpoints = String(form.endpoints ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const a = await api(
    "PUT",
    `api/groups/${seg(form.name)}`,
    endpoints.length ? { endpoints } : { match: form.match },
  );
  if (!a.ok) {
    fail(errorText(a));
    return null;
  }
  return String(form.name);
}

/** @param {HTMLElement} container @param {string[]} params */
export function mount(container, params) {
  let groupName = params[0];
  /** @type {Set<string>} */
  let members = new Set();
  /** @type {string|null} */
  let selected = null;
  let busy = false;
  /** @type {any} the group's definition ({name, endpoints|match}) */
  let group = null;

  const grid = new FleetGrid((light, key) => {
    selected = key;
    renderPanel();
    switchOne(light, !(light.on ?? false));
  });
  grid.onPaint = (key) => key === selected && renderPanel();
  const groupSelect = h("select", { id: "group-select", "aria-label": "group" });
  const newGroup = h("button", { type: "button", id: "new-group" }, "New group…");
  const info = h("span", { id: "group-info", class: "muted" });
  const progress = h("progress", { id: "fleet-progress", max: 1, value: 0, hidden: true });
  const progressText = h("span", { id: "fleet-progress-text", class: "muted" });
  const dimAll = h("input", { id: "dim-all", type: "range", min: 0, max: 100, value: 80 });
  const dimAllLabel = h("output", { for: "dim-all" }, "80%");
  const panel = h("div", { id: "light-panel", class: "card light-panel", hidden: true });
  const error = h("p", { class: "error", hidden: true });
  /** @type {HTMLButtonElement[]} the group operations, disabled while one runs */
  const opButtons = [];
  /** @param {string} id @param {string} text @param {() => void} fn */
  const button = (id, text, fn) => {
    const b = h("button", { type: "button", id, onclick: fn }, text);
    opButtons.push(b);
    return b;
  };
  /** @param {string} text */
  const fail = (text) => {
    error.hidden = false;
    error.textContent = text;
  };

  fill(
    container,
    h("div", { class: "toolbar" }, h("h1", {}, "Fleet"), groupSelect, newGroup, info),
    h(
      "div",
      { class: "toolbar" },
      button("read-all", "Read states", () => readStates()),
      button("all-on", "All on", () => writeAll(ON_OFF, true)),
      button("all-off", "All off", () => writeAll(ON_OFF, false)),
      h("label", {}, "Dim all ", dimAll, " ", dimAllLabel),
      button("dim-apply", "Apply dim", () => writeAll(DIMMER, Number(dimAll.value))),
      button("observe-all", "Observe all", () => observeAll()),
      progress,
      progressText,
    ),
    error,
    grid.summary,
    grid.el,
    panel,
  );
  dimAll.addEventListener("input", () => dimAllLabel.textContent = `${dimAll.value}%`);

  function renderPanel() {
    const l = selected ? grid.lights.get(selected) : undefined;
    panel.hidden = !l;
    if (!l) return;
    const dim = h("input", { type: "range", min: 0, max: 100, value: l.dim ?? 100, id: "dim-one" });
    const state = l.on === undefined ? "unknown" : l.on ? "on" : "off";
    fill(
      panel,
      h("b", {}, l.endpoint),
      " ",
      h("code", {}, `/${LIGHT}/${l.instance}`),
      ` ${state}${l.dim !== undefined ? `, ${l.dim}%` : ""} `,
      h("button", { type: "button", onclick: () => switchOne(l, true) }, "On"),
      h("button", { type: "button", onclick: () => switchOne(l, false) }, "Off"),
      h("label", {}, " Dim ", dim),
      h("button", { type: "button", onclick: () => writeOne(l, DIMMER, Number(dim.value)) }, "Set"),
      " ",
      h("a", { href: `#/device/${encodeURIComponent(l.endpoint)}` }, "device page"),
      l.error ? h("div", { class: "error" }, l.error) : null,
    );
  }

  /** @param {Light} l @param {number} resource @param {boolean|number} value */
  async function writeOne(l, resource, value) {
    const path = `/${LIGHT}/${l.instance}/${resource}`;
    const a = await api("PUT", `api/clients/${seg(l.endpoint)}${path}`, { value });
    if (a.ok && a.status !== 202) grid.applyValues(l.endpoint, { [path]: value });
    else if (!a.ok) grid.markFailure(l.endpoint, a.status, a.body);
  }

  /** @param {Light} l @param {boolean} on */
  const switchOne = (l, on) => writeOne(l, ON_OFF, on);

  /**
   * Runs a streamed group operation with the progress bar; `onResult` sees each member's line.
   * @param {string} label @param {string} method @param {string} path @param {any} body
   * @param {(r: {endpoint: string, status: number, body: any}) => void} onResult
   */
  async function fleetOperation(label, method, path, body, onResult) {
    if (!groupName || busy) return;
    busy = true;
    for (const b of opButtons) b.disabled = true;
    let done = 0;
    let failed = 0;
    const show = (/** @type {string} */ text) => progressText.textContent = text;
    progress.hidden = false;
    progress.max = Math.max(1, members.size);
    progress.value = 0;
    show(`${label}: 0/${members.size}`);
    try {
      const answer = await apiStream(method, `api/groups/${seg(groupName)}${path}`, body, (r) => {
        done++;
        if (r.status >= 300) failed++;
        progress.value = done;
        show(`${label}: ${done}/${members.size}${failed ? `, ${failed} failed` : ""}`);
        onResult(r);
      });
      if (answer.status !== 200) show(`${label} failed: HTTP ${answer.status}`);
      else show(`${label}: ${done} done${failed ? `, ${failed} failed` : ""}`);
    } finally {
      busy = false;
      for (const b of opButtons) b.disabled = false;
    }
  }

  /** Values of a content answer onto the grid, or the failure. @param {{endpoint: string, status: number, body: any}} r */
  const onContent = (r) => {
    if (r.status === 200) grid.applyValues(r.endpoint, r.body.values ?? {});
    else if (r.status !== 202) grid.markFailure(r.endpoint, r.status, r.body);
  };
  const readStates = () => fleetOperation("Read", "GET", `/${LIGHT}`, undefined, onContent);
  const observeAll = () =>
    fleetOperation("Observe", "POST", `/${LIGHT}/observe`, undefined, onContent);

  /** @param {number} resource @param {boolean|number} value */
  async function writeAll(resource, value) {
    const label = resource === ON_OFF ? (value ? "All on" : "All off") : `Dim ${value}%`;
    for (const instance of grid.instancesInUse()) {
      const path = `/${LIGHT}/${instance}/${resource}`;
      await fleetOperation(label, "PUT", path, { value }, (r) => {
        if (r.status >= 200 && r.status < 300 && r.status !== 202) {
          grid.applyValues(r.endpoint, { [path]: value });
        } else if (r.status !== 202) grid.markFailure(r.endpoint, r.status, r.body);
      });
    }
  }

  async function loadGroups() {
    const a = await api("GET", "api/groups");
    if (!a.ok) return fail(errorText(a));
    /** @type {any[]} */
    const groups = a.body.groups ?? [];
    if (!groupName && groups.length) groupName = groups[0].name;
    fill(
      groupSelect,
      groups.length ? null : h("option", { value: "" }, "no groups yet"),
      groups.map((g) => h("option", { value: g.name, selected: g.name === groupName }, g.name)),
    );
    if (groupName) await loadGroup();
    else info.textContent = "Create a group of lights (an endpoint list or a pattern like lamp-*).";
  }

  async function loadGroup() {
    const a = await api("GET", `api/groups/${seg(groupName)}`);
    if (!a.ok) return fail(errorText(a));
    error.hidden = true;
    group = a.body;
    members = new Set(a.body.members ?? []);
    const missing = a.body.notRegistered?.length ?? 0;
    info.textContent =
      `${a.body.match ? `pattern ${a.body.match}, ` : ""}${members.size} registered` +
      (missing ? `, ${missing} not registered` : "");
    grid.clear();
    for (const endpoint of members) grid.light(endpoint, 0);
    await readStates();
  }

  /** A member that registered while the page is open: a tile and a Read of its lights. @param {string} endpoint */
  async function join(endpoint) {
    members.add(endpoint);
    grid.light(endpoint, 0);
    const a = await api("GET", `api/clients/${seg(endpoint)}/${LIGHT}`);
    if (a.status === 200) grid.applyValues(endpoint, a.body.values ?? {});
  }

  groupSelect.addEventListener("change", () => {
    location.hash = `#/fleet/${encodeURIComponent(groupSelect.value)}`;
  });
  newGroup.addEventListener("click", async () => {
    const name = await createGroup(fail);
    if (name) location.hash = `#/fleet/${encodeURIComponent(name)}`;
  });

  const stream = new EventStream({
    types: LIVE_TYPES,
    onReconnect: () => groupName && readStates(),
    onEvent(e) {
      if (!members.has(e.endpoint)) {
        if (e.type === "registered" && belongs(group, e.endpoint)) join(e.endpoint);
      } else if (e.type === "notification") {
        if (e.values) grid.applyValues(e.endpoint, e.values);
      } else {
        grid.setStatus(
          e.endpoint,
          e.type === "updated" || e.type === "awake" ? "registered" : e.type,
        );
      }
    },
  });

  loadGroups();
  return () => stream.close();
}
