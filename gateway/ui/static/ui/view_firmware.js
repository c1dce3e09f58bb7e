/**
 * Firmware view (`#/firmware`; LwM2M Core Appendix E.6, object 5; docs/api.md "Firmware
 * update"): upload an image, start an update on one device or a whole group by push (Block1
 * write of /5/0/0) or pull (the device downloads from a URI), and follow every device's job as a
 * progress bar with its status, State and Update Result, live from `firmwareProgress` events.
 */

import { api, errorText, seg } from "./api.js";
import { clock, fill, h } from "./dom.js";
import { EventStream } from "./events.js";

/** @param {number} n */
function size(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** @param {HTMLElement} container */
export function mount(container) {
  /** @type {Map<string, HTMLElement>} endpoint -> job row */
  const jobRows = new Map();
  const file = h("input", { type: "file", id: "fw-file" });
  const name = h("input", { type: "text", id: "fw-name", placeholder: "label, e.g. v2.1" });
  const upload = h("button", { type: "button", id: "fw-upload", class: "primary" }, "Upload");
  const images = h("tbody", { id: "fw-images" });
  const imageSelect = h("select", { id: "fw-image", "aria-label": "image" });
  const targetKind = h(
    "select",
    { id: "fw-target-kind", "aria-label": "target" },
    h("option", { value: "client" }, "device"),
    h("option", { value: "group" }, "group"),
  );
  const target = h("input", {
    type: "text",
    id: "fw-target",
    placeholder: "endpoint or group name",
  });
  const method = h(
    "select",
    { id: "fw-method", "aria-label": "method" },
    h("option", { value: "push" }, "push (Block1 write)"),
    h("option", { value: "pull" }, "pull (device downloads)"),
  );
  const start = h("button", { type: "button", id: "fw-start", class: "primary" }, "Start update");
  const message = h("p", { id: "fw-message", class: "muted" });
  const jobs = h("tbody", { id: "fw-jobs" });

  fill(
    container,
    h("h1", {}, "Firmware"),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Images"),
      h("div", { class: "toolbar" }, file, name, upload),
      h(
        "table",
        { class: "grid" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Image", "Name", "Size", "SHA-256", "Uploaded", ""].map((t) => h("th", {}, t)),
          ),
        ),
        images,
      ),
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Update"),
      h("div", { class: "toolbar" }, imageSelect, "on", targetKind, target, "by", method, start),
      message,
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Jobs"),
      h(
        "table",
        { class: "grid" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Endpoint", "Method", "Status", "Progress", "State", "Result", "Updated"].map((t) =>
              h("th", {}, t)
            ),
          ),
        ),
        jobs,
      ),
    ),
  );

  /** @param {string} text @param {boolean} [bad] */
  const say = (text, bad = false) => {
    message.textContent = text;
    message.className = bad ? "error" : "muted";
  };

  async function loadImages() {
    const a = await api("GET", "api/firmware");
    if (!a.ok) return say(errorText(a), true);
    /** @type {any[]} */
    const list = a.body.images ?? [];
    fill(
      images,
      list.length ? null : h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No images yet.")),
      list.map((i) =>
        h(
          "tr",
          { "data-image": i.image },
          h("td", { class: "mono" }, i.image.slice(0, 12)),
          h("td", {}, i.name ?? ""),
          h("td", {}, size(i.size)),
          h("td", { class: "mono", title: i.sha256 }, i.sha256.slice(0, 16) + "…"),
          h("td", {}, clock(i.createdAt)),
          h(
            "td",
            {},
            h(
              "button",
              { type: "button", class: "danger", onclick: () => remove(i.image) },
              "Delete",
            ),
          ),
        )
      ),
    );
    fill(
      imageSelect,
      list.map((i) =>
        h("option", { value: i.image }, `${i.name ?? i.image.slice(0, 12)} (${size(i.size)})`)
      ),
    );
  }

  /** @param {string} id */
  async function remove(id) {
    const a = await api("DELETE", `api/firmware/${seg(id)}`);
    if (!a.ok) say(errorText(a), true);
    loadImages();
  }

  /** A job (GET api/clients/{ep}/firmware or a firmwareProgress event) as its row. @param {any} job */
  function showJob(job) {
    const percent = job.progress?.percent ?? 0;
    const status = job.status ?? "";
    const tr = h(
      "tr",
      { "data-endpoint": job.endpoint, class: `job ${status}` },
      h("td", {}, h("a", { href: `#/device/${encodeURIComponent(job.endpoint)}` }, job.endpoint)),
      h("td", {}, job.method),
      h(
        "td",
        { class: "job-status" },
        h("span", { class: `badge ${status}` }, status),
        job.message ? h("div", { class: "error" }, job.message) : null,
      ),
      h(
        "td",
        {},
        h("progress", { max: 100, value: status === "succeeded" ? 100 : percent }),
        h(
          "span",
          { class: "muted" },
          ` ${percent}%`,
          job.progress?.size ? ` of ${size(job.progress.size)}` : "",
        ),
      ),
      h("td", {}, job.stateName ?? ""),
      h("td", {}, job.resultName ?? ""),
      h("td", {}, clock(job.updatedAt)),
    );
    const old = jobRows.get(job.endpoint);
    if (old) old.replaceWith(tr);
    else jobs.prepend(tr);
    jobRows.set(job.endpoint, tr);
  }

  upload.addEventListener("click", async () => {
    const f = file.files?.[0];
    if (!f) return say("Choose an image file first.", true);
    const label = name.value.trim() || f.name;
    say(`Uploading ${f.name} (${size(f.size)})…`);
    const a = await api("POST", `api/firmware?name=${encodeURIComponent(label)}`, f);
    if (!a.ok) return say(errorText(a), true);
    say(`Uploaded ${label}: ${a.body.image}`);
    await loadImages();
    imageSelect.value = a.body.image;
  });

  start.addEventListener("click", async () => {
    const who = target.value.trim();
    if (!imageSelect.value || !who) return say("Choose an image and a target.", true);
    const body = { image: imageSelect.value, method: method.value };
    if (targetKind.value === "client") {
      const a = await api("POST", `api/clients/${seg(who)}/firmware`, body);
      if (!a.ok) return say(errorText(a), true);
      showJob(a.body);
      say(`Started on ${who}.`);
      return;
    }
    const a = await api("POST", `api/groups/${seg(who)}/firmware`, body);
    if (!a.ok) return say(errorText(a), true);
    for (const r of a.body.results ?? []) {
      if (r.status === 202) showJob(r.body);
      else {showJob({
          endpoint: r.endpoint,
          method: body.method,
          status: "failed",
          message: r.body?.error?.message,
        });}
    }
    say(`Started on ${a.body.succeeded} of ${a.body.results?.length ?? 0} members.`);
  });

  /** Re-reads the jobs shown (after a reconnect: events are not replayed). */
  async function refreshJobs() {
    for (const endpoint of jobRows.keys()) {
      const a = await api("GET", `api/clients/${seg(endpoint)}/firmware`);
      if (a.ok) showJob(a.body);
    }
  }

  const stream = new EventStream({
    types: ["firmwareProgress"],
    onReconnect: refreshJobs,
    onEvent: (e) => e.type === "firmwareProgress" && showJob(e),
  });
  loadImages();
  return () => stream.close();
}
