/**
 * A modal form built from a field list (<dialog>): the dashboard's Write, Execute, Create,
 * Write-Attributes and confirmation prompts. Resolves with the parsed values, or null when
 * cancelled; JSON fields are parsed before closing and a syntax error keeps the dialog open.
 */

import { h } from "./dom.js";

/**
 * @typedef {{ name: string, label: string,
 *   kind?: "text"|"number"|"bool"|"json"|"select"|"password",
 *   value?: any, options?: Array<[string, string]>, hint?: string, required?: boolean }} Field
 */

/** @param {Field} f */
function control(f) {
  const id = `f-${f.name}`;
  if (f.kind === "bool") {
    return h(
      "select",
      { id, name: f.name },
      h("option", { value: "true", selected: f.value === true }, "true"),
      h("option", { value: "false", selected: f.value !== true }, "false"),
    );
  }
  if (f.kind === "select") {
    return h(
      "select",
      { id, name: f.name },
      (f.options ?? []).map(([v, label]) =>
        h("option", { value: v, selected: v === f.value }, label)
      ),
    );
  }
  if (f.kind === "json") {
    return h("textarea", {
      id,
      name: f.name,
      rows: 6,
      spellcheck: "false",
      value: f.value === undefined ? "" : JSON.stringify(f.value, null, 2),
    });
  }
  return h("input", {
    id,
    name: f.name,
    type: f.kind === "number" ? "number" : f.kind === "password" ? "password" : "text",
    step: f.kind === "number" ? "any" : undefined,
    autocomplete: "off",
    required: f.required,
    value: f.value ?? "",
  });
}

/** @param {Field} f @param {any} el */
function parse(f, el) {
  const raw = el.value;
  if (f.kind === "bool") return raw === "true";
  if (f.kind === "number") return raw === "" ? undefined : Number(raw);
  if (f.kind === "json") return raw.trim() === "" ? undefined : JSON.parse(raw);
  return raw;
}

/**
 * Shows the form; resolves with {name: value} or null.
 * @param {{ title: string, intro?: string|Node, fields: Field[], submit: string, danger?: boolean }} spec
 * @returns {Promise<Record<string, any>|null>}
 */
export function formDialog(spec) {
  return new Promise((resolve) => {
    const controls = spec.fields.map((f) => ({ f, el: control(f) }));
    const error = h("p", { class: "error", hidden: true });
    const form = h(
      "form",
      { method: "dialog" },
      h("h2", {}, spec.title),
      spec.intro ? h("p", { class: "muted" }, spec.intro) : null,
      controls.map(({ f, el }) =>
        h(
          "label",
          { class: "field" },
          h("span", {}, f.label),
          el,
          f.hint ? h("small", { class: "muted" }, f.hint) : null,
        )
      ),
      error,
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "button", value: "cancel", class: "cancel" }, "Cancel"),
        h(
          "button",
          { type: "submit", value: "ok", class: spec.danger ? "danger" : "primary" },
          spec.submit,
        ),
      ),
    );
    const dialog = h("dialog", { class: "dialog op-dialog" }, form);
    /** @type {Record<string, any>|null} */
    let result = null;
    form.addEventListener("submit", (/** @type {SubmitEvent} */ e) => {
      try {
        result = Object.fromEntries(controls.map(({ f, el }) => [f.name, parse(f, el)]));
      } catch (err) {
        e.preventDefault();
        error.hidden = false;
        error.textContent = `Not valid JSON: ${/** @type {Error} */ (err).message}`;
      }
    });
    /** @type {HTMLElement} */ (form.querySelector(".cancel")).addEventListener(
      "click",
      () => dialog.close(),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    /** @type {HTMLElement|undefined} */ (controls[0]?.el)?.focus();
  });
}
