/**
 * DTLS 1.2 handshake messages of the PSK handshake (RFC 6347 §4.2.2 header and §4.3.2 bodies,
 * RFC 5246 §7.4, RFC 4279 §2): the 12-byte handshake header (always written unfragmented),
 * ClientHello with cookie, HelloVerifyRequest, ServerHello, ServerKeyExchange (PSK identity
 * hint), ServerHelloDone, ClientKeyExchange (PSK identity) and Finished, plus the hello
 * extensions list. Decoders throw DecodeError on malformed input.
 */

import { DecodeError, Reader, Writer, writeU16, writeU24 } from "./bytes.ts";
import { HANDSHAKE_HEADER_LENGTH, MAX_COOKIE_LENGTH, RANDOM_LENGTH } from "./constants.ts";

export interface Extension {
  type: number;
  data: Uint8Array;
}

/** One handshake message, or a fragment of one, as found in a handshake record. */
export interface HandshakeFragment {
  type: number;
  /** Length of the whole message body. */
  length: number;
  seq: number;
  offset: number;
  fragment: Uint8Array;
}

/** The handshake fragments of one record's plaintext. */
export function parseHandshakeFragments(plain: Uint8Array): HandshakeFragment[] {
  const r = new Reader(plain);
  const out: HandshakeFragment[] = [];
  while (r.remaining > 0) {
    const type = r.u8();
    const length = r.u24();
    const seq = r.u16();
    const offset = r.u24();
    const fragment = r.vector(3);
    if (offset + fragment.length > length) throw new DecodeError("fragment beyond message");
    out.push({ type, length, seq, offset, fragment });
  }
  return out;
}

/** A whole message with its unfragmented header (the form the transcript hashes). */
export function encodeHandshake(type: number, seq: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HANDSHAKE_HEADER_LENGTH + body.length);
  out[0] = type;
  writeU24(out, 1, body.length);
  writeU16(out, 4, seq);
  writeU24(out, 6, 0);
  writeU24(out, 9, body.length);
  out.set(body, HANDSHAKE_HEADER_LENGTH);
  return out;
}

function writeExtensions(w: Writer, extensions: Extension[]): void {
  if (extensions.length === 0) return;
  const inner = new Writer(64);
  for (const e of extensions) inner.u16(e.type).vector(2, e.data);
  w.vector(2, inner.finish());
}

function readExtensions(r: Reader): Extension[] {
  if (r.remaining === 0) return [];
  const block = new Reader(r.vector(2));
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (block.remaining > 0) {
    const type = block.u16();
    if (seen.has(type)) throw new DecodeError(`extension ${type} twice`); // RFC 5246 §7.4.1.4
    seen.add(type);
    out.push({ type, data: block.vector(2) });
  }
  if (r.remaining !== 0) throw new DecodeError("bytes after extensions");
  return out;
}

export function findExtension(extensions: Extension[], type: number): Uint8Array | undefined {
  for (const e of extensions) if (e.type === type) return e.data;
  return undefined;
}

export interface ClientHello {
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cookie: Uint8Array;
  suites: number[];
  compression: Uint8Array;
  extensions: Extension[];
}

export function encodeClientHello(h: ClientHello): Uint8Array {
  const w = new Writer(128);
  w.u16(h.version).bytes(h.random).vector(1, h.sessionId).vector(1, h.cookie);
  w.u16(h.suites.length * 2);
  for (const s of h.suites) w.u16(s);
  w.vector(1, h.compression);
  writeExtensions(w, h.extensions);
  return w.finish();
}

export function decodeClientHello(body: Uint8Array): ClientHello {
  const r = new Reader(body);
  const version = r.u16();
  const random = r.bytes(RANDOM_LENGTH);
  const sessionId = r.vector(1);
  if (sessionId.length > 32) throw new DecodeError("session_id longer than 32");
  const cookie = r.vector(1);
  const suiteBytes = r.vector(2);
  if (suiteBytes.length < 2 || suiteBytes.length % 2 !== 0) throw new DecodeError("cipher_suites");
  const suites: number[] = [];
  for (let i = 0; i < suiteBytes.length; i += 2) {
    suites.push((suiteBytes[i] << 8) | suiteBytes[i + 1]);
  }
  const compression = r.vector(1);
  if (compression.length < 1) throw new DecodeError("compression_methods");
  return { version, random, sessionId, cookie, suites, compression, extensions: readExtensions(r) };
}

export interface ServerHello {
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  suite: number;
  compression: number;
  extensions: Extension[];
}

export function encodeServerHello(h: ServerHello): Uint8Array {
  const w = new Writer(96);
  w.u16(h.version).bytes(h.random).vector(1, h.sessionId).u16(h.suite).u8(h.compression);
  writeExtensions(w, h.extensions);
  return w.finish();
}

export function decodeServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body);
  const version = r.u16();
  const random = r.bytes(RANDOM_LENGTH);
  const sessionId = r.vector(1);
  if (sessionId.length > 32) throw new DecodeError("session_id longer than 32");
  const suite = r.u16();
  const compression = r.u8();
  return { version, random, sessionId, suite, compression, extensions: readExtensions(r) };
}

export function encodeHelloVerifyRequest(version: number, cookie: Uint8Array): Uint8Array {
  return new Writer(3 + cookie.length).u16(version).vector(1, cookie).finish();
}

export function decodeHelloVerifyRequest(
  body: Uint8Array,
): { version: number; cookie: Uint8Array } {
  const r = new Reader(body);
  const version = r.u16();
  const cookie = r.vector(1);
  if (cookie.length > MAX_COOKIE_LENGTH) throw new DecodeError("cookie too long");
  return { version, cookie };
}

/** RFC 4279 §2: ServerKeyExchange = psk_identity_hint<0..2^16-1>; ClientKeyExchange = psk_identity. */
export function encodePskIdentity(identity: Uint8Array): Uint8Array {
  return new Writer(2 + identity.length).vector(2, identity).finish();
}

export function decodePskIdentity(body: Uint8Array): Uint8Array {
  const r = new Reader(body);
  const identity = r.vector(2);
  if (r.remaining !== 0) throw new DecodeError("bytes after psk_identity");
  return identity;
}

/** RFC 9146 §3: connection_id extension data = cid<0..2^8-1>. */
export function encodeCidExtension(cid: Uint8Array): Extension {
  return { type: 54, data: new Writer(1 + cid.length).vector(1, cid).finish() };
}

export function decodeCidExtension(data: Uint8Array): Uint8Array {
  const r = new Reader(data);
  const cid = r.vector(1);
  if (r.remaining !== 0) throw new DecodeError("bytes after cid");
  return cid;
}
