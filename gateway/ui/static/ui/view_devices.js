/**
 * Devices view (`#/`): the registrations, one page at a time from the server
 * (`GET api/clients?prefix=&limit=&cursor=`, sorted by endpoint), so it stays fast with 100,000
 * devices: the browser never holds more than one page. Search is an endpoint prefix. Rows update
 * live from the event stream (registered/updated/deregistered/expired/sleeping/awake); last seen
 * and the lifetime countdown tick every second; new registrations are counted, not inserted (the
 * page keeps its place). The total is the gateway's /metrics gauge, re-read (at most every 2 s)
 * when registrations come and go.
 */

import { api, apiUrl, errorText } from "./api.js";
import { ago, countdown, debounce, fill, h, throttle } from "./dom.js";
import { EventStream } from "./events.js";
import { statusBadge, statusOf } from "./status.js";

const LIVE_TYPES = ["registered", "updated", "deregistered", "expired", "sleeping", "awake"];
const PAGE_SIZES = [25, 50, 100, 500];

/** The registered-clients gauge of /metrics (open without a token), or null. */
async function totalRegistrations() {
  try {
    const res = await fetch(apiUrl("metrics"));
    if (!res.ok) return null;
    const m = /^lwm2m_registrations (\d+)/m.exec(await res.text());
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Object ids of a registration's links, e.g. "1 3 3311". @param {any} reg */
function objectIds(reg) {
  const ids = new Set();
  for (const link of reg.objectLinks ?? []) {
    const m = /^\/(\d+)/.exec(link.path);
    if (m) ids.add(m[1]);
  }
  return [...ids].join(" ");
}

/** @param {HTMLElement} container */
export function mount(container) {
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const state = {
    prefix: params.get("prefix") ?? "",
    limit: 50,
    /** cursors[i] opens page i (undefined for the first) */
    cursors: /** @type {(string|undefined)[]} */ ([undefined]),
    page: 0,
    nextCursor: /** @type {string|null} */ (null),
    newCount: 0,
  };
  /** @type {Map<string, { reg: any, status: string, tr: HTMLElement }>} */
  const rows = new Map();

  const search = h("input", {
    id: "search",
    type: "search",
    placeholder: "endpoint prefix, e.g. lamp-",
    value: state.prefix,
    "aria-label": "search by endpoint prefix",
  });
  const size = h(
    "select",
    { id: "page-size", "aria-label": "page size" },
    PAGE_SIZES.map((n) => h("option", { value: n, selected: n === state.limit }, `${n} a page`)),
  );
  const prev = h("button", { id: "prev", type: "button" }, "‹ Previous");
  const next = h("button", { id: "next", type: "button" }, "Next ›");
  const info = h("span", { id: "page-info", class: "muted" });
  const total = h("span", { id: "total", class: "muted" });
  const banner = h("button", {
    id: "new-registrations",
    type: "button",
    class: "banner",
    hidden: true,
  });
  const tbody = h("tbody", { id: "devices" });
  const error = h("p", { class: "error", hidden: true });

  fill(
    container,
    h("div", { class: "toolbar" }, h("h1", {}, "Devices"), total),
    h("div", { class: "toolbar" }, search, size, prev, next, info, banner),
    error,
    h(
      "table",
      { class: "grid devices" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Endpoint", "Status", "Last seen", "Lifetime left", "Binding", "Address", "Objects"].map(
            (t) => h("th", {}, t),
          ),
        ),
      ),
      tbody,
    ),
  );

  /** Re-reads the registered-clients gauge, at most every 2 s while events come. */
  const refreshTotal = throttle(async () => {
    const n = await totalRegistrations();
    total.textContent = n === null ? "" : `${n.toLocaleString()} registered`;
  }, 2000);

  /** @param {any} reg @param {string} status */
  function rowOf(reg, status) {
    const tr = h(
      "tr",
      { "data-endpoint": reg.endpoint, class: `status-${status}` },
      h("td", {}, h("a", { href: `#/device/${encodeURIComponent(reg.endpoint)}` }, reg.endpoint)),
      h("td", { class: "status" }, statusBadge(status)),
      h("td", { class: "seen", title: reg.lastSeenAt }, ago(reg.lastSeenAt)),
      h(
        "td",
        { class: "left", title: reg.expiresAt },
        status === "expired" || status === "deregistered" ? "" : countdown(reg.expiresAt),
      ),
      h("td", {}, reg.binding + (reg.queueMode ? " (queue)" : "")),
      h("td", { class: "mono" }, reg.address),
      h("td", { class: "mono" }, objectIds(reg)),
    );
    return tr;
  }

  /** @param {string} endpoint @param {any} reg @param {string} status */
  function update(endpoint, reg, status) {
    const row = rows.get(endpoint);
    if (!row) return;
    const tr = rowOf(reg, status);
    row.tr.replaceWith(tr);
    rows.set(endpoint, { reg, status, tr });
  }

  /** Each load's number: only the newest answer is shown (typing fires several). */
  let loads = 0;
  /** Row events that arrived while a page was loading, applied to the new rows after it. */
  /** @type {any[] | null} */
  let pending = null;

  async function load() {
    const mine = ++loads;
    pending ??= [];
    const query = new URLSearchParams({ limit: String(state.limit) });
    if (state.prefix) query.set("prefix", state.prefix);
    const cursor = state.cursors[state.page];
    if (cursor !== undefined) query.set("cursor", cursor);
    const answer = await api("GET", `api/clients?${query}`);
    if (mine !== loads) return;
    const missed = pending ?? [];
    pending = null;
    if (!answer.ok) {
      error.hidden = false;
      error.textContent = errorText(answer);
      return;
    }
    error.hidden = true;
    rows.clear();
    const trs = answer.body.clients.map((/** @type {any} */ reg) => {
      const status = statusOf(reg);
      const tr = rowOf(reg, status);
      rows.set(reg.endpoint, { reg, status, tr });
      return tr;
    });
    fill(
      tbody,
      trs.length
        ? trs
        : h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No registrations match.")),
    );
    state.nextCursor = answer.body.nextCursor;
    prev.disabled = state.page === 0;
    next.disabled = state.nextCursor === null;
    const first = state.page * state.limit + 1;
    info.textContent = trs.length
      ? `${first}–${first + trs.length - 1}${
        state.prefix ? ` starting with “${state.prefix}”` : ""
      }`
      : "";
    state.newCount = 0;
    banner.hidden = true;
    for (const e of missed) rowEvent(e);
    refreshTotal();
  }

  /** A registration event on the rows shown. @param {any} e */
  function rowEvent(e) {
    const row = rows.get(e.endpoint);
    if (e.type === "registered" || e.type === "updated") {
      if (row) update(e.endpoint, e.registration, statusOf(e.registration));
      else if (e.type === "registered" && e.endpoint.startsWith(state.prefix)) {
        state.newCount++;
        banner.hidden = false;
        banner.textContent = `${state.newCount} new registration${
          state.newCount > 1 ? "s" : ""
        }: reload`;
      }
    } else if (row && (e.type === "deregistered" || e.type === "expired")) {
      update(e.endpoint, row.reg, e.type);
    } else if (row && (e.type === "sleeping" || e.type === "awake")) {
      const reg = { ...row.reg, sleeping: e.type === "sleeping", lastSeenAt: e.time };
      update(e.endpoint, reg, statusOf(reg));
    }
  }

  const restart = () => {
    state.cursors = [undefined];
    state.page = 0;
    load();
  };
  search.addEventListener(
    "input",
    debounce(() => {
      state.prefix = search.value.trim();
      restart();
    }, 250),
  );
  size.addEventListener("change", () => {
    state.limit = Number(size.value);
    restart();
  });
  prev.addEventListener("click", () => {
    if (state.page === 0) return;
    state.page--;
    load();
  });
  next.addEventListener("click", () => {
    if (state.nextCursor === null) return;
    state.cursors[state.page + 1] = state.nextCursor;
    state.page++;
    load();
  });
  banner.addEventListener("click", () => load());

  const stream = new EventStream({
    types: LIVE_TYPES,
    onReconnect: () => load(),
    onEvent(e) {
      if (e.type === "registered" || e.type === "deregistered" || e.type === "expired") {
        refreshTotal();
      }
      if (pending) pending.push(e);
      else rowEvent(e);
    },
  });

  const ticker = setInterval(() => {
    const now = Date.now();
    for (const { reg, status, tr } of rows.values()) {
      /** @type {HTMLElement} */ (tr.querySelector(".seen")).textContent = ago(reg.lastSeenAt, now);
      if (status !== "expired" && status !== "deregistered") {
        /** @type {HTMLElement} */ (tr.querySelector(".left")).textContent = countdown(
          reg.expiresAt,
          now,
        );
      }
    }
  }, 1000);

  load();
  search.focus();
  return () => {
    stream.close();
    clearInterval(ticker);
  };
}
