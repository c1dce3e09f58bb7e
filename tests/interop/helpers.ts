/**
 * Shared fixtures for the interop tests over real loopback sockets (issue 3; RFC 7252, 7641,
 * 7959): finding peer binaries (a missing one makes its tests skip with a visible message),
 * running and stopping child processes with bounded time, free UDP ports, a CoapEngine on
 * 127.0.0.1 whose datagrams are recorded, and bounded waiting. Not a test file itself.
 */

import { loadCodec } from "../../codec-wasm/mod.ts";
import type { CoapMessage } from "../../codec-wasm/types.ts";
import { CoapEngine, type CoapEngineOptions } from "../../gateway/coap_engine.ts";
import { type DatagramTransport, udpTransport } from "../../gateway/transport/datagram.ts";

export const codec = await loadCodec();

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const bytes = (s: string): Uint8Array => encoder.encode(s);
export const str = (b: Uint8Array): string => decoder.decode(b);

/** Printable text of `n` bytes (easy to diff when a transfer goes wrong). */
export function text(n: number, seed = 0): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[(i * 7 + seed + Math.floor(i / 36)) % alphabet.length];
  return s;
}

/** The absolute path of `name` on PATH, or null. */
export function findBinary(name: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    const path = `${dir}/${name}`;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/**
 * True when `name` is missing, after printing why the tests that need it are skipped: use as
 * `Deno.test({ ignore: missing("coap-client-notls", "..."), ... })`.
 */
export function missing(name: string, what: string): boolean {
  if (findBinary(name) !== null) return false;
  console.log(`SKIP ${what}: \`${name}\` is not on PATH (Debian package libcoap3-bin provides it)`);
  return true;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command to completion, killing it after `timeoutMs`. */
export async function run(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  const child = new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
    .spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, timeoutMs);
  try {
    const out = await child.output();
    return { code: out.code, stdout: str(out.stdout), stderr: str(out.stderr), timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/** A long-running child process (a peer server); `stop()` ends it and returns its output. */
export interface Background {
  readonly pid: number;
  stop(): Promise<{ stdout: string; stderr: string }>;
}

export function background(cmd: string, args: string[]): Background {
  const child = new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
    .spawn();
  const output = child.output();
  return {
    pid: child.pid,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // already exited
      }
      const kill = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // already exited
        }
      }, 3000);
      try {
        const out = await output;
        return { stdout: str(out.stdout), stderr: str(out.stderr) };
      } finally {
        clearTimeout(kill);
      }
    },
  };
}

/** A UDP port that was free a moment ago on 127.0.0.1. */
export function freeUdpPort(): number {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (socket.addr as Deno.NetAddr).port;
  socket.close();
  return port;
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every `stepMs` until it holds; throws after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 5000,
  stepMs = 10,
): Promise<void> {
  for (let waited = 0; waited <= timeoutMs; waited += stepMs) {
    if (condition()) return;
    await sleep(stepMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Every datagram an engine sent or received, decoded (undecodable ones as null). */
export interface Tap {
  incoming: (CoapMessage | null)[];
  outgoing: (CoapMessage | null)[];
}

function decodeOrNull(data: Uint8Array): CoapMessage | null {
  try {
    return codec.decodeCoap(data.slice());
  } catch {
    return null;
  }
}

/** Wraps a transport so every datagram is recorded in `tap`. */
export function tapped(inner: DatagramTransport, tap: Tap): DatagramTransport {
  return {
    get port() {
      return inner.port;
    },
    start(onDatagram) {
      inner.start((peer, data) => {
        tap.incoming.push(decodeOrNull(data));
        onDatagram(peer, data);
      });
    },
    send(peer, data) {
      tap.outgoing.push(decodeOrNull(data));
      inner.send(peer, data);
    },
    close: () => inner.close(),
  };
}

/** A CoapEngine on a free 127.0.0.1 UDP port, with a tap on its datagrams. */
export function loopbackEngine(options: CoapEngineOptions = {}): { engine: CoapEngine; tap: Tap } {
  const tap: Tap = { incoming: [], outgoing: [] };
  const engine = new CoapEngine(codec, tapped(udpTransport("127.0.0.1", 0), tap), options);
  return { engine, tap };
}

/** Block option fields of `m` (option `number`), or undefined. */
export function blockOf(
  m: CoapMessage,
  number: number,
): { num: number; more: boolean; szx: number } | undefined {
  const o = m.options.find((x) => x.number === number);
  if (!o) return undefined;
  let v = 0;
  for (const b of o.value) v = v * 256 + b;
  return { num: Math.floor(v / 16), more: (v & 8) !== 0, szx: v & 7 };
}

export const GET = 1;
export const POST = 2;
export const PUT = 3;
export const CREATED = 65;
export const CHANGED = 68;
export const CONTENT = 69;
export const NOT_FOUND = 132;
export const BLOCK2 = 23;
export const BLOCK1 = 27;
