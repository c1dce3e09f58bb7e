/**
 * `GET /api/docs`: a small self-contained HTML page (inline CSS and script, no CDN, works offline)
 * that fetches the generated /api/openapi.json and renders each operation: method, path, summary,
 * description, parameters, request body schema and responses. The page itself holds no data and
 * is served without a token; when the API needs one, the page asks for it and sends it as
 * `Authorization: Bearer` (kept in sessionStorage only).
 */

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LwM2M gateway API</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem; color: #1d1d1f; }
h1 { font-size: 1.4rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; text-transform: capitalize; }
details { border: 1px solid #ddd; border-radius: 6px; margin: .4rem 0; }
summary { cursor: pointer; padding: .45rem .6rem; display: flex; gap: .8rem; align-items: baseline; }
.op { padding: 0 .8rem .6rem; }
.m { font: bold 12px monospace; min-width: 4.2rem; text-align: center; border-radius: 4px; padding: .15rem .3rem; color: #fff; }
.get { background: #2b7bb9; } .post { background: #2f9e44; } .put { background: #e67700; }
.patch { background: #9c36b5; } .delete { background: #c92a2a; }
code, pre { font-family: ui-monospace, monospace; font-size: 12px; }
pre { background: #f6f8fa; padding: .5rem; overflow: auto; max-height: 24rem; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #e3e3e3; padding: .25rem .4rem; text-align: left; vertical-align: top; }
#bar { display: flex; gap: .5rem; flex-wrap: wrap; } #bar input { padding: .3rem; } #filter { flex: 1; }
.muted { color: #666; } .error { color: #c92a2a; }
</style>
</head>
<body>
<h1>LwM2M gateway API <span id="version" class="muted"></span></h1>
<p class="muted">Generated from <a id="spec" href="openapi.json">openapi.json</a>.
Errors are <code>{"error":{"code","message","coapCode"?}}</code>; see docs/api.md for the full guide.</p>
<div id="bar">
<input id="filter" placeholder="filter by path or summary">
<input id="token" type="password" placeholder="API token (if required)" hidden>
</div>
<p id="status" class="muted">loading...</p>
<main id="ops"></main>
<script>
"use strict";
const specUrl = location.pathname.replace(/\\/docs\\/?$/, "/openapi.json");
document.getElementById("spec").href = specUrl;
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
};
const json = (v) => el("pre", {}, JSON.stringify(v, null, 2));
/** Text with \`code\` spans (the only markup the route descriptions use). */
const prose = (text) => text.split("\`").map((part, i) => i % 2 ? el("code", {}, part) : part);
const typeOf = (s) => !s ? "" : s.enum ? s.enum.join(" | ") : s.type ?? (s.anyOf ? "any of" : "");

function operation(path, method, op) {
  const body = el("div", { class: "op" });
  if (op.description) body.append(el("p", {}, ...prose(op.description)));
  if (op.parameters?.length) {
    const rows = op.parameters.map((p) => el("tr", {},
      el("td", {}, el("code", {}, p.name)), el("td", {}, p.in), el("td", {}, p.required ? "yes" : ""),
      el("td", {}, typeOf(p.schema)), el("td", {}, p.description ?? "")));
    body.append(el("h4", {}, "Parameters"), el("table", {},
      el("tr", {}, ...["name", "in", "required", "type", "description"].map((h) => el("th", {}, h))),
      ...rows));
  }
  if (op.requestBody) {
    body.append(el("h4", {}, "Request body"));
    for (const [type, media] of Object.entries(op.requestBody.content ?? {})) {
      body.append(el("p", {}, el("code", {}, type)), json(media.schema ?? {}));
    }
  }
  body.append(el("h4", {}, "Responses"));
  for (const [status, r] of Object.entries(op.responses ?? {})) {
    body.append(el("p", {}, el("b", {}, status + " "), r.description ?? ""));
    for (const [type, media] of Object.entries(r.content ?? {})) {
      body.append(el("p", { class: "muted" }, type), json(media.schema ?? {}));
    }
  }
  const head = el("summary", {}, el("span", { class: "m " + method }, method.toUpperCase()),
    el("code", {}, path), el("span", { class: "muted" }, op.summary ?? ""));
  const d = el("details", {}, head, body);
  d.dataset.text = (method + " " + path + " " + (op.summary ?? "")).toLowerCase();
  return d;
}

function render(spec) {
  document.getElementById("version").textContent = "v" + (spec.info?.version ?? "");
  const byTag = new Map();
  for (const [path, methods] of Object.entries(spec.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(path, method, op));
    }
  }
  const main = document.getElementById("ops");
  main.replaceChildren();
  for (const [tag, ops] of byTag) main.append(el("h2", {}, tag), ...ops);
  const count = [...byTag.values()].reduce((n, ops) => n + ops.length, 0);
  document.getElementById("status").textContent = count + " operations";
}

async function load() {
  const token = sessionStorage.getItem("lwm2m-token");
  const headers = token ? { authorization: "Bearer " + token } : {};
  const status = document.getElementById("status");
  try {
    const res = await fetch(specUrl, { headers });
    if (res.status === 401) {
      const input = document.getElementById("token");
      input.hidden = false;
      input.focus();
      status.textContent = "This API needs a token: enter it and press Enter.";
      status.className = "error";
      return;
    }
    if (!res.ok) throw new Error("HTTP " + res.status);
    status.className = "muted";
    render(await res.json());
  } catch (e) {
    status.textContent = "could not load the API description: " + e.message;
    status.className = "error";
  }
}

document.getElementById("token").addEventListener("keydown", (e) => {
  if (e.key !== "Enter") return;
  sessionStorage.setItem("lwm2m-token", e.target.value);
  load();
});
document.getElementById("filter").addEventListener("input", (e) => {
  const q = e.target.value.toLowerCase();
  for (const d of document.querySelectorAll("details")) d.hidden = !d.dataset.text.includes(q);
});
load();
</script>
</body>
</html>
`;

/** The page's HTML (static: the route table is read by the page's script at run time). */
export function docsPage(): string {
  return PAGE;
}
