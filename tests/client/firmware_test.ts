/**
 * Firmware Update end to end (LwM2M Core Appendix E.6; spec digest objects.md): the gateway pushes
 * an image with a Block1 write of /5/0/0 and executes Update while observing State; pulls go
 * through coap:// (a CoAP server of ours answering with Block2) and http:// (Deno.serve); failed
 * downloads and unsupported schemes give their Update Result.
 */

import assert from "node:assert/strict";
import { loadCodec } from "../../codec-wasm/mod.ts";
import { CoapEngine } from "../../gateway/coap_engine.ts";
import { udpTransport } from "../../gateway/transport/datagram.ts";
import { Lwm2mPath } from "../../gateway/lwm2m/path.ts";
import { makePackage } from "../../gateway/client/firmware_machine.ts";
import {
  oneServer,
  type TestClient,
  testClient,
  type TestGateway,
  testGateway,
  waitEvent,
  waitFor,
} from "./support.ts";

const P = (p: string) => Lwm2mPath.parse(p);
const image: Uint8Array<ArrayBuffer> = makePackage(
  "streetlight",
  "2.1.0",
  crypto.getRandomValues(new Uint8Array(5000)),
) as Uint8Array<ArrayBuffer>;

async function setup(ep: string): Promise<{ t: TestGateway; c: TestClient }> {
  const t = await testGateway();
  const c = await testClient({
    endpoint: ep,
    factory: oneServer(t.port),
    firmware: { updateDurationMs: 50, downloadTimeoutMs: 3000 },
  });
  await waitEvent(c, "registered");
  await waitFor(() => t.gw.server!.get(ep), 3000, "the registration");
  return { t, c };
}

Deno.test("firmware push: Block1 write of /5/0/0, Update, State and Result observed, new version, re-Register", async () => {
  const { t, c } = await setup("fw-push");
  try {
    const server = t.gw.server!;
    const obs = await server.observations.observe("fw-push", [P("/5/0/3")], false);
    assert.equal(obs.result.kind, "content");
    const states = () =>
      t.events.filter((e) => e.type === "notification" && e.observationId === obs.observationId)
        .map((e) => (e.values as Record<string, number>)["/5/0/3"]);
    const w = await server.perform("fw-push", {
      kind: "write",
      mode: "replace",
      path: P("/5/0/0"),
      values: new Map([["/5/0/0", image]]),
    }, { format: 42 });
    assert.deepEqual(w, { kind: "changed" });
    assert.equal(c.get("/5/0/3"), 2);
    assert.equal(c.get("/5/0/7"), "2.1.0");
    const read = await server.perform("fw-push", { kind: "read", path: P("/5/0/0") });
    assert.equal(
      read.kind === "deviceError" && read.coapCode,
      133,
      `Package is write-only: ${JSON.stringify(read)}`,
    );
    assert.deepEqual(await server.perform("fw-push", { kind: "execute", path: P("/5/0/2") }), {
      kind: "changed",
    });
    await waitFor(() => c.get("/5/0/5") === 1, 3000, "Update Result 1");
    assert.equal(c.get("/5/0/3"), 0);
    assert.equal(c.get("/3/0/3"), "2.1.0");
    await waitEvent(c, "registered", 2);
    await waitFor(() => states().includes(0), 3000, "the Idle notification");
    assert.deepEqual(states(), [2, 3, 0]);
    // Update again without a package: 4.05.
    const again = await server.perform("fw-push", { kind: "execute", path: P("/5/0/2") });
    assert.equal(again.kind === "deviceError" && again.coapCode, 133);
  } finally {
    await c.close();
    await t.stop();
  }
});

Deno.test("firmware pull over coap:// with Block2, and over http://; errors set the result", async () => {
  const { t, c } = await setup("fw-pull");
  const codec = await loadCodec();
  const files = new CoapEngine(codec, udpTransport("127.0.0.1", 0));
  files.handle("fw", (incoming) => {
    const name = new TextDecoder().decode(
      incoming.request.options.filter((o) => o.number === 11)[1]?.value,
    );
    return name === "image.bin" ? { code: 69, payload: image } : { code: 132 };
  });
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) =>
      new URL(req.url).pathname === "/image.bin"
        ? new Response(image.slice())
        : new Response("no", { status: 404 }),
  );
  try {
    const server = t.gw.server!;
    const write = (uri: string) =>
      server.perform("fw-pull", {
        kind: "write",
        mode: "replace",
        path: P("/5/0/1"),
        values: new Map([["/5/0/1", uri]]),
      }, { format: 0 });
    const reset = () => write("");
    assert.deepEqual(await write(`coap://127.0.0.1:${files.port}/fw/image.bin`), {
      kind: "changed",
    });
    await waitFor(() => c.get("/5/0/3") === 2, 5000, "Downloaded (coap)");
    assert.equal(c.get("/5/0/1"), `coap://127.0.0.1:${files.port}/fw/image.bin`);
    assert.equal((c.firmware().state.image as Uint8Array).length, image.length);
    await reset();
    assert.deepEqual([c.get("/5/0/3"), c.get("/5/0/5")], [0, 0]);
    assert.deepEqual(await write(`http://127.0.0.1:${http.addr.port}/image.bin`), {
      kind: "changed",
    });
    await waitFor(() => c.get("/5/0/3") === 2, 5000, "Downloaded (http)");
    await reset();
    await write(`http://127.0.0.1:${http.addr.port}/missing`);
    await waitFor(() => c.get("/5/0/5") === 7, 5000, "result 7 for a 404");
    await write(`coap://127.0.0.1:${files.port}/fw/missing`);
    await waitFor(
      () => c.get("/5/0/5") === 7 && c.get("/5/0/3") === 0,
      5000,
      "result 7 for a 4.04",
    );
    await write("https://127.0.0.1/x");
    assert.equal(c.get("/5/0/5"), 9);
    await write("not a uri");
    assert.equal(c.get("/5/0/5"), 7);
  } finally {
    await c.close();
    await t.stop();
    await files.close();
    await http.shutdown();
  }
});
