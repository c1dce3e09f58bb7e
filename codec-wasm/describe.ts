/**
 * Turns a datagram into a readable JSON description: header, named options with typed values, and
 * the payload decoded by its Content-Format (TLV, text, link-format; hex otherwise). Used by the
 * `deno task inspect` CLI and browser tools. Pure and browser-safe. RFC 7252 §3, LwM2M §7.4.
 */

import type { Codec } from "./mod.ts";
import type { CoapMessage, TlvEntry } from "./types.ts";
import { CodecError } from "./status.ts";
import {
  COAP_OPTIONS,
  COAP_TYPE_NAMES,
  codeName,
  CONTENT_FORMAT,
  CONTENT_FORMAT_NAMES,
  OPTION,
} from "./coap_registry.ts";
import { decodeBlock, decodeUint } from "./values.ts";
import { parseLinkFormat } from "./link_format.ts";

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Parses hex with optional spaces, colons or a 0x prefix; throws on anything else. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/^0x/i, "").replace(/[\s:]/g, "");
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) {
    throw new Error("input is not an even number of hex digits");
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function text(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

function describeOption(number: number, value: Uint8Array): Record<string, unknown> {
  const info = COAP_OPTIONS[number];
  const out: Record<string, unknown> = { number, name: info?.name ?? `Unknown-${number}` };
  if (number === OPTION.BLOCK1 || number === OPTION.BLOCK2) {
    try {
      const b = decodeBlock(value);
      out.value = { num: b.num, more: b.more, szx: b.szx, size: 1 << (b.szx + 4) };
    } catch {
      out.hex = toHex(value);
    }
  } else if (info?.format === "uint" && value.length <= 4) {
    out.value = decodeUint(value);
    if (number === OPTION.CONTENT_FORMAT || number === OPTION.ACCEPT) {
      out.mediaType = CONTENT_FORMAT_NAMES[out.value as number] ?? null;
    }
  } else if (info?.format === "string" && text(value) !== null) {
    out.value = text(value);
  } else if (value.length > 0) {
    out.hex = toHex(value);
  }
  return out;
}

function describeTlv(entries: TlvEntry[]): unknown[] {
  return entries.map((e) => {
    if (e.children) return { kind: e.kind, id: e.id, children: describeTlv(e.children) };
    const v = e.value!;
    const d: Record<string, unknown> = { kind: e.kind, id: e.id, hex: toHex(v) };
    const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
    if (v.length === 1) d.integer = view.getInt8(0);
    if (v.length === 2) d.integer = view.getInt16(0);
    if (v.length === 4) {
      d.integer = view.getInt32(0);
      d.float = view.getFloat32(0);
    }
    if (v.length === 8) {
      d.integer = view.getBigInt64(0).toString();
      d.float = view.getFloat64(0);
    }
    const s = text(v);
    if (s !== null && /^[\x20-\x7e\t\r\n\u00a0-\uffff]*$/.test(s)) d.string = s;
    return d;
  });
}

/** Decodes the payload by Content-Format; an undecodable payload is reported, not thrown. */
export function describePayload(
  codec: Codec,
  contentFormat: number | undefined,
  payload: Uint8Array,
): Record<string, unknown> {
  const out: Record<string, unknown> = { length: payload.length };
  if (payload.length === 0) return out;
  try {
    if (contentFormat === CONTENT_FORMAT.TLV || contentFormat === CONTENT_FORMAT.TLV_OLD) {
      out.tlv = describeTlv(codec.decodeTlv(payload));
    } else if (contentFormat === CONTENT_FORMAT.LINK_FORMAT) {
      out.links = parseLinkFormat(utf8.decode(payload));
    } else if (
      contentFormat === CONTENT_FORMAT.TEXT || contentFormat === CONTENT_FORMAT.SENML_JSON ||
      contentFormat === CONTENT_FORMAT.LWM2M_JSON
    ) {
      out.text = utf8.decode(payload);
    } else {
      out.hex = toHex(payload);
      const s = text(payload);
      if (s !== null) out.text = s;
    }
  } catch (e) {
    out.error = e instanceof CodecError
      ? { code: e.code, offset: e.offset, message: e.message }
      : String(e);
    out.hex = toHex(payload);
  }
  return out;
}

/** A JSON-ready description of a decoded message. */
export function describeMessage(codec: Codec, m: CoapMessage): Record<string, unknown> {
  const contentFormatOption = m.options.find((o) => o.number === OPTION.CONTENT_FORMAT);
  const contentFormat = contentFormatOption && contentFormatOption.value.length <= 4
    ? decodeUint(contentFormatOption.value)
    : undefined;
  const path = m.options.filter((o) => o.number === OPTION.URI_PATH).map((o) =>
    text(o.value) ?? ""
  );
  const query = m.options.filter((o) => o.number === OPTION.URI_QUERY).map((o) =>
    text(o.value) ?? ""
  );
  const out: Record<string, unknown> = {
    type: COAP_TYPE_NAMES[m.type],
    code: codeName(m.code),
    messageId: m.messageId,
    token: toHex(m.token),
  };
  if (path.length > 0 || query.length > 0) {
    out.uri = "/" + path.join("/") + (query.length > 0 ? "?" + query.join("&") : "");
  }
  out.options = m.options.map((o) => describeOption(o.number, o.value));
  out.payload = describePayload(codec, contentFormat, m.payload);
  return out;
}
