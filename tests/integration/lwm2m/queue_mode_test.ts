/**
 * Queue mode on the server side over loopback UDP (LwM2M Core §6.4 Queue Mode; spec digest
 * lwm2m-interfaces.md §2.5): a client registered with Q sleeps once the queue window has passed
 * since its last message; requests to it are queued, go out after its next Update in order and
 * one at a time, and end as requestCompleted events with their results; a queued request that
 * outlives its expiry ends as requestExpired; the queue per client is bounded.
 */

import assert from "node:assert/strict";
import {
  CHANGED,
  CONTENT,
  content,
  FAST,
  path,
  pathOf,
  POST,
  registered,
  sleep,
  TEXT,
  uintOpt,
  valuesOf,
  waitUntil,
  withGateway,
} from "./helpers.ts";
import { OPTION } from "../../../codec-wasm/coap_registry.ts";
import type { Lwm2mResult } from "../../../gateway/lwm2m/operations.ts";

const QUEUE = { ...FAST, server: { ...FAST.server, queueWindowMs: 300 } };

Deno.test("a Q client sleeps after the window; requests are queued and sent after its next Update, in order, one at a time", async () => {
  await withGateway(async (t) => {
    const { device, location } = await registered(t, "sleepy", ["lt=300", "lwm2m=1.1", "Q"]);
    await t.log.waitFor("sleeping", "sleepy");
    assert.equal(t.server.isSleeping("sleepy"), true);

    const first = await t.server.perform("sleepy", { kind: "read", path: path("/3/0/9") }, {
      format: TEXT,
    });
    const second = await t.server.perform("sleepy", {
      kind: "write",
      mode: "replace",
      path: path("/3/0/14"),
      values: new Map([["/3/0/14", "+03:00"]]),
    }, { format: TEXT });
    assert.equal(first.kind, "queued");
    assert.equal(second.kind, "queued");
    if (first.kind !== "queued" || second.kind !== "queued") return;
    assert.notEqual(first.requestId, second.requestId);
    assert.equal(t.server.queue.status(first.requestId)?.state, "queued");
    assert.equal(device.requests.length, 0, "nothing is sent to a sleeping client");

    // The first queued request is acknowledged but answered only later (a separate response):
    // the second must wait for that answer.
    device.handler = (req) => {
      if (pathOf(req) === "/3/0/9") {
        device.sendRaw({
          type: 2,
          code: 0,
          messageId: req.messageId,
          token: new Uint8Array(),
          options: [],
          payload: new Uint8Array(),
        });
        return null;
      }
      return { code: CHANGED };
    };
    assert.equal((await device.request(POST, location)).code, CHANGED);
    await device.waitForRequests(1);
    const read = device.requests[0];
    assert.equal(pathOf(read), "/3/0/9");
    // A round trip through the server, then a pause: still only the first request is out.
    assert.equal((await device.request(POST, location)).code, CHANGED);
    await sleep(200);
    assert.equal(device.requests.length, 1, "the second request waits for the first answer");

    device.sendRaw({
      type: 0,
      code: CONTENT,
      messageId: 0x6001,
      token: read.token,
      options: [uintOpt(OPTION.CONTENT_FORMAT, TEXT)],
      payload: new TextEncoder().encode("42"),
    });
    await device.waitForRequests(2);
    assert.deepEqual(device.requests.map((r) => [r.code, pathOf(r)]), [[1, "/3/0/9"], [
      3,
      "/3/0/14",
    ]]);

    const done1 = await t.log.waitFor(
      "requestCompleted",
      "sleepy",
      (e) => e.requestId === first.requestId,
    );
    const done2 = await t.log.waitFor(
      "requestCompleted",
      "sleepy",
      (e) => e.requestId === second.requestId,
    );
    assert.equal(done1.state, "done");
    // Events carry results in their JSON form.
    assert.deepEqual((done1.result as { values: unknown }).values, { "/3/0/9": 42 });
    assert.deepEqual(done2.result, { kind: "changed" });
    assert.ok(done1.seq < done2.seq);
    assert.equal(t.server.queue.status(first.requestId)?.state, "done");
    assert.deepEqual(t.log.types("sleepy").slice(0, 4), [
      "registered",
      "sleeping",
      "updated",
      "awake",
    ]);
  }, QUEUE);
});

Deno.test("an awake Q client gets requests at once; queue: false answers a sleeping one without queueing", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "awake-q", ["lt=300", "lwm2m=1.1", "Q"]);
    device.handler = () => content(TEXT, "87");
    const now = await t.server.perform("awake-q", { kind: "read", path: path("/3/0/9") }, {
      format: TEXT,
    });
    assert.deepEqual([...valuesOf(now)], [["/3/0/9", 87]]);
    await t.log.waitFor("sleeping", "awake-q");
    device.handler = () => null;
    const direct = await t.server.perform("awake-q", { kind: "read", path: path("/3/0/9") }, {
      format: TEXT,
      queue: false,
      timeoutMs: 400,
    });
    assert.deepEqual(direct, { kind: "timeout" });
  }, QUEUE);
});

