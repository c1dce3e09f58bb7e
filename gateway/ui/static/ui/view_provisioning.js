/**
 * Provisioning view (`#/provisioning`): the DTLS credentials of `api/security/{ep}` (PSK identity
 * and key, or NoSec) and the bootstrap configurations of `api/bootstrap/{ep}` (bootstrap_form.js).
 * Secrets are write-only, as in the API: a key goes out in a password field and never comes back
 * (lists show only "key stored"); editing an entry means typing its key again.
 */

import { api, errorText, seg } from "./api.js";
import { bootstrapSection } from "./bootstrap_form.js";
import { fill, h } from "./dom.js";

/** @param {HTMLElement} container */
export function mount(container) {
  fill(container, h("h1", {}, "Provisioning"), securitySection(), bootstrapSection());
}

function securitySection() {
  const rows = h("tbody", { id: "security-list" });
  const endpoint = h("input", {
    id: "sec-endpoint",
    placeholder: "endpoint, e.g. lamp-17",
    required: true,
  });
  const mode = h(
    "select",
    { id: "sec-mode", "aria-label": "security mode" },
    h("option", { value: "psk" }, "PSK"),
    h("option", { value: "nosec" }, "NoSec"),
  );
  const identity = h("input", { id: "sec-identity", placeholder: "PSK identity (UTF-8)" });
  const key = h("input", {
    id: "sec-key",
    type: "password",
    autocomplete: "new-password",
    placeholder: "PSK key as hex (write-only)",
  });
  const save = h(
    "button",
    { type: "submit", class: "primary", id: "sec-save" },
    "Save credentials",
  );
  const message = h("p", { class: "muted", id: "sec-message" });
  const syncMode = () => {
    identity.disabled = key.disabled = mode.value !== "psk";
  };
  mode.addEventListener("change", syncMode);

  /** @param {string} text @param {boolean} [bad] */
  const say = (text, bad = false) => {
    message.textContent = text;
    message.className = bad ? "error" : "muted";
  };

  async function load() {
    const a = await api("GET", "api/security");
    if (!a.ok) return say(errorText(a), true);
    /** @type {any[]} */
    const list = a.body.credentials ?? [];
    fill(
      rows,
      list.length ? null : h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No credentials.")),
      list.map((c) =>
        h(
          "tr",
          { "data-endpoint": c.endpoint },
          h("td", {}, c.endpoint),
          h("td", {}, c.mode),
          h("td", {}, c.identity ?? ""),
          h("td", {}, c.hasKey ? "key stored (write-only)" : ""),
          h(
            "td",
            {},
            h("button", { type: "button", onclick: () => edit(c) }, "Edit"),
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

  /** @param {any} c */
  function edit(c) {
    endpoint.value = c.endpoint;
    mode.value = c.mode;
    identity.value = c.identity ?? "";
    key.value = "";
    syncMode();
    say(c.hasKey ? "The stored key is not shown: type it again to save." : "");
    key.focus();
  }

  /** @param {string} ep */
  async function remove(ep) {
    const a = await api("DELETE", `api/security/${seg(ep)}`);
    if (!a.ok) say(errorText(a), true);
    else say(`Removed the credentials of ${ep}.`);
    load();
  }

  const form = h(
    "form",
    { class: "toolbar", id: "sec-form" },
    endpoint,
    mode,
    identity,
    key,
    save,
  );
  form.addEventListener("submit", async (/** @type {SubmitEvent} */ e) => {
    e.preventDefault();
    const body = mode.value === "psk"
      ? { mode: "psk", identity: identity.value, key: key.value.trim() }
      : { mode: "nosec" };
    const a = await api("PUT", `api/security/${seg(endpoint.value.trim())}`, body);
    key.value = ""; // never kept in the page
    if (!a.ok) return say(errorText(a), true);
    say(`Saved the credentials of ${a.body.endpoint}.`);
    load();
  });

  syncMode();
  load();
  return h(
    "section",
    { class: "card", id: "security" },
    h("h2", {}, "DTLS credentials"),
    form,
    message,
    h(
      "table",
      { class: "grid" },
      h(
        "thead",
        {},
        h("tr", {}, ["Endpoint", "Mode", "Identity", "Key", ""].map((t) => h("th", {}, t))),
      ),
      rows,
    ),
  );
}
