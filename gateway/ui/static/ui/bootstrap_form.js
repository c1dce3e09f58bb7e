/**
 * The bootstrap part of the provisioning view (LwM2M Core §6.1; docs/api.md "Bootstrap
 * configuration"): the list of `api/bootstrap` configurations with Edit, Delete and Trigger
 * (server-initiated bootstrap), and a form for one LwM2M server account, an optional bootstrap
 * server account, the paths to delete and extra object values. Keys are write-only: the form
 * never shows a stored one, and saving a PSK account needs its key typed again.
 */

import { api, errorText, seg } from "./api.js";
import { fill, h } from "./dom.js";

/** @param {string} id @param {string} placeholder @param {Record<string, any>} [extra] */
const input = (id, placeholder, extra = {}) =>
  h("input", { id, placeholder, "aria-label": placeholder, ...extra });

/** @param {string} id */
function modeSelect(id) {
  return h(
    "select",
    { id, "aria-label": "security mode" },
    h("option", { value: "nosec" }, "NoSec (coap://)"),
    h("option", { value: "psk" }, "PSK (coaps://)"),
  );
}

export function bootstrapSection() {
  const rows = h("tbody", { id: "bootstrap-list" });
  const message = h("p", { class: "muted", id: "bs-message" });
  const f = {
    endpoint: input("bs-endpoint", "endpoint", { required: true }),
    ssid: input("bs-ssid", "short server id", { type: "number", value: 1, min: 1, max: 65534 }),
    uri: input("bs-uri", "server URI, e.g. coap://gw.example:5683", { required: true, size: 32 }),
    mode: modeSelect("bs-mode"),
    identity: input("bs-identity", "PSK identity"),
    key: input("bs-key", "PSK key, hex (write-only)", {
      type: "password",
      autocomplete: "new-password",
    }),
    lifetime: input("bs-lifetime", "lifetime s", { type: "number", value: 300, min: 1 }),
    binding: input("bs-binding", "binding", { value: "U", size: 4 }),
    bsUri: input("bs-bs-uri", "bootstrap server URI (optional)", { size: 32 }),
    bsMode: modeSelect("bs-bs-mode"),
    bsIdentity: input("bs-bs-identity", "bootstrap PSK identity"),
    bsKey: input("bs-bs-key", "bootstrap PSK key, hex (write-only)", {
      type: "password",
      autocomplete: "new-password",
    }),
    del: input("bs-delete", "delete first, e.g. /0,/1", { size: 16 }),
    objects: h("textarea", {
      id: "bs-objects",
      rows: 3,
      placeholder: '{"/3311/0/5850": false}',
      spellcheck: "false",
    }),
  };

  /** @param {string} text @param {boolean} [bad] */
  const say = (text, bad = false) => {
    message.textContent = text;
    message.className = bad ? "error" : "muted";
  };

  /** @param {any} mode @param {any} identity @param {any} key */
  const account = (mode, identity, key) =>
    mode.value === "psk"
      ? { securityMode: "psk", identity: identity.value, key: key.value.trim() }
      : { securityMode: "nosec" };

  function body() {
    /** @type {Record<string, any>} */
    const out = {
      servers: [{
        shortServerId: Number(f.ssid.value),
        uri: f.uri.value.trim(),
        ...account(f.mode, f.identity, f.key),
        lifetime: Number(f.lifetime.value),
        binding: f.binding.value.trim() || "U",
      }],
    };
    if (f.bsUri.value.trim()) {
      out.bootstrapServer = {
        uri: f.bsUri.value.trim(),
        ...account(f.bsMode, f.bsIdentity, f.bsKey),
      };
    }
    const del = f.del.value.split(",").map((/** @type {string} */ s) => s.trim()).filter(Boolean);
    if (del.length) out.delete = del;
    if (f.objects.value.trim()) out.objects = JSON.parse(f.objects.value);
    return out;
  }

  /** @param {any} c a configuration as GET answers it (keys as hasKey) */
  function edit(c) {
    const s = c.servers?.[0] ?? {};
    f.endpoint.value = c.endpoint;
    f.ssid.value = s.shortServerId ?? 1;
    f.uri.value = s.uri ?? "";
    f.mode.value = s.securityMode ?? "nosec";
    f.identity.value = s.identity ?? "";
    f.lifetime.value = s.lifetime ?? 300;
    f.binding.value = s.binding ?? "U";
    f.bsUri.value = c.bootstrapServer?.uri ?? "";
    f.bsMode.value = c.bootstrapServer?.securityMode ?? "nosec";
    f.bsIdentity.value = c.bootstrapServer?.identity ?? "";
    f.key.value = f.bsKey.value = "";
    f.del.value = (c.delete ?? []).join(",");
    f.objects.value = c.objects ? JSON.stringify(c.objects) : "";
    const stored = s.hasKey || c.bootstrapServer?.hasKey;
    say(stored ? "Stored keys are not shown: type them again to save." : "");
  }

  async function load() {
    const a = await api("GET", "api/bootstrap");
    if (!a.ok) return say(errorText(a), true);
    /** @type {any[]} */
    const list = a.body.configs ?? [];
    fill(
      rows,
      list.length
        ? null
        : h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No bootstrap configurations.")),
      list.map((c) =>
        h(
          "tr",
          { "data-endpoint": c.endpoint },
          h("td", {}, c.endpoint),
          h(
            "td",
            {},
            (c.servers ?? []).map((/** @type {any} */ s) =>
              `${s.shortServerId}: ${s.uri} (${s.securityMode}${s.hasKey ? ", key stored" : ""})`
            ).join("; "),
          ),
          h(
            "td",
            {},
            c.bootstrapServer
              ? `${c.bootstrapServer.uri}${c.bootstrapServer.hasKey ? " (key stored)" : ""}`
              : "",
          ),
          h("td", {}, (c.delete ?? []).join(" ")),
          h(
            "td",
            {},
            h("button", { type: "button", onclick: () => edit(c) }, "Edit"),
            " ",
            h("button", { type: "button", onclick: () => trigger(c.endpoint) }, "Trigger"),
            " ",
            h("button", {
              type: "button",
              class: "danger",
              onclick: () => remove(c.endpoint),
            }, "Delete"),
          ),
        )
      ),
    );
  }

  /** @param {string} ep */
  async function trigger(ep) {
    const a = await api("POST", `api/bootstrap/${seg(ep)}/trigger`);
    say(
      a.ok
        ? `Bootstrap triggered on ${ep}${a.status === 202 ? " (queued: asleep)" : ""}.`
        : errorText(a),
      !a.ok,
    );
  }

  /** @param {string} ep */
  async function remove(ep) {
    const a = await api("DELETE", `api/bootstrap/${seg(ep)}`);
    say(a.ok ? `Removed the configuration of ${ep}.` : errorText(a), !a.ok);
    load();
  }

  const form = h(
    "form",
    { id: "bs-form", class: "stack" },
    h("div", { class: "toolbar" }, f.endpoint),
    h(
      "div",
      { class: "toolbar" },
      h("b", {}, "Server"),
      f.ssid,
      f.uri,
      f.mode,
      f.identity,
      f.key,
      f.lifetime,
      f.binding,
    ),
    h(
      "div",
      { class: "toolbar" },
      h("b", {}, "Bootstrap server"),
      f.bsUri,
      f.bsMode,
      f.bsIdentity,
      f.bsKey,
    ),
    h("div", { class: "toolbar" }, h("b", {}, "Delete"), f.del, h("b", {}, "Objects"), f.objects),
    h(
      "div",
      { class: "toolbar" },
      h("button", { type: "submit", class: "primary", id: "bs-save" }, "Save configuration"),
    ),
  );
  form.addEventListener("submit", async (/** @type {SubmitEvent} */ e) => {
    e.preventDefault();
    let data;
    try {
      data = body();
    } catch (err) {
      return say(`Objects: not valid JSON (${/** @type {Error} */ (err).message})`, true);
    }
    const a = await api("PUT", `api/bootstrap/${seg(f.endpoint.value.trim())}`, data);
    f.key.value = f.bsKey.value = ""; // never kept in the page
    if (!a.ok) return say(errorText(a), true);
    say(`Saved the bootstrap configuration of ${a.body.endpoint}.`);
    load();
  });

  load();
  return h(
    "section",
    { class: "card", id: "bootstrap" },
    h("h2", {}, "Bootstrap configurations"),
    form,
    message,
    h(
      "table",
      { class: "grid" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Endpoint", "Servers", "Bootstrap server", "Delete", ""].map((t) => h("th", {}, t)),
        ),
      ),
      rows,
    ),
  );
}
