/**
 * Fleet view (`#/fleet/{group}`), the streetlight case (IPSO Light Control, object 3311: 5850
 * On/Off, 5851 Dimmer): a group's lights on a grid, one tile per /3311/x of each member. States
 * come from a group Read of /3311 streamed as NDJSON (tiles fill in as members answer); a tile
 * click switches that light; "All on/off" and "Dim all" write every member with a progress bar
 * fed by the NDJSON results; "Observe all" observes /3311 on every member, after which
 * notifications (and registration events) change the tiles live.
 */

import { api, apiStream, errorText, seg } from "./api.js";
import { fill, h } from "./dom.js";
import { EventStream } from "./events.js";
import { formDialog } from "./form_dialog.js";

const LIGHT = 3311;
const ON_OFF = 5850;
const DIMMER = 5851;
const LIVE_TYPES = ["notification", "registered", "updated", "deregistered", "expired", "sleeping", "awake"];

/**
 * @typedef {{ endpoint: string, instance: number, on?: boolean, dim?: number,
 *   status: string, error?: string, tile: HTMLElement }} Light
 */

/** @param {HTMLElement} container @param {string[]} params */
export function mount(container, params) {
  let groupName = params[0];
  /** @type {Map<string, Light>} */
  const lights = new Map();
  /** @type {Set<string>} */
  let members = new Set();
  /** @type {string|null} */
  let selected = null;
  let busy = false;
  /** @type {any} the group's definition ({name, endpoints|match}) */
  let group = null;

  const groupSelect = h("select", { id: "group-select", "aria-label": "group" });
  const newGroup = h("button", { type: "button", id: "new-group" }, "New group…");
  const info = h("span", { id: "group-info", class: "muted" });
  const grid = h("div", { id: "lights", class: "lights" });
  const progress = h("progress", { id: "fleet-progress", max: 1, value: 0, hidden: true });
  const progressText = h("span", { id: "fleet-progress-text", class: "muted" });
  const dimAll = h("input", { id: "dim-all", type: "range", min: 0, max: 100, value: 80 });
  const dimAllLabel = h("output", { for: "dim-all" }, "80%");
  const button = (/** @type {string} */ id, /** @type {string} */ text, /** @type {() => void} */ fn) =>
    h("button", { type: "button", id, onclick: fn }, text);
  const panel = h("div", { id: "light-panel", class: "card light-panel", hidden: true });
  const error = h("p", { class: "error", hidden: true });

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
    grid,
    panel,
  );
  dimAll.addEventListener("input", () => dimAllLabel.textContent = `${dimAll.value}%`);

  /** @param {string} endpoint @param {number} instance */
  const keyOf = (endpoint, instance) => `${endpoint}/${LIGHT}/${instance}`;

  /** @param {Light} l */
  function paint(l) {
    const state = l.error ? "error" : l.on === undefined ? "unknown" : l.on ? "on" : "off";
    l.tile.dataset.state = state;
    l.tile.dataset.status = l.status;
    l.tile.style.setProperty("--dim", String((l.dim ?? 100) / 100));
    l.tile.title = `${l.endpoint} /${LIGHT}/${l.instance}: ${state}` +
      (l.dim !== undefined ? `, dimmer ${l.dim}%` : "") + ` (${l.status})` + (l.error ? `\n${l.error}` : "");
    /** @type {HTMLElement} */ (l.tile.querySelector(".dim")).textContent = l.dim !== undefined ? `${l.dim}%` : "";
    if (selected === keyOf(l.endpoint, l.instance)) renderPanel();
  }

  /** @param {string} endpoint @param {number} instance */
  function lightOf(endpoint, instance) {
    const key = keyOf(endpoint, instance);
    let l = lights.get(key);
    if (!l) {
      const tile = h(
        "button",
        { type: "button", class: "tile", "data-light": key },
        h("span", { class: "name" }, endpoint + (instance ? `/${instance}` : "")),
        h("span", { class: "dim" }),
      );
      l = { endpoint, instance, status: "registered", tile };
      const light = l;
      tile.addEventListener("click", () => {
        selected = key;
        renderPanel();
        switchOne(light, !(light.on ?? false));
      });
      lights.set(key, l);
      insertSorted(tile, key);
    }
    return l;
  }

  /** @param {HTMLElement} tile @param {string} key */
  function insertSorted(tile, key) {
    const after = [...grid.children].find((t) => (/** @type {HTMLElement} */ (t).dataset.light ?? "") > key);
    grid.insertBefore(tile, after ?? null);
  }

  /** Values of a member (a Read or a notification) onto its tiles. @param {string} endpoint @param {Record<string, unknown>} values */
  function applyValues(endpoint, values) {
    for (const [path, v] of Object.entries(values)) {
      const m = /^\/3311\/(\d+)\/(5850|5851)$/.exec(path);
      if (!m) continue;
      const l = lightOf(endpoint, Number(m[1]));
      l.error = undefined;
      if (m[2] === String(ON_OFF)) l.on = v === true;
      else if (typeof v === "number") l.dim = v;
      paint(l);
    }
  }

  function renderPanel() {
    const l = selected ? lights.get(selected) : undefined;
    panel.hidden = !l;
    if (!l) return;
    const dim = h("input", { type: "range", min: 0, max: 100, value: l.dim ?? 100, id: "dim-one" });
    fill(
      panel,
      h("b", {}, l.endpoint),
      " ",
      h("code", {}, `/${LIGHT}/${l.instance}`),
      ` ${l.on === undefined ? "unknown" : l.on ? "on" : "off"}${l.dim !== undefined ? `, ${l.dim}%` : ""} `,
      h("button", { type: "button", onclick: () => switchOne(l, true) }, "On"),
      h("button", { type: "button", onclick: () => switchOne(l, false) }, "Off"),
      h("label", {}, " Dim ", dim),
      h("button", { type: "button", onclick: () => dimOne(l, Number(dim.value)) }, "Set"),
      " ",
      h("a", { href: `#/device/${encodeURIComponent(l.endpoint)}` }, "device page"),
      l.error ? h("div", { class: "error" }, l.error) : null,
    );
  }

  /** @param {Light} l @param {boolean} on */
  async function switchOne(l, on) {
    const a = await api("PUT", `api/clients/${seg(l.endpoint)}/${LIGHT}/${l.instance}/${ON_OFF}`, { value: on });
    if (a.ok && a.status !== 202) {
      l.on = on;
      l.error = undefined;
    } else if (!a.ok) l.error = errorText(a);
    paint(l);
  }

  /** @param {Light} l @param {number} dim */
  async function dimOne(l, dim) {
    const a = await api("PUT", `api/clients/${seg(l.endpoint)}/${LIGHT}/${l.instance}/${DIMMER}`, { value: dim });
    if (a.ok && a.status !== 202) l.dim = dim;
    else if (!a.ok) l.error = errorText(a);
    paint(l);
  }

  /**
   * Runs a streamed group operation with the progress bar; `onResult` sees each member's line.
   * @param {string} label @param {string} method @param {string} path @param {any} body
   * @param {(r: {endpoint: string, status: number, body: any}) => void} onResult
   */
  async function fleetOperation(label, method, path, body, onResult) {
    if (!groupName || busy) return;
    busy = true;
    const total = Math.max(1, members.size);
    let done = 0;
    let failed = 0;
    progress.hidden = false;
    progress.max = total;
    progress.value = 0;
    progressText.textContent = `${label}: 0/${members.size}`;
    try {
      const answer = await apiStream(method, `api/groups/${seg(groupName)}${path}`, body, (r) => {
        done++;
        if (r.status >= 300) failed++;
        progress.value = done;
        progressText.textContent = `${label}: ${done}/${members.size}${failed ? `, ${failed} failed` : ""}`;
        onResult(r);
      });
      if (answer.status !== 200) progressText.textContent = `${label} failed: HTTP ${answer.status}`;
      else progressText.textContent = `${label}: ${done} done${failed ? `, ${failed} failed` : ""}`;
    } finally {
      busy = false;
    }
  }

  /** @param {string} endpoint @param {number} status @param {any} body */
  function markFailure(endpoint, status, body) {
    const text = body?.error ? `${status} ${body.error.code}: ${body.error.message}` : `HTTP ${status}`;
    const existing = [...lights.values()].filter((l) => l.endpoint === endpoint);
    for (const l of existing.length ? existing : [lightOf(endpoint, 0)]) {
      l.error = text;
      paint(l);
    }
  }

  function instancesInUse() {
    const set = new Set([...lights.values()].filter((l) => !l.error || l.on !== undefined).map((l) => l.instance));
    return set.size ? [...set].sort((a, b) => a - b) : [0];
  }

  async function readStates() {
    await fleetOperation("Read", "GET", `/${LIGHT}`, undefined, (r) => {
      if (r.status === 200) applyValues(r.endpoint, r.body.values ?? {});
      else if (r.status !== 202) markFailure(r.endpoint, r.status, r.body);
    });
  }

  /** @param {number} resource @param {boolean|number} value */
  async function writeAll(resource, value) {
    for (const instance of instancesInUse()) {
      await fleetOperation(
        resource === ON_OFF ? (value ? "All on" : "All off") : `Dim ${value}%`,
        "PUT",
        `/${LIGHT}/${instance}/${resource}`,
        { value },
        (r) => {
          if (r.status >= 200 && r.status < 300 && r.status !== 202) {
            applyValues(r.endpoint, { [`/${LIGHT}/${instance}/${resource}`]: value });
          } else if (r.status !== 202) markFailure(r.endpoint, r.status, r.body);
        },
      );
    }
  }

  async function observeAll() {
    await fleetOperation("Observe", "POST", `/${LIGHT}/observe`, undefined, (r) => {
      if (r.status === 200) applyValues(r.endpoint, r.body.values ?? {});
      else if (r.status !== 202) markFailure(r.endpoint, r.status, r.body);
    });
  }

  async function loadGroups() {
    const a = await api("GET", "api/groups");
    if (!a.ok) {
      error.hidden = false;
      error.textContent = errorText(a);
      return;
    }
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

  /** Would the group have this endpoint as a member? (the glob of docs/api.md "Groups") @param {string} endpoint */
  function belongs(endpoint) {
    if (!group) return false;
    if (group.endpoints) return group.endpoints.includes(endpoint);
    const re = String(group.match).replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    return new RegExp(`^${re}$`).test(endpoint);
  }

  /** A member that registered while the page is open: a tile and a Read of its lights. @param {string} endpoint */
  async function join(endpoint) {
    members.add(endpoint);
    paint(lightOf(endpoint, 0));
    const a = await api("GET", `api/clients/${seg(endpoint)}/${LIGHT}`);
    if (a.status === 200) applyValues(endpoint, a.body.values ?? {});
  }

  async function loadGroup() {
    const a = await api("GET", `api/groups/${seg(groupName)}`);
    if (!a.ok) {
      error.hidden = false;
      error.textContent = errorText(a);
      return;
    }
    error.hidden = true;
    group = a.body;
    members = new Set(a.body.members ?? []);
    const missing = a.body.notRegistered?.length ?? 0;
    info.textContent = `${a.body.match ? `pattern ${a.body.match}, ` : ""}${members.size} registered` +
      (missing ? `, ${missing} not registered` : "");
    lights.clear();
    grid.replaceChildren();
    for (const endpoint of members) paint(lightOf(endpoint, 0));
    await readStates();
  }

  groupSelect.addEventListener("change", () => {
    location.hash = `#/fleet/${encodeURIComponent(groupSelect.value)}`;
  });
  newGroup.addEventListener("click", async () => {
    const form = await formDialog({
      title: "New group",
      intro: "Members are the registered endpoints the list names or the pattern matches.",
      fields: [
        { name: "name", label: "Name (A-Z a-z 0-9 . _ ~ -)", kind: "text", required: true },
        { name: "match", label: "Pattern (* any run, ? one character)", kind: "text", value: "lamp-*" },
        { name: "endpoints", label: "…or endpoints, comma separated (used when given)", kind: "text" },
      ],
      submit: "Create",
    });
    if (!form?.name) return;
    const endpoints = String(form.endpoints ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    const body = endpoints.length ? { endpoints } : { match: form.match };
    const a = await api("PUT", `api/groups/${seg(form.name)}`, body);
    if (!a.ok) {
      error.hidden = false;
      error.textContent = errorText(a);
      return;
    }
    location.hash = `#/fleet/${encodeURIComponent(form.name)}`;
  });

  const stream = new EventStream({
    types: LIVE_TYPES,
    onReconnect: () => groupName && readStates(),
    onEvent(e) {
      if (!members.has(e.endpoint)) {
        if (e.type === "registered" && belongs(e.endpoint)) join(e.endpoint);
        return;
      }
      if (e.type === "notification" && e.values) {
        applyValues(e.endpoint, e.values);
        return;
      }
      const status = e.type === "updated" || e.type === "awake" ? "registered" : e.type;
      for (const l of lights.values()) {
        if (l.endpoint !== e.endpoint) continue;
        l.status = status;
        paint(l);
      }
    },
  });

  loadGroups();
  return () => stream.close();
}
