/**
 * Device page (`#/device/{ep}`): the registration's facts (live status, last seen, lifetime
 * countdown), the object tree with an operation button on every node (device_ops.js), live
 * charts of observed numeric values, the log of operations run from this page, and the device's
 * recent events from its own event stream (`?endpoint={ep}`). Values from Reads, Observes and
 * notifications land on the tree's rows; a re-registration with other objects rebuilds the tree.
 */

import { api, errorText, seg } from "./api.js";
import { LiveChart } from "./chart.js";
import { runOperation } from "./device_ops.js";
import { ago, clock, countdown, fill, h, show } from "./dom.js";
import { EventStream } from "./events.js";
import { formDialog } from "./form_dialog.js";
import { jsonTree } from "./json_tree.js";
import { ObjectTree } from "./object_tree.js";
import { statusBadge, statusOf } from "./status.js";

const FORMATS = [
  "",
  "senml-cbor",
  "senml-json",
  "lwm2m-cbor",
  "tlv",
  "text",
  "cbor",
  "opaque",
  "json",
];
const MAX_LOG = 40;
const MAX_EVENTS = 60;

/** One-line summary of an event. @param {any} e */
function eventSummary(e) {
  if (e.values) return Object.entries(e.values).map(([p, v]) => `${p} = ${show(v)}`).join(", ");
  if (e.registration) {
    return `lifetime ${e.registration.lifetime} s, ${e.registration.objectLinks.length} links`;
  }
  if (e.type === "firmwareProgress") return `${e.status} ${e.progress?.percent ?? ""}%`;
  if (e.error) return String(e.error);
  if (e.requestId) return `${e.requestId} ${e.state ?? ""}`;
  return "";
}

