/**
 * Two gateway processes on one Redis (issue 10), with real sockets on loopback: a scripted device
 * registers through node A; an HTTP Read through node B reaches it (forwarded to A, which holds the
 * device's CoAP session); an Observe made through B delivers its notifications, sent by the device
 * to A, on B's /api/events stream; node A is SIGKILLed and the device's next Update, sent straight
 * to B (standing in for a load balancer with source-address affinity), is served there: same
 * registration id, and B now reads the device and accepts its notifications itself.
 * Ignored when LWM2M_TEST_REDIS is not set (tests/support/redis.ts).
 */

import assert from "node:assert/strict";
import { OPTION } from "../../codec-wasm/coap_registry.ts";
import {
  CHANGED,
  content,
  CREATED,
  GET,
  notify,
  observeOf,
  TEXT,
  uintOpt,
} from "../integration/lwm2m/helpers.ts";
import { dropPrefix, redisTest, testPrefix } from "../support/redis.ts";
import { locationPath, pathOf, ScriptedDevice } from "../support/scripted_device.ts";
import { SseReader } from "../support/sse_reader.ts";
import { type NodeProcess, startNode } from "./node_process.ts";

const EP = "cluster-dev-1";

/** Polls until `check` resolves truthy (bounded). */
async function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The device: Reads of /3/0/0 answer a manufacturer; Observe of /3/0/9 is accepted. */
function handle(device: ScriptedDevice, manufacturer: string): void {
  device.handler = (req) => {
    if (pathOf(req) === "/3/0/9" && observeOf(req) === 0) {
      const reply = content(TEXT, "87");
      return { ...reply, options: [uintOpt(OPTION.OBSERVE, 0), ...reply.options] };
    }
    if (req.code === GET && pathOf(req) === "/3/0/0") return content(TEXT, manufacturer);
    return { code: 132 };
  };
}

redisTest(
  "two nodes on one Redis: read and events across nodes, failover keeps the registration",
  async (redis) => {
    const prefix = testPrefix();
    const store = `${redis}/0?prefix=${prefix}`;
    const nodes: NodeProcess[] = [];
    const devices: ScriptedDevice[] = [];
    let events: SseReader | null = null;
    try {
      const a = await startNode(store);
      nodes.push(a);
      const b = await startNode(store);
      nodes.push(b);

      const stream = await b.api(`/api/events?endpoint=${EP}`);
      assert.equal(stream.status, 200);
      events = new SseReader(stream.body!);

      // Register through A.
      const device = await ScriptedDevice.open(a.coap);
      devices.push(device);
      handle(device, "Scripted Inc");
      const registered = await device.register([`ep=${EP}`, "lt=300", "lwm2m=1.1", "b=U"]);
      assert.equal(registered.code, CREATED);
      const location = "/" + locationPath(registered).join("/");
      const registrationId = locationPath(registered)[1];
      assert.equal((await events.until("registered", 10_000)).at(-1)?.data.endpoint, EP);

      // B knows the registration and reads the device through A.
      const seen = await eventually(async () => {
        const r = await b.api(`/api/clients/${EP}`);
        return r.status === 200 ? await r.json() : void await r.body?.cancel();
      }, "node B to know the registration");
      assert.equal(seen.registrationId, registrationId);
      const read = await b.api(`/api/clients/${EP}/3/0/0?timeout=5000`);
      assert.equal(read.status, 200, await read.clone().text());
      assert.deepEqual((await read.json()).values, { "/3/0/0": "Scripted Inc" });
      assert.equal(device.requests.length, 1, "the Read went to the device once (from A)");

      // Observe through B; the device notifies A; the notification shows on B's stream.
      const observed = await b.api(`/api/clients/${EP}/3/0/9/observe?format=text`, {
        method: "POST",
      });
      assert.equal(observed.status, 200, await observed.clone().text());
      const { observationId } = await observed.json();
      const observe = device.requests.find((r) => pathOf(r) === "/3/0/9")!;
      notify(device, observe, 1, TEXT, "85");
      const notification = (await events.until("notification", 10_000)).at(-1)!;
      assert.equal(notification.data.observationId, observationId);
      assert.deepEqual(notification.data.values, { "/3/0/9": 85 });

      // A crashes; the device's next Update goes to B (as a UDP balancer would send it).
      await a.kill();
      const port = Number(device.address.split(":")[1]);
      device.close();
      const moved = await ScriptedDevice.open(b.coap, port);
      devices.push(moved);
      handle(moved, "Scripted Inc, via B");
      const update = await moved.request(2, location, ["lt=300"]);
      assert.equal(update.code, CHANGED, "B serves the Update of a registration made through A");
      const updated = (await events.until("updated", 10_000)).at(-1)!;
      assert.equal(updated.data.endpoint, EP);

      const after = await (await b.api(`/api/clients/${EP}`)).json();
      assert.equal(after.registrationId, registrationId, "the registration is kept");
      const readB = await b.api(`/api/clients/${EP}/3/0/0?timeout=5000`);
      assert.equal(readB.status, 200, await readB.clone().text());
      assert.deepEqual((await readB.json()).values, { "/3/0/0": "Scripted Inc, via B" });

      // The observation moved with the device: B accepts its notifications (same token).
      notify(moved, observe, 2, TEXT, "84");
      const again = (await events.until("notification", 10_000)).at(-1)!;
      assert.equal(again.data.observationId, observationId);
      assert.deepEqual(again.data.values, { "/3/0/9": 84 });
    } catch (e) {
      for (const [i, n] of nodes.entries()) {
        console.error(
          `--- node ${"AB"[i]} stderr:\n${n.stderr()}`,
        );
      }
      throw e;
    } finally {
      for (const d of devices) d.close();
      await events?.close();
      for (const n of nodes) await n.stop();
      await dropPrefix(redis, prefix);
    }
  },
);
