/**
 * Restart persistence with the embedded file store (issue 4 "Storage"; LwM2M Core §6.2 and
 * §6.4.1; spec digest lwm2m-interfaces.md §2.4, §5): a separate gateway process with a registered
 * scripted device is killed with SIGKILL, and a new process on the same store file and CoAP port
 * still knows the registration (the device's Update gets 2.04, not 4.04) and still delivers the
 * notifications of an observation established before the kill (the device keeps its token).
 */

import assert from "node:assert/strict";
import { OPTION } from "../../../codec-wasm/coap_registry.ts";
import { openFileStore } from "../../../gateway/store/file.ts";
import { NAMESPACES } from "../../../gateway/store/store.ts";
import type { Registration } from "../../../gateway/lwm2m/registration.ts";
import {
  CHANGED,
  content,
  CREATED,
  locationPath,
  notify,
  observeOf,
  pathOf,
  POST,
  ScriptedDevice,
  TEXT,
  uintOpt,
} from "./helpers.ts";

const root = new URL("../../../", import.meta.url);
const deno = new URL("bin/deno", root).pathname;

/** A gateway child process whose stdout is read line by line, with bounded waits. */
class GatewayProcess {
  readonly child: Deno.ChildProcess;
  readonly lines: string[] = [];
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stderr = "";
  readonly #done: Promise<void>;

  constructor(script: string, args: string[]) {
    this.child = new Deno.Command(deno, {
      args: ["run", "-A", script, ...args],
      cwd: root,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.child.stdin.getWriter();
    const collect = async (stream: ReadableStream<Uint8Array>, into: (text: string) => void) => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) into(chunk);
    };
    let partial = "";
    this.#done = Promise.all([
      collect(this.child.stdout, (text) => {
        partial += text;
        const parts = partial.split("\n");
        partial = parts.pop()!;
        this.lines.push(...parts);
      }),
      collect(this.child.stderr, (text) => void (this.#stderr += text)),
    ]).then(() => {});
  }

  /** The first stdout line matching `pattern`, waiting at most `timeoutMs`. */
  async line(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const l of this.lines) {
        const m = pattern.exec(l);
        if (m) return m;
      }
      if (Date.now() > deadline) {
        throw new Error(`no line ${pattern} within ${timeoutMs} ms; stderr:\n${this.#stderr}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** JSON payloads of stdout lines `KIND {...}`. */
  json(kind: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l.startsWith(kind + " ")).map((l) =>
      JSON.parse(l.slice(kind.length + 1))
    );
  }

  async send(command: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(command + "\n"));
  }

  /** Sends `signal` and waits (bounded) for the exit. */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<Deno.CommandStatus> {
    try {
      this.child.kill(signal);
    } catch { /* already gone */ }
    const timer = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, 10_000);
    try {
      await this.#stdin.close().catch(() => {});
      const status = await this.child.status;
      await this.#done;
      return status;
    } finally {
      clearTimeout(timer);
    }
  }
}

function gatewayArgs(store: string, coapPort: number): string[] {
  return [
    "--coap-port",
    String(coapPort),
    "--coaps-port",
    "off",
    "--http-port",
    "0",
    "--host",
    "127.0.0.1",
    "--store",
    `file:${store}`,
  ];
}

async function listeningPort(p: GatewayProcess): Promise<number> {
  const m = await p.line(/^listening coap=(\d+) coaps=off http=(\d+)$/);
  return Number(m[1]);
}

Deno.test("a registration survives SIGKILL: the new process on the same store answers the Update 2.04", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lwm2m-restart-" });
  const store = `${dir}/gateway.db`;
  let device: ScriptedDevice | undefined;
  let first: GatewayProcess | undefined;
  let second: GatewayProcess | undefined;
  try {
    first = new GatewayProcess("gateway/main.ts", gatewayArgs(store, 0));
    const port = await listeningPort(first);
    device = await ScriptedDevice.open(port);
    const response = await device.register(["ep=survivor", "lt=300", "lwm2m=1.1"], "</1/0>,</3/0>");
    assert.equal(response.code, CREATED);
    const location = "/" + locationPath(response).join("/");

    const status = await first.kill("SIGKILL");
    assert.equal(status.signal, "SIGKILL");

    second = new GatewayProcess("gateway/main.ts", gatewayArgs(store, port));
    assert.equal(await listeningPort(second), port);
    const update = await device.request(POST, location, ["lt=400"]);
    assert.equal(update.code, CHANGED, "the restarted gateway knows the registration");
    await second.kill("SIGTERM");

    const file = await openFileStore(store);
    try {
      const r = await file.get<Registration>(NAMESPACES.registration, "survivor");
      assert.equal(r?.registrationId, locationPath(response)[1]);
      assert.equal(r?.lifetimeSec, 400);
      assert.equal(r?.address, device.address);
    } finally {
      await file.close();
    }
  } finally {
    device?.close();
    await first?.kill();
    await second?.kill();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an observation survives SIGKILL: notifications with the old token reach the new process", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lwm2m-restart-" });
  const store = `${dir}/gateway.db`;
  const child = "tests/integration/lwm2m/gateway_child.ts";
  let device: ScriptedDevice | undefined;
  let first: GatewayProcess | undefined;
  let second: GatewayProcess | undefined;
  try {
    first = new GatewayProcess(child, gatewayArgs(store, 0));
    const port = await listeningPort(first);
    device = await ScriptedDevice.open(port);
    device.handler = (req) => {
      const reply = content(TEXT, "87");
      return observeOf(req) === 0
        ? { ...reply, options: [uintOpt(OPTION.OBSERVE, 0), ...reply.options] }
        : reply;
    };
    assert.equal((await device.register(["ep=watched", "lt=300", "lwm2m=1.1"])).code, CREATED);
    await first.line(/^event .*"registered"/);
    await first.send(`observe watched /3/0/9 ${TEXT}`);
    const result = JSON.parse((await first.line(/^result (.*)$/))[1]);
    assert.equal(result.kind, "content");
    assert.deepEqual(result.values, { "/3/0/9": 87 });
    const observe = device.requests[0];
    assert.equal(pathOf(observe), "/3/0/9");
    assert.equal(observeOf(observe), 0);

    await first.kill("SIGKILL");

    second = new GatewayProcess(child, gatewayArgs(store, port));
    assert.equal(await listeningPort(second), port);
    notify(device, observe, 7, TEXT, "64", true, 0x5107);
    const ack = await device.waitFor((m) => m.messageId === 0x5107, 10_000);
    assert.equal(
      ack.type,
      2,
      "the new process acknowledges the notification (RST would mean unknown)",
    );
    await second.line(/^event .*"notification"/, 10_000);
    const [event] = second.json("event").filter((e) => e.type === "notification");
    assert.equal(event.endpoint, "watched");
    assert.equal(event.observationId, result.observationId);
    assert.deepEqual(event.values, { "/3/0/9": 64 });
    assert.equal(device.requests.length, 1, "the device was not asked to observe again");
  } finally {
    device?.close();
    await first?.kill();
    await second?.kill();
    await Deno.remove(dir, { recursive: true });
  }
});
