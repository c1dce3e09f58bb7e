/**
 * End-to-end tests of firmware update (gateway/http/firmware.ts, gateway/server/firmware.ts) over
 * real sockets: images uploaded over HTTP, pushed with Block1 to /5/0/0 or pulled by scripted
 * devices (tests/support/firmware_device.ts) over CoAP Block2 or HTTP, Update executed, progress
 * as firmwareProgress events and in GET /api/clients/{ep}/firmware.
 */

import assert from "node:assert/strict";
import { OPTION } from "../../../codec-wasm/coap_registry.ts";
import { decodeUint } from "../../../codec-wasm/values.ts";
import type { GatewayEvent } from "../../../gateway/server/events.ts";
import { FirmwareDevice, type FirmwareDeviceOptions } from "../../support/firmware_device.ts";
import { type LiveGateway, waitUntil, withLiveGateway } from "./fleet_helpers.ts";

const LINKS = "</1/0>,</3/0>,</5/0>";

function image(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 131 + 17) & 0xff;
  return out;
}

async function upload(g: LiveGateway, bytes: Uint8Array, name = "fw.bin") {
  const res = await g.http("POST", `/api/firmware?name=${name}`, bytes, {
    "content-type": "application/octet-stream",
    ...(g.gateway.config.apiToken ? { authorization: `Bearer ${g.gateway.config.apiToken}` } : {}),
  });
  assert.equal(res.status, 201, res.text);
  return res.json as { image: string; size: number; sha256: string };
}

async function fwDevice(g: LiveGateway, endpoint: string, options?: FirmwareDeviceOptions) {
  return new FirmwareDevice(await g.register(endpoint, LINKS), options);
}

function progress(g: LiveGateway, endpoint: string): GatewayEvent[] {
  return g.events.filter((e) => e.type === "firmwareProgress" && e.endpoint === endpoint);
}

async function finalEvent(g: LiveGateway, endpoint: string, timeoutMs = 10_000) {
  await waitUntil(() => progress(g, endpoint).some((e) => e.final), `${endpoint} done`, timeoutMs);
  return progress(g, endpoint).find((e) => e.final)!;
}

Deno.test("POST /api/firmware stores an image and answers its id, size and SHA-256", async () => {
  await withLiveGateway(async (g) => {
    const bytes = image(3000);
    const info = await upload(g, bytes, "v1.2.bin");
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
    assert.equal(info.sha256, Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""));
    assert.equal(info.size, 3000);
    const list = await g.http("GET", "/api/firmware");
    assert.deepEqual(list.json.images.map((i: { image: string }) => i.image), [info.image]);
    assert.equal((await g.http("GET", `/api/firmware/${info.image}`)).json.name, "v1.2.bin");
    assert.equal((await g.http("POST", "/api/firmware", new Uint8Array())).status, 400);
  });
});

Deno.test("push: Block1 write of /5/0/0, State observed to Downloaded, Update, result success", async () => {
  await withLiveGateway(async (g) => {
    const bytes = image(5000);
    const { image: id } = await upload(g, bytes);
    const device = await fwDevice(g, "fw-push");
    const start = await g.http("POST", "/api/clients/fw-push/firmware", {
      image: id,
      method: "push",
    });
    assert.equal(start.status, 202, start.text);
    assert.equal(start.json.status, "queued");
    const last = await finalEvent(g, "fw-push");
    assert.equal(last.status, "succeeded", JSON.stringify(last));
    assert.deepEqual(device.received, bytes, "the device got the image intact");
    const job = (await g.http("GET", "/api/clients/fw-push/firmware")).json;
    assert.equal(job.status, "succeeded");
    assert.equal(job.state, 0);
    assert.equal(job.result, 1);
    assert.equal(job.resultName, "Firmware updated successfully");
    assert.deepEqual(job.progress, { bytesSent: 5000, size: 5000, percent: 100 });
    assert.ok(job.finishedAt);
    const events = progress(g, "fw-push");
    const statuses = [...new Set(events.map((e) => e.status))];
    assert.deepEqual(statuses, [
      "queued",
      "starting",
      "downloading",
      "downloaded",
      "updating",
      "succeeded",
    ]);
    const bytesSeen = events.map((e) => (e.progress as { bytesSent: number }).bytesSent);
    assert.ok(bytesSeen.some((b) => b > 0 && b < 5000), `intermediate progress: ${bytesSeen}`);
    assert.deepEqual(bytesSeen, [...bytesSeen].sort((a, b) => a - b), "bytes only grow");
    assert.ok(events.some((e) => e.state === 3), "the Updating state was reported");
    assert.ok(events.every((e) => e.endpoint === "fw-push" && typeof e.time === "string"));
    const blocks = device.device.requests.filter((r) => r.code === 3);
    assert.equal(blocks.length, 5, "5000 bytes in 1024-byte Block1 blocks");
    for (const block of blocks) {
      const cf = block.options.find((o) => o.number === OPTION.CONTENT_FORMAT);
      assert.equal(decodeUint(cf!.value), 42, "application/octet-stream");
    }
  });
});

