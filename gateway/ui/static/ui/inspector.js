/**
 * The packet inspector page (`/inspector`, or inspector.html from any static file server): paste
 * hex, open or drop a file (pcap/pcapng capture, raw datagram, hex text), and see the CoAP header,
 * options, a coloured hex dump and the payload decoded as a tree (TLV, SenML JSON/CBOR,
 * link-format, CBOR, LwM2M CBOR, with values typed by the core object models), all decoded in the
 * browser by the wasm codec (../codec/inspect.js + ../codec/codec.wasm): no gateway is needed.
 * The URL keeps `?hex=` (and `&target=`) current, so a decoded message can be shared as a link.
 */

import {
  coreModels,
  describeDatagram,
  loadCodec,
  parseCapture,
  parseHexText,
  toHex,
} from "../codec/inspect.js";
import { fill, h, show } from "./dom.js";
import { EXAMPLES } from "./inspector_examples.js";
import { captureView, requestPathOf } from "./inspector_capture.js";
import { hexDump } from "./hexdump.js";
import { jsonTree } from "./json_tree.js";

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const hexInput = $("hex");
const targetInput = $("target");
const result = $("result");
const frames = $("frames");
const state = $("codec-state");

const codecReady = (async () => {
  const wasmUrl = new URL("../codec/codec.wasm", import.meta.url);
  const codec = await loadCodec(fetch(wasmUrl));
  state.textContent = "● codec ready (in this browser)";
  state.dataset.state = "live";
  return { codec, models: coreModels() };
})().catch((e) => {
  state.textContent = `codec failed to load: ${e.message}`;
  state.dataset.state = "closed";
  throw e;
});

/** @param {string} title @param {...any} body */
const section = (title, ...body) => h("section", { class: "card" }, h("h2", {}, title), ...body);

/** @param {Array<Array<any>>} rows @param {string[]} head @param {string} [id] */
function table(head, rows, id) {
  return h(
    "table",
    { class: "grid", id },
    h("thead", {}, h("tr", {}, head.map((t) => h("th", {}, t)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))),
  );
}

/** The payload's decoded parts as a tree (everything but the bookkeeping fields). @param {any} p */
function payloadTree(p) {
  /** @type {Record<string, unknown>} */
  const tree = {};
  for (const key of ["links", "tlv", "senml", "cbor", "json", "text", "hex"]) {
    if (p[key] !== undefined) tree[key] = p[key];
  }
  return tree;
}

/** @param {any} values */
function valuesTable(values) {
  return table(
    ["Path", "Resource", "Value", "Type"],
    Object.entries(values).map(([path, v]) => [
      h("code", {}, path),
      v.name ?? "",
      h("b", {}, show(v.value)),
      `${v.type ?? ""}${v.units ? ` (${v.units})` : ""}`,
    ]),
    "values",
  );
}

/** Renders the description of `bytes`. @param {Uint8Array} bytes */
async function decode(bytes) {
  const { codec, models } = await codecReady;
  /** @type {any} the description's shape is documented in gateway/ui/describe_datagram.ts */
  const d = describeDatagram(codec, models, bytes, {
    target: targetInput.value.trim() || undefined,
  });
  if (!d.ok) {
    fill(
      result,
      section(
        "Not a valid CoAP message",
        h(
          "p",
          { class: "error", id: "decode-error" },
          `${d.error.name} (${d.error.code}) at byte ${d.error.offset}`,
        ),
        h("p", { class: "muted" }, d.error.message),
      ),
      section("Bytes", hexDump(bytes, { errorOffset: d.error.offset })),
    );
    return;
  }
  const m = d.message;
  const p = m.payload;
  const header = table(["Field", "Value"], [
    ["Version", "1"],
    ["Type", m.type],
    ["Code", m.code],
    ["Message ID", `${m.messageId} (0x${m.messageId.toString(16).padStart(4, "0")})`],
    ["Token", m.token || "(empty)"],
    ["Length", `${d.length} bytes`],
  ], "header");
  const options = table(
    ["#", "Option", "Value"],
    m.options.map((/** @type {any} */ o) => [
      String(o.number),
      o.name,
      o.value !== undefined
        ? [
          h("code", {}, show(o.value)),
          o.mediaType ? h("span", { class: "muted" }, ` ${o.mediaType}`) : null,
        ]
        : o.hex !== undefined
        ? h("code", {}, `0x${o.hex}`)
        : h("span", { class: "muted" }, "(empty)"),
    ]),
    "options",
  );
  const payloadParts = [];
  if (p.length === 0) payloadParts.push(h("p", { class: "muted" }, "No payload."));
  else {
    payloadParts.push(
      h("p", { id: "payload-format" }, h("b", {}, p.formatName), ` · ${p.length} bytes`),
    );
    if (p.error) {
      payloadParts.push(h("p", { class: "error" }, `Could not decode: ${show(p.error)}`));
    }
    if (p.values && Object.keys(p.values).length) payloadParts.push(valuesTable(p.values));
    if (p.valuesError) payloadParts.push(h("p", { class: "muted" }, `Values: ${p.valuesError}`));
    if (p.valuesNote) payloadParts.push(h("p", { class: "muted" }, `Values: ${p.valuesNote}.`));
    payloadParts.push(
      h(
        "div",
        { id: "payload-tree" },
        jsonTree(payloadTree(p), { openDepth: 4, label: "payload" }),
      ),
    );
  }
  fill(
    result,
    h(
      "p",
      { class: "summary", id: "summary" },
      h("b", {}, `${m.type} ${m.code}`),
      m.uri ? [" ", h("code", {}, m.uri)] : null,
      h(
        "span",
        { class: "muted" },
        ` · MID ${m.messageId} · token ${m.token || "none"} · ${d.length} bytes`,
      ),
    ),
    h("div", { class: "columns" }, section("Header", header), section("Options", options)),
    section("Payload", ...payloadParts),
    section("Bytes", hexDump(bytes, { payloadLength: p.length })),
    h(
      "details",
      { class: "card" },
      h("summary", {}, "Full description (JSON)"),
      jsonTree(d, { openDepth: 1 }),
    ),
  );
}

