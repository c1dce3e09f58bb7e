/**
 * Moving firmware bytes to devices (issue 6; LwM2M /5 Package and Package URI): the pull side
 * serves images at `/fw/{token}`, over CoAP (a handler on the engine; RFC 7959 Block2 is done by
 * the CoAP core) and over HTTP (GET with Range), the token being an unguessable secret valid
 * while the job runs. Byte progress of both directions comes from a tap on the datagrams sent to
 * a watched device (push: Block1 requests to /5/0/0; CoAP pull: Block2 responses), decoded with a
 * codec instance of its own, and from the HTTP body stream.
 */

import type { Codec } from "../../codec-wasm/mod.ts";
import { CONTENT_FORMAT, OPTION } from "../../codec-wasm/coap_registry.ts";
import { blockSize, decodeBlock, encodeUint } from "../../codec-wasm/values.ts";
import type { HandlerResponse, IncomingRequest } from "../coap_engine.ts";
import type { FirmwareImages } from "./firmware_images.ts";

const COAP_GET = 1;
const COAP_PUT = 3;
const COAP_205_CONTENT = 69;
const COAP_404_NOT_FOUND = 132;
const COAP_405_METHOD_NOT_ALLOWED = 133;

/** The first Uri-Path segment of pull URIs, on CoAP and HTTP. */
export const PULL_SEGMENT = "fw";

interface Grant {
  endpoint: string;
  image: string;
}

type Watched = { endpoint: string; mode: "push" | "pull"; bytes: number };

const td = new TextDecoder();

function newToken(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/** `bytes=a-b` / `bytes=a-` / `bytes=-n` of an image of `size` bytes, or null (serve it whole). */
export function parseRange(header: string | null, size: number): [number, number] | null {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === "" && m[2] === "")) return null;
  let start: number, end: number;
  if (m[1] === "") {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start <= end && start < size ? [start, end] : null;
}

export class FirmwareTransfers {
  readonly #images: FirmwareImages;
  readonly #onBytes: (endpoint: string, bytes: number) => void;
  readonly #grants = new Map<string, Grant>();
  readonly #watched = new Map<string, Watched>();
  #codec: Codec | null = null;

  /** `onBytes` hears the bytes of a job's image handed to its device so far. */
  constructor(images: FirmwareImages, onBytes: (endpoint: string, bytes: number) => void) {
    this.#images = images;
    this.#onBytes = onBytes;
  }

  /** A codec instance used only by the datagram tap (never the CoAP core's own). */
  useCodec(codec: Codec): void {
    this.#codec = codec;
  }

  grant(endpoint: string, image: string): string {
    const token = newToken();
    this.#grants.set(token, { endpoint, image });
    return token;
  }

  revoke(token: string): void {
    this.#grants.delete(token);
  }

  /** Counts the image bytes sent to `peer` until unwatch. */
  watch(peer: string, endpoint: string, mode: "push" | "pull"): void {
    this.#watched.set(peer, { endpoint, mode, bytes: 0 });
  }

  unwatch(peer: string): void {
    this.#watched.delete(peer);
  }

  /** The datagram tap: called by the shell for every datagram it sends. */
  onDatagramSent(peer: string, data: Uint8Array): void {
    if (this.#watched.size === 0 || !this.#codec) return;
    const w = this.#watched.get(peer);
    if (!w) return;
    const m = this.#codec.tryDecodeCoap(data);
    if (m instanceof Error || m.payload.length === 0) return;
    const push = w.mode === "push" && m.code === COAP_PUT;
    const pull = w.mode === "pull" && m.code === COAP_205_CONTENT;
    if (!push && !pull) return;
    const option = m.options.find((o) => o.number === (push ? OPTION.BLOCK1 : OPTION.BLOCK2));
    let end = m.payload.length;
    if (option) {
      try {
        const block = decodeBlock(option.value);
        end = block.num * blockSize(block.szx) + m.payload.length;
      } catch {
        return;
      }
    }
    if (end > w.bytes) {
      w.bytes = end;
      this.#onBytes(w.endpoint, end);
    }
  }

  /** The CoAP handler of `/fw/{token}` (GET; the core cuts the body into Block2 blocks). */
  async coap(incoming: IncomingRequest): Promise<HandlerResponse> {
    const segments = incoming.request.options.filter((o) => o.number === OPTION.URI_PATH)
      .map((o) => td.decode(o.value));
    if (incoming.request.code !== COAP_GET) return { code: COAP_405_METHOD_NOT_ALLOWED };
    const grant = segments.length === 2 ? this.#grants.get(segments[1]) : undefined;
    const bytes = grant && await this.#images.bytes(grant.image);
    if (!bytes) return { code: COAP_404_NOT_FOUND };
    return {
      code: COAP_205_CONTENT,
      options: [{ number: OPTION.CONTENT_FORMAT, value: encodeUint(CONTENT_FORMAT.OPAQUE) }],
      payload: bytes,
    };
  }

  /** The HTTP answer to `GET /fw/{token}` (404 for unknown tokens; Range honoured). */
  async http(token: string, request: Request): Promise<Response> {
    const grant = this.#grants.get(token);
    const bytes = grant && await this.#images.bytes(grant.image);
    if (!grant || !bytes) return new Response("not found\n", { status: 404 });
    const range = parseRange(request.headers.get("range"), bytes.length);
    const [start, end] = range ?? [0, bytes.length - 1];
    const headers: Record<string, string> = {
      "content-type": "application/octet-stream",
      "content-length": String(end - start + 1),
      "accept-ranges": "bytes",
      "cache-control": "no-store",
    };
    if (range) headers["content-range"] = `bytes ${start}-${end}/${bytes.length}`;
    if (request.method === "HEAD") {
      return new Response(null, { status: range ? 206 : 200, headers });
    }
    const onBytes = this.#onBytes;
    const piece = 16 * 1024;
    let at = start;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at > end) {
          controller.close();
          return;
        }
        const stop = Math.min(at + piece, end + 1);
        controller.enqueue(bytes.slice(at, stop));
        at = stop;
        onBytes(grant.endpoint, at);
      },
    });
    return new Response(body, { status: range ? 206 : 200, headers });
  }
}
