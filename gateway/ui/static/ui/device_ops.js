/**
 * The device page's operations on one tree node (DESIGN.md §6 routes under
 * `api/clients/{ep}/{path}`): Read, Write (a typed field for a resource, JSON values with
 * replace/partial for an instance), Execute, Create, Delete, Discover, Write-Attributes and
 * Observe / Cancel. Each asks what it needs in a dialog, calls the API, logs the answer, and hands
 * returned values to the page. A 202 (sleeping queue-mode client) is logged as queued; its result
 * arrives later as a `requestCompleted` event.
 */

import { api } from "./api.js";
import { formDialog } from "./form_dialog.js";
import { clientPath } from "./object_tree.js";

/**
 * @typedef {{
 *   endpoint: string,
 *   format: () => string,
 *   values: Map<string, unknown>,
 *   observed: Set<string>,
 *   log: (method: string, path: string, answer: import("./api.js").ApiAnswer) => void,
 *   applyValues: (values: Record<string, unknown>, observed?: boolean) => void,
 *   showAttributes: (links: any[]) => void,
 *   markObserved: (path: string, on: boolean) => void,
 * }} OpContext
 * @typedef {import("./object_tree.js").TreeNode} TreeNode
 */

const NUMERIC = new Set(["integer", "unsigned", "float", "time"]);
const ATTRIBUTES = ["pmin", "pmax", "gt", "lt", "st", "epmin", "epmax", "edge", "con", "hqmax"];

/** `?format=` when one is chosen. @param {OpContext} ctx */
function formatQuery(ctx) {
  const f = ctx.format();
  return f ? `?format=${encodeURIComponent(f)}` : "";
}

/** The dialog field for one resource value. @param {any} r @param {unknown} current */
function valueField(r, current) {
  if (r.type === "boolean") {
    return {
      name: "value",
      label: "Value",
      kind: /** @type {const} */ ("bool"),
      value: current === true,
    };
  }
  if (NUMERIC.has(r.type)) {
    return {
      name: "value",
      label: `Value (${r.type}${r.units ? `, ${r.units}` : ""}${r.range ? `, ${r.range}` : ""})`,
      kind: /** @type {const} */ ("number"),
      value: typeof current === "number" ? current : "",
      required: true,
    };
  }
  const hint = r.type === "opaque"
    ? "base64"
    : r.type === "objlnk"
    ? `"objectId:instanceId", e.g. 3:0`
    : undefined;
  return {
    name: "value",
    label: `Value (${r.type})`,
    kind: /** @type {const} */ ("text"),
    value: current ?? "",
    hint,
  };
}

/** Current values under an instance, keyed by resource id (writable ones only). @param {TreeNode} node @param {OpContext} ctx */
function writableValues(node, ctx) {
  /** @type {Record<string, unknown>} */
  const out = {};
  const writable = new Set(
    (node.model?.resources ?? []).filter((/** @type {any} */ r) => r.operations.includes("W")).map((
      /** @type {any} */ r,
    ) => String(r.id)),
  );
  for (const [path, v] of ctx.values) {
    if (!path.startsWith(node.path + "/")) continue;
    const rest = path.slice(node.path.length + 1);
    if (writable.has(rest.split("/")[0])) out[rest] = v;
  }
  return out;
}