Deno.test("a queued request that outlives its expiry ends with a requestExpired event", async () => {
  await withGateway(async (t) => {
    const { device, location } = await registered(t, "late", ["lt=300", "lwm2m=1.1", "Q"]);
    await t.log.waitFor("sleeping", "late");
    const queued = await t.server.perform("late", { kind: "read", path: path("/3/0/9") });
    assert.equal(queued.kind, "queued");
    if (queued.kind !== "queued") return;
    const expired = await t.log.waitFor("requestExpired", "late");
    assert.equal(expired.requestId, queued.requestId);
    assert.equal(expired.state, "expired");
    assert.deepEqual(expired.result, { kind: "expired", requestId: queued.requestId });
    assert.equal(t.server.queue.status(queued.requestId)?.state, "expired");
    // Waking up later sends nothing: the expired request is gone.
    device.handler = () => content(TEXT, "1");
    assert.equal((await device.request(POST, location)).code, CHANGED);
    await t.log.waitFor("awake", "late");
    await sleep(100);
    assert.equal(device.requests.length, 0);
  }, { ...QUEUE, server: { ...QUEUE.server, queueExpiryMs: 300 } });
});

Deno.test("the queue of a sleeping client is bounded: beyond the limit perform fails, nothing is lost silently", async () => {
  await withGateway(async (t) => {
    await registered(t, "full", ["lt=300", "lwm2m=1.1", "Q"]);
    await t.log.waitFor("sleeping", "full");
    const results: Lwm2mResult[] = [];
    for (let i = 0; i < 101; i++) {
      results.push(await t.server.perform("full", { kind: "read", path: path("/3/0/9") }));
    }
    assert.equal(results.slice(0, 100).every((r) => r.kind === "queued"), true);
    const last = results[100];
    assert.equal(last.kind, "failed");
    assert.match(last.kind === "failed" ? last.message : "", /full/);
    assert.equal(t.server.queue.depth(), 100);
  }, QUEUE);
});

Deno.test("queued requests of a client that de-registers end as failed with notRegistered", async () => {
  await withGateway(async (t) => {
    const { device, location } = await registered(t, "leaving", ["lt=300", "lwm2m=1.1", "Q"]);
    await t.log.waitFor("sleeping", "leaving");
    const queued = await t.server.perform("leaving", { kind: "read", path: path("/3/0/9") });
    assert.equal(queued.kind, "queued");
    assert.equal((await device.request(4, location)).code, 66);
    const done = await t.log.waitFor("requestCompleted", "leaving");
    assert.equal(done.state, "failed");
    assert.deepEqual(done.result, { kind: "notRegistered" });
  }, QUEUE);
});

Deno.test("stopping the gateway with requests still queued leaves nothing running", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./stop_child.ts", import.meta.url).pathname],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill("SIGKILL");
  }, 20_000);
  try {
    const out = await child.output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(killed, false, `the process did not end after stop(): ${stdout}`);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(stdout, /perform queued\nstopped\n/);
  } finally {
    clearTimeout(timer);
  }
});

Deno.test("a queued request the woken client does not answer stays queued and goes out at the next wake-up", async () => {
  await withGateway(
    async (t) => {
      const { device, location } = await registered(t, "drowsy", ["lt=300", "lwm2m=1.1", "Q"]);
      await t.log.waitFor("sleeping", "drowsy");
      const queued = await t.server.perform("drowsy", { kind: "read", path: path("/3/0/9") }, {
        format: TEXT,
      });
      assert.equal(queued.kind, "queued");
      if (queued.kind !== "queued") return;

      device.handler = () => null; // wakes up, then falls asleep again before answering
      assert.equal((await device.request(POST, location)).code, CHANGED);
      await device.waitForRequests(1);
      await waitUntil(
        () => t.server.queue.status(queued.requestId)?.state === "queued",
        "the request queued again after the timeout",
      );
      assert.equal(t.server.isSleeping("drowsy"), true);
      assert.equal(t.log.events.some((e) => e.type === "requestCompleted"), false);

      device.handler = () => content(TEXT, "33");
      const sent = device.requests.length;
      assert.equal((await device.request(POST, location)).code, CHANGED);
      const done = await t.log.waitFor("requestCompleted", "drowsy");
      assert.equal(done.requestId, queued.requestId);
      assert.deepEqual((done.result as { values: unknown }).values, { "/3/0/9": 33 });
      assert.equal(pathOf(device.requests[sent]), "/3/0/9");
    },
    { ...QUEUE, server: { ...QUEUE.server, requestTimeoutMs: 500 } },
  );
});
