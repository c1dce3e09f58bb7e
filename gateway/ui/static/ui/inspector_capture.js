/**
 * The packet inspector's view of an opened file (gateway/ui/capture.ts reads it): the list of UDP
 * datagrams of a capture with time, addresses, size and CoAP type/code, and, for a response, the
 * path of its request found by token (so TLV and other relative payloads can be typed).
 */

import { toHex } from "../codec/inspect.js";
import { clock, h } from "./dom.js";

/**
 * For a response in a capture, the LwM2M path of its request: the latest earlier datagram with
 * the same token sent the other way (RFC 7252 §5.3.2 token matching).
 * @param {any} codec @param {any[]} list @param {any} dg
 */
export function requestPathOf(codec, list, dg) {
  const m = codec.tryDecodeCoap(dg.bytes);
  if (m instanceof Error || m.code < 64) return undefined;
  const token = toHex(m.token);
  for (let i = list.indexOf(dg) - 1; i >= 0; i--) {
    const other = list[i];
    if (dg.source && other.source !== dg.destination) continue;
    const r = codec.tryDecodeCoap(other.bytes);
    if (r instanceof Error || r.code === 0 || r.code >= 32 || toHex(r.token) !== token) continue;
    const segments = r.options.filter((/** @type {any} */ o) => o.number === 11)
      .map((/** @type {any} */ o) => new TextDecoder().decode(o.value));
    const numeric = segments.length > 0 &&
      segments.every((/** @type {string} */ s) => /^\d+$/.test(s));
    return numeric ? "/" + segments.join("/") : undefined;
  }
  return undefined;
}

/**
 * What the frames area shows for an opened file; `pick(datagram)` decodes one.
 * @param {string} name @param {any} capture a CaptureFile @param {any} codec
 * @param {(datagram: any) => void} pick
 */
export function captureView(name, capture, codec, pick) {
  const list = capture.datagrams;
  if (capture.kind === "raw" || capture.kind === "hex") {
    const what = capture.kind === "hex" ? "hex text" : "one datagram";
    return h("p", { class: "muted" }, `${name}: ${list[0].bytes.length} bytes (${what})`);
  }
  const rows = list.map((/** @type {any} */ dg) => {
    const m = codec.tryDecodeCoap(dg.bytes);
    const what = m instanceof Error
      ? "not CoAP"
      : `${["CON", "NON", "ACK", "RST"][m.type]} ${m.code >> 5}.${
        String(m.code & 31).padStart(2, "0")
      }`;
    return h(
      "tr",
      { class: "frame", "data-frame": dg.frame, onclick: () => pick(dg) },
      h("td", {}, String(dg.frame)),
      h("td", {}, dg.timeMs ? clock(new Date(dg.timeMs).toISOString()) : ""),
      h("td", { class: "mono" }, `${dg.source ?? ""} → ${dg.destination ?? ""}`),
      h("td", {}, String(dg.bytes.length)),
      h("td", {}, what),
    );
  });
  const info =
    `${name}: ${capture.kind}, ${list.length} UDP datagram${list.length === 1 ? "" : "s"}` +
    (capture.skipped ? `, ${capture.skipped} other frames skipped` : "") +
    (capture.note ? ` (${capture.note})` : "");
  return [
    h("p", { class: "muted", id: "capture-info" }, info),
    list.length
      ? h(
        "table",
        { class: "grid frames" },
        h(
          "thead",
          {},
          h("tr", {}, ["Frame", "Time", "From → to", "Bytes", "CoAP"].map((t) => h("th", {}, t))),
        ),
        h("tbody", {}, rows),
      )
      : null,
  ];
}