/** Keeps ?hex= and ?target= in the URL (replaceState: no history entry per keystroke). @param {Uint8Array|null} bytes */
function syncUrl(bytes) {
  const url = new URL(location.href);
  if (bytes && bytes.length) url.searchParams.set("hex", toHex(bytes));
  else url.searchParams.delete("hex");
  if (targetInput.value.trim()) url.searchParams.set("target", targetInput.value.trim());
  else url.searchParams.delete("target");
  history.replaceState(null, "", url);
}

function fromInput() {
  const text = hexInput.value.trim();
  if (!text) {
    fill(result);
    syncUrl(null);
    return;
  }
  const bytes = parseHexText(text);
  if (!bytes) {
    fill(
      result,
      h(
        "p",
        { class: "error", id: "decode-error" },
        "Not hex: use pairs of 0-9 a-f (spaces, colons and line breaks are fine).",
      ),
    );
    return;
  }
  syncUrl(bytes);
  decode(bytes);
}

/** Opens a capture or a file of bytes: lists its datagrams and decodes the first. @param {File} file */
async function openFile(file) {
  /** @type {any} a CaptureFile (gateway/ui/capture.ts) */
  const capture = parseCapture(new Uint8Array(await file.arrayBuffer()));
  const { codec } = await codecReady;
  const list = capture.datagrams;
  /** @param {any} dg */
  const pick = (dg) => {
    hexInput.value = toHex(dg.bytes);
    const target = requestPathOf(codec, list, dg);
    if (target !== undefined || targetInput.dataset.auto) {
      targetInput.value = target ?? "";
      targetInput.dataset.auto = target ? "1" : "";
    }
    for (const tr of frames.querySelectorAll("tr.frame")) {
      tr.classList.toggle("selected", tr.dataset.frame === String(dg.frame));
    }
    fromInput();
  };
  fill(frames, captureView(file.name, capture, codec, pick));
  if (list.length) pick(list[0]);
}

// --- wiring ---
const examples = $("examples");
for (const [label, hex, target] of EXAMPLES) {
  examples.append(h("option", { value: hex, "data-target": target ?? "" }, label));
}
examples.addEventListener("change", () => {
  if (!examples.value) return;
  hexInput.value = examples.value;
  targetInput.value = examples.selectedOptions[0]?.dataset.target ?? "";
  fill(frames);
  fromInput();
});
/** @type {number|undefined} */
let typing;
hexInput.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(fromInput, 150);
});
targetInput.addEventListener("change", () => {
  targetInput.dataset.auto = "";
  fromInput();
});
$("file").addEventListener("change", (/** @type {Event} */ e) => {
  const f = /** @type {HTMLInputElement} */ (e.target).files?.[0];
  if (f) openFile(f);
});
const drop = $("drop");
/** @param {DragEvent} e */
const dragging = (e) => {
  e.preventDefault();
  drop.classList.add("over");
};
document.addEventListener("dragenter", dragging);
document.addEventListener("dragover", dragging);
document.addEventListener("dragleave", () => drop.classList.remove("over"));
document.addEventListener("drop", (/** @type {DragEvent} */ e) => {
  e.preventDefault();
  drop.classList.remove("over");
  const f = e.dataTransfer?.files?.[0];
  if (f) openFile(f);
});
$("share").addEventListener("click", async () => {
  const note = $("share-note");
  try {
    await navigator.clipboard.writeText(location.href);
    note.textContent = "link copied";
  } catch {
    note.textContent = location.href; // no clipboard (e.g. plain http): show it to copy by hand
  }
});

const params = new URLSearchParams(location.search);
if (params.get("target")) targetInput.value = params.get("target");
if (params.get("hex")) {
  hexInput.value = params.get("hex");
  fromInput();
}
