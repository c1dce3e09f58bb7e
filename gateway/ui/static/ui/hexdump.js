/**
 * The inspector's hex dump: 16 bytes a line with offsets and ASCII, each byte coloured by the
 * CoAP part it belongs to (RFC 7252 §3: 4-byte header, token, options, 0xFF marker, payload) and
 * the byte where decoding failed marked.
 */

import { h } from "./dom.js";

/**
 * Byte ranges of a decoded datagram's parts.
 * @param {Uint8Array} bytes
 * @param {number|undefined} payloadLength the decoded payload length (undefined when undecodable)
 * @returns {(i: number) => string} the part of byte i
 */
function partsOf(bytes, payloadLength) {
  const tokenEnd = 4 + (bytes.length > 0 ? bytes[0] & 0x0f : 0);
  const payloadStart = payloadLength ? bytes.length - payloadLength : bytes.length;
  const markerAt = payloadLength ? payloadStart - 1 : -1;
  return (i) => {
    if (i < 4) return "p-header";
    if (i < tokenEnd) return "p-token";
    if (i === markerAt) return "p-marker";
    if (i >= payloadStart) return "p-payload";
    return "p-options";
  };
}

/**
 * @param {Uint8Array} bytes
 * @param {{ payloadLength?: number, errorOffset?: number }} [marks]
 */
export function hexDump(bytes, marks = {}) {
  const part = partsOf(bytes, marks.payloadLength);
  const lines = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const hex = [];
    const ascii = [];
    for (let i = 0; i < row.length; i++) {
      const offset = at + i;
      const cls = part(offset) + (offset === marks.errorOffset ? " p-error" : "");
      hex.push(
        h("span", { class: cls, title: `offset ${offset}` }, row[i].toString(16).padStart(2, "0")),
        " ",
      );
      const c = row[i];
      ascii.push(h("span", { class: cls }, c >= 32 && c < 127 ? String.fromCharCode(c) : "."));
    }
    lines.push(
      h(
        "div",
        { class: "hex-line" },
        h("span", { class: "hex-offset" }, at.toString(16).padStart(4, "0")),
        h("span", { class: "hex-bytes" }, hex),
        h("span", { class: "hex-ascii" }, ascii),
      ),
    );
  }
  if (marks.errorOffset !== undefined && marks.errorOffset >= bytes.length) {
    lines.push(
      h(
        "div",
        { class: "hex-line p-error" },
        `(decoding stopped at offset ${marks.errorOffset}, past the end)`,
      ),
    );
  }
  const legend = h(
    "div",
    { class: "hex-legend" },
    [["p-header", "header"], ["p-token", "token"], ["p-options", "options"], [
      "p-marker",
      "payload marker",
    ], ["p-payload", "payload"]]
      .map(([cls, label]) => h("span", { class: cls }, label)),
  );
  return h("div", { class: "hexdump", id: "hexdump" }, legend, lines);
}