/** Runs `op` on `node`. @param {string} op @param {TreeNode} node @param {OpContext} ctx */
export async function runOperation(op, node, ctx) {
  const path = clientPath(ctx.endpoint, node.path);
  /** @type {(method: string, url: string, body?: any) => Promise<import("./api.js").ApiAnswer>} */
  const call = async (method, url, body) => {
    const answer = await api(method, url, body);
    ctx.log(method, url.replace(/^api\/clients\/[^/]+/, ""), answer);
    return answer;
  };
  switch (op) {
    case "read": {
      const a = await call("GET", path + formatQuery(ctx));
      if (a.status === 200) ctx.applyValues(a.body.values);
      return;
    }
    case "write": {
      if (node.level === "resource" && !node.resource?.multiple) {
        const form = await formDialog({
          title: `Write ${node.path}`,
          intro: node.resource?.name,
          fields: [valueField(node.resource ?? {}, ctx.values.get(node.path))],
          submit: "Write",
        });
        if (!form || form.value === undefined) return;
        const a = await call("PUT", path + formatQuery(ctx), { value: form.value });
        if (a.ok && a.status !== 202) ctx.applyValues({ [node.path]: form.value });
        return;
      }
      const form = await formDialog({
        title: `Write ${node.path}`,
        intro: "Values by resource id relative to this path (or full paths).",
        fields: [
          {
            name: "values",
            label: "Values (JSON)",
            kind: "json",
            value: writableValues(node, ctx),
          },
          {
            name: "mode",
            label: "Mode",
            kind: "select",
            value: "patch",
            options: [["patch", "partial update (PATCH)"], ["put", "replace (PUT)"]],
          },
        ],
        submit: "Write",
      });
      if (!form || !form.values) return;
      await call(form.mode === "put" ? "PUT" : "PATCH", path + formatQuery(ctx), {
        values: form.values,
      });
      return;
    }
    case "execute": {
      const form = await formDialog({
        title: `Execute ${node.path}`,
        intro: node.resource?.name,
        fields: [{ name: "args", label: "Arguments (optional), e.g. 0='a',1", kind: "text" }],
        submit: "Execute",
      });
      if (!form) return;
      await call("POST", `${path}/execute`, form.args || "");
      return;
    }
    case "create": {
      const form = await formDialog({
        title: `Create an instance of ${node.path}`,
        intro: node.model?.name,
        fields: [
          { name: "instanceId", label: "Instance id (empty: the device chooses)", kind: "number" },
          { name: "values", label: "Values by resource id (JSON)", kind: "json", value: {} },
        ],
        submit: "Create",
      });
      if (!form) return;
      /** @type {Record<string, unknown>} */
      const body = { values: form.values ?? {} };
      if (form.instanceId !== undefined) body.instanceId = form.instanceId;
      await call("POST", path, body);
      return;
    }
    case "delete": {
      const form = await formDialog({
        title: `Delete ${node.path}?`,
        intro: "The device removes this instance.",
        fields: [],
        submit: "Delete",
        danger: true,
      });
      if (form) await call("DELETE", path);
      return;
    }
    case "discover": {
      const a = await call("GET", `${path}/discover`);
      if (a.status === 200) ctx.showAttributes(a.body.links ?? []);
      return;
    }
    case "attributes": {
      const form = await formDialog({
        title: `Write-Attributes ${node.path}`,
        intro: "Leave a field empty to keep it; write null to unset it.",
        fields: ATTRIBUTES.map((name) => ({ name, label: name, kind: "text" })),
        submit: "Write attributes",
      });
      if (!form) return;
      /** @type {Record<string, number|boolean|null>} */
      const body = {};
      for (const name of ATTRIBUTES) {
        const text = String(form[name] ?? "").trim();
        if (text === "") continue;
        body[name] = text === "null"
          ? null
          : text === "true"
          ? true
          : text === "false"
          ? false
          : Number(text);
      }
      await call("PUT", `${path}/attributes`, body);
      return;
    }
    case "observe": {
      if (ctx.observed.has(node.path)) {
        const a = await call("DELETE", `${path}/observe`);
        if (a.ok || a.status === 404) {
          ctx.observed.delete(node.path);
          ctx.markObserved(node.path, false);
        }
        return;
      }
      const a = await call("POST", `${path}/observe${formatQuery(ctx)}`);
      if (a.status === 200) {
        ctx.observed.add(node.path);
        ctx.markObserved(node.path, true);
        ctx.applyValues(a.body.values ?? {}, true);
      }
      return;
    }
  }
}