/** @param {HTMLElement} container @param {string[]} params */
export function mount(container, params) {
  const endpoint = params[0];
  /** @type {any} */
  let reg = null;
  let status = "registered";
  /** @type {Map<string, unknown>} */
  const values = new Map();
  /** @type {Set<string>} */
  const observed = new Set();
  /** @type {Map<string, LiveChart>} */
  const charts = new Map();

  const badge = h("span", { id: "device-status" });
  const format = h(
    "select",
    { id: "format", "aria-label": "content format" },
    FORMATS.map((f) => h("option", { value: f }, f ? `format: ${f}` : "format: automatic")),
  );
  const facts = h("dl", { class: "facts", id: "facts" });
  const chartsBox = h(
    "div",
    { id: "charts", class: "charts" },
    h("p", { class: "muted" }, "Observe a numeric resource to chart it."),
  );
  const opLog = h("ol", { id: "op-log", class: "log" });
  const eventLog = h("ol", { id: "events", class: "log" });
  const message = h("p", { class: "error", hidden: true });

  const tree = new ObjectTree((op, node) => runOperation(op, node, ctx));
  /** @type {import("./device_ops.js").OpContext} */
  const ctx = {
    endpoint,
    format: () => format.value,
    values,
    observed,
    log: logOperation,
    applyValues,
    showAttributes: (links) => tree.showAttributes(links),
    markObserved: (path, on) => tree.markObserved(path, on),
  };

  const deregister = h(
    "button",
    { type: "button", class: "danger", id: "deregister" },
    "Deregister",
  );
  deregister.addEventListener("click", async () => {
    const sure = await formDialog({
      title: `Deregister ${endpoint}?`,
      intro: "The gateway forgets this registration; the device must register again.",
      fields: [],
      submit: "Deregister",
      danger: true,
    });
    if (!sure) return;
    const a = await api("DELETE", `api/clients/${seg(endpoint)}`);
    logOperation("DELETE", "", a);
  });

  fill(
    container,
    h(
      "div",
      { class: "toolbar" },
      h("a", { href: "#/" }, "← Devices"),
      h("h1", { id: "endpoint" }, endpoint),
      badge,
      h("span", { class: "spacer" }),
      format,
      deregister,
    ),
    message,
    facts,
    h(
      "div",
      { class: "columns" },
      h("section", { class: "card" }, h("h2", {}, "Objects"), tree.el),
      h(
        "aside",
        {},
        h("section", { class: "card" }, h("h2", {}, "Live charts"), chartsBox),
        h("section", { class: "card" }, h("h2", {}, "Operations"), opLog),
        h("section", { class: "card" }, h("h2", {}, "Recent events"), eventLog),
      ),
    ),
  );

  function renderFacts() {
    if (!reg) return;
    const now = Date.now();
    const live = status !== "deregistered" && status !== "expired";
    /** @type {Array<[string, any]>} */
    const items = [
      ["Last seen", h("span", { class: "seen", title: reg.lastSeenAt }, ago(reg.lastSeenAt, now))],
      [
        "Lifetime",
        h(
          "span",
          { class: "left", title: reg.expiresAt },
          `${reg.lifetime} s`,
          live ? ` (${countdown(reg.expiresAt, now)} left)` : "",
        ),
      ],
      ["Binding", `${reg.binding}${reg.queueMode ? ", queue mode" : ""}`],
      ["LwM2M", reg.lwm2mVersion],
      ["Address", h("code", {}, reg.address)],
      ["Security", reg.secure ? "DTLS" : "NoSec"],
      ["Formats", reg.supportedFormats?.join(", ") || "–"],
      ["Registered", clock(reg.registeredAt)],
    ];
    fill(facts, items.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))));
    fill(badge, statusBadge(status));
  }

  /** @param {string} method @param {string} path @param {import("./api.js").ApiAnswer} a */
  function logOperation(method, path, a) {
    const queued = a.status === 202;
    const li = h(
      "li",
      { class: a.ok ? (queued ? "queued" : "ok") : "failed" },
      h("span", { class: "time" }, clock(new Date().toISOString())),
      " ",
      h("b", {}, method),
      " ",
      h("code", {}, path || "/"),
      " → ",
      h("span", { class: "http-status" }, String(a.status)),
      h("span", { class: "muted" }, ` ${a.ms} ms`),
      queued ? h("span", {}, " queued: the device is asleep") : null,
      !a.ok ? h("div", { class: "error" }, errorText(a)) : null,
      a.body && typeof a.body === "object"
        ? jsonTree(a.body, { openDepth: 0, label: "answer" })
        : null,
    );
    opLog.prepend(li);
    while (opLog.children.length > MAX_LOG) opLog.lastElementChild?.remove();
  }

  /** @param {Record<string, unknown>} incoming @param {boolean} [fromObservation] */
  function applyValues(incoming, fromObservation = false) {
    const batch = new Map(Object.entries(incoming ?? {}));
    for (const [p, v] of batch) values.set(p, v);
    tree.showValues(batch);
    if (!fromObservation) return;
    for (const [p, v] of batch) {
      if (typeof v !== "number") continue;
      let chart = charts.get(p);
      if (!chart) {
        const node = tree.el.querySelector(
          `.node[data-path="${p.split("/").slice(0, 4).join("/")}"]`,
        );
        chart = new LiveChart(p, node?.dataset.name ?? "", node?.dataset.units ?? "");
        if (charts.size === 0) chartsBox.replaceChildren();
        charts.set(p, chart);
        chartsBox.append(chart.el);
      }
      chart.add(v);
    }
  }

  /** @param {any} e */
  function logEvent(e) {
    const li = h(
      "li",
      { class: `event ${e.type}`, "data-type": e.type },
      h("span", { class: "time" }, clock(e.time)),
      " ",
      h("b", {}, e.type),
      " ",
      h("span", {}, eventSummary(e)),
    );
    eventLog.prepend(li);
    while (eventLog.children.length > MAX_EVENTS) eventLog.lastElementChild?.remove();
  }

  /** @param {any} next */
  async function setRegistration(next) {
    const linksChanged = !reg ||
      JSON.stringify(reg.objectLinks) !== JSON.stringify(next.objectLinks);
    reg = next;
    status = statusOf(reg);
    message.hidden = true;
    renderFacts();
    if (linksChanged) {
      await tree.render(reg.objectLinks);
      tree.showValues(values);
      for (const p of observed) tree.markObserved(p, true);
    }
  }

  async function load() {
    const a = await api("GET", `api/clients/${seg(endpoint)}`);
    if (a.ok) await setRegistration(a.body);
    else {
      message.hidden = false;
      message.textContent = a.status === 404
        ? `${endpoint} is not registered now; this page updates when it registers.`
        : errorText(a);
    }
  }

  const stream = new EventStream({
    endpoints: [endpoint],
    onReconnect: () => load(),
    onEvent(e) {
      if (e.endpoint !== endpoint && e.type !== "dropped") return;
      logEvent(e);
      switch (e.type) {
        case "registered":
        case "updated":
          setRegistration(e.registration); // the gateway re-issues observations after a Register
          break;
        case "deregistered":
        case "expired":
          status = e.type;
          renderFacts();
          break;
        case "sleeping":
        case "awake":
          if (reg) {
            reg = { ...reg, sleeping: e.type === "sleeping", lastSeenAt: e.time };
            status = statusOf(reg);
            renderFacts();
          }
          break;
        case "notification":
        case "send":
          if (e.values) applyValues(e.values, true);
          if (reg) reg = { ...reg, lastSeenAt: e.time };
          break;
        case "requestCompleted":
          if (e.result?.values) applyValues(e.result.values);
          break;
      }
    },
  });

  const ticker = setInterval(renderFacts, 1000);
  load();
  return () => {
    stream.close();
    clearInterval(ticker);
  };
}