Deno.test("pull over CoAP: the device fetches /fw/{token} with Block2 (State polled, no observe)", async () => {
  await withLiveGateway(async (g) => {
    const bytes = image(4500);
    const { image: id } = await upload(g, bytes);
    const device = await fwDevice(g, "fw-pull", { observable: false, protocols: [0] });
    const start = await g.http("POST", "/api/clients/fw-pull/firmware", {
      image: id,
      method: "pull",
    });
    assert.equal(start.status, 202);
    const last = await finalEvent(g, "fw-pull");
    assert.equal(last.status, "succeeded", JSON.stringify(last));
    assert.deepEqual(device.received, bytes);
    assert.match(device.uri!, /^coap:\/\/127\.0\.0\.1:\d+\/fw\/[0-9a-f]{32}$/);
    assert.equal((last.progress as { percent: number }).percent, 100);
    // The token dies with the job.
    const again = await device.device.request(1, new URL(device.uri!).pathname);
    assert.equal(again.code, 132);
  });
});

Deno.test("pull over HTTP at --public-uri: /fw/{token} needs no bearer token; others get 404", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  await withLiveGateway(
    async (g) => {
      const bytes = image(70_000);
      const auth = { authorization: "Bearer s3cret" };
      const { image: id } = await upload(g, bytes);
      assert.equal((await g.http("GET", "/api/firmware")).status, 401);
      const device = await fwDevice(g, "fw-http", { observable: false });
      const start = await g.http(
        "POST",
        "/api/clients/fw-http/firmware",
        { image: id, method: "pull" },
        auth,
      );
      assert.equal(start.status, 202, start.text);
      const last = await finalEvent(g, "fw-http");
      assert.equal(last.status, "succeeded", JSON.stringify(last));
      assert.match(device.uri!, new RegExp(`^http://127\\.0\\.0\\.1:${port}/fw/[0-9a-f]{32}$`));
      assert.deepEqual(device.received, bytes);
      const steps = progress(g, "fw-http").map((e) =>
        (e.progress as { bytesSent: number }).bytesSent
      );
      assert.ok(steps.some((b) => b > 0 && b < 70_000), `HTTP download progress: ${steps}`);
      const gone = await fetch(device.uri!);
      await gone.body?.cancel();
      assert.equal(gone.status, 404);
    },
    [
      "--http-port",
      String(port),
      "--public-uri",
      `http://127.0.0.1:${port}`,
      "--api-token",
      "s3cret",
    ],
  );
});

Deno.test("a failed update, an incompatible device and refused starts are reported", async () => {
  await withLiveGateway(async (g) => {
    const { image: id } = await upload(g, image(1500));
    await fwDevice(g, "fw-fails", { updateResult: 8 });
    await g.http("POST", "/api/clients/fw-fails/firmware", { image: id });
    const failed = await finalEvent(g, "fw-fails");
    assert.equal(failed.status, "failed");
    assert.match(failed.message as string, /Firmware update failed \(\/5\/0\/5 = 8\)/);
    assert.equal(failed.state, 2, "the image is kept in Downloaded");

    await fwDevice(g, "fw-push-only", { delivery: 1 });
    await g.http("POST", "/api/clients/fw-push-only/firmware", { image: id, method: "pull" });
    const refused = await finalEvent(g, "fw-push-only");
    assert.equal(refused.status, "failed");
    assert.match(refused.message as string, /push only/);

    await g.register("no-fw", "</1/0>,</3/0>");
    const noObject = await g.http("POST", "/api/clients/no-fw/firmware", { image: id });
    assert.equal(noObject.status, 409);
    assert.match(noObject.json.error.message, /\/5/);
    const noImage = await g.http("POST", "/api/clients/fw-fails/firmware", { image: "nope" });
    assert.equal(noImage.status, 404);
    const noClient = await g.http("POST", "/api/clients/ghost/firmware", { image: id });
    assert.equal(noClient.status, 404);
    const badMethod = await g.http("POST", "/api/clients/fw-fails/firmware", {
      image: id,
      method: "carrier-pigeon",
    });
    assert.equal(badMethod.status, 400);
    assert.match(badMethod.json.error.message, /body\.method/);
    assert.equal((await g.http("GET", "/api/clients/ghost/firmware")).status, 404);

    const slow = await fwDevice(g, "fw-busy", { updateDelayMs: 1500 });
    await g.http("POST", "/api/clients/fw-busy/firmware", { image: id });
    const busy = await g.http("POST", "/api/clients/fw-busy/firmware", { image: id });
    assert.equal(busy.status, 409);
    assert.match(busy.json.error.message, /already/);
    await finalEvent(g, "fw-busy");
    assert.ok(slow.received);
  });
});

Deno.test("POST /api/groups/{name}/firmware starts a job on every member", async () => {
  await withLiveGateway(async (g) => {
    const bytes = image(2500);
    const { image: id } = await upload(g, bytes);
    const devices = await Promise.all(
      ["grp-fw-1", "grp-fw-2", "grp-fw-3"].map((n) => fwDevice(g, n)),
    );
    await g.http("PUT", "/api/groups/fwgroup", { match: "grp-fw-*" });
    const res = await g.http("POST", "/api/groups/fwgroup/firmware", { image: id, method: "push" });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.succeeded, 3);
    for (const r of res.json.results) {
      assert.equal(r.status, 202);
      assert.equal(r.body.image, id);
    }
    for (const d of devices) {
      const endpoint = ["grp-fw-1", "grp-fw-2", "grp-fw-3"][devices.indexOf(d)];
      assert.equal((await finalEvent(g, endpoint)).status, "succeeded");
      assert.deepEqual(d.received, bytes);
    }
    const missing = await g.http("POST", "/api/groups/fwgroup/firmware", { image: "nope" });
    assert.equal(missing.status, 404);
  });
});
