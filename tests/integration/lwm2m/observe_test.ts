/**
 * Information Reporting end to end (LwM2M Core §6.4; spec digest lwm2m-interfaces.md §5-§6):
 * Observe and Observe-Composite through `Lwm2mServer.perform` (GET / FETCH with Observe=0 on
 * the wire), notifications from the scripted device becoming `notification` events with typed
 * values, Cancel Observation (GET with Observe=1 and the same token), and observations re-issued
 * to the device after each new Register.
 */

import assert from "node:assert/strict";
import { OPTION } from "../../../codec-wasm/coap_registry.ts";
import {
  acceptOf,
  content,
  contentFormatOf,
  CREATED,
  FETCH,
  GET,
  notify,
  observeOf,
  path,
  pathOf,
  registered,
  SENML_JSON,
  str,
  TEXT,
  uintOpt,
  valuesOf,
  waitUntil,
  withGateway,
} from "./helpers.ts";

/** Answers GET/FETCH with Observe=0 as an established observation (2.05 + Observe 0). */
function observed(format: number, payload: string) {
  const reply = content(format, payload);
  return { ...reply, options: [uintOpt(OPTION.OBSERVE, 0), ...reply.options] };
}

Deno.test("observe: GET /3/0/9 Observe=0, notifications become events with values, cancel sends GET Observe=1", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "obs", ["lt=300", "lwm2m=1.1"]);
    device.handler = (req) => observeOf(req) === 0 ? observed(TEXT, "87") : content(TEXT, "86"); // cancel: plain 2.05
    const result = await t.server.perform("obs", { kind: "observe", path: path("/3/0/9") }, {
      format: TEXT,
    });
    assert.deepEqual([...valuesOf(result)], [["/3/0/9", 87]]);
    assert.equal(result.kind === "content" && typeof result.observationId, "string");
    const observationId = result.kind === "content" ? result.observationId! : "";
    const observe = device.requests[0];
    assert.equal(observe.code, GET);
    assert.equal(pathOf(observe), "/3/0/9");
    assert.equal(observeOf(observe), 0);
    assert.equal(acceptOf(observe), TEXT);

    notify(device, observe, 1, TEXT, "85");
    notify(device, observe, 2, TEXT, "84", true);
    await device.waitFor((m) => m.type === 2 && m.messageId === 0x7002); // ACK of the CON one
    await waitUntil(
      () => t.log.events.filter((e) => e.type === "notification").length === 2,
      "two notifications",
    );
    const notifications = t.log.events.filter((e) => e.type === "notification");
    assert.deepEqual(notifications.map((e) => e.observationId), [observationId, observationId]);
    assert.deepEqual(notifications.map((e) => e.values), [{ "/3/0/9": 85 }, { "/3/0/9": 84 }]);
    assert.deepEqual(notifications.map((e) => e.endpoint), ["obs", "obs"]);

    assert.equal(await t.server.observations.cancel(observationId), true);
    assert.equal(device.requests.length, 2);
    const cancel = device.requests[1];
    assert.equal(cancel.code, GET);
    assert.equal(pathOf(cancel), "/3/0/9");
    assert.equal(observeOf(cancel), 1);
    assert.deepEqual(cancel.token, observe.token);
    assert.equal(t.server.observations.forEndpoint("obs").length, 0);

    // A notification after the cancel is refused with RST and makes no event.
    notify(device, observe, 3, TEXT, "83", true);
    await device.waitFor((m) => m.type === 3 && m.messageId === 0x7003);
    assert.equal(t.log.events.filter((e) => e.type === "notification").length, 2);
  });
});

Deno.test("observeComposite: FETCH / Observe=0 with SenML paths; notifications carry every path", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(
      t,
      "obs-comp",
      ["lt=300", "lwm2m=1.1"],
      "</>;ct=110,</3/0>,</3311/0>",
    );
    device.handler = () =>
      observed(SENML_JSON, '[{"n":"/3/0/9","v":87},{"n":"/3311/0/5850","vb":true}]');
    const result = await t.server.perform("obs-comp", {
      kind: "observeComposite",
      paths: [path("/3/0/9"), path("/3311/0/5850")],
    });
    assert.deepEqual(
      valuesOf(result),
      new Map<string, unknown>([["/3/0/9", 87], ["/3311/0/5850", true]]),
    );
    const req = device.requests[0];
    assert.equal(req.code, FETCH);
    assert.equal(pathOf(req), "/");
    assert.equal(observeOf(req), 0);
    assert.equal(contentFormatOf(req), SENML_JSON);
    assert.equal(acceptOf(req), SENML_JSON);
    assert.deepEqual(JSON.parse(str(req.payload)), [{ n: "/3/0/9" }, { n: "/3311/0/5850" }]);

    notify(device, req, 1, SENML_JSON, '[{"n":"/3/0/9","v":80},{"n":"/3311/0/5850","vb":false}]');
    const event = await t.log.waitFor("notification", "obs-comp");
    assert.deepEqual(event.values, { "/3/0/9": 80, "/3311/0/5850": false });
    assert.equal(event.observationId, result.kind === "content" ? result.observationId : null);
  });
});

Deno.test("a notification the server cannot decode is an event with the error, not a crash", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "obs-bad", ["lt=300", "lwm2m=1.1"]);
    device.handler = () => observed(SENML_JSON, '[{"n":"/3/0/9","v":87}]');
    const result = await t.server.perform("obs-bad", { kind: "observe", path: path("/3/0/9") }, {
      format: SENML_JSON,
    });
    assert.equal(result.kind, "content");
    notify(device, device.requests[0], 1, SENML_JSON, "[{not json");
    const event = await t.log.waitFor("notification", "obs-bad");
    assert.equal((event.error as { kind: string }).kind, "undecodable");
    // The server still works.
    notify(device, device.requests[0], 2, SENML_JSON, '[{"n":"/3/0/9","v":60}]');
    const next = await t.log.waitFor("notification", "obs-bad", (e) => e.values !== undefined);
    assert.deepEqual(next.values, { "/3/0/9": 60 });
  });
});

Deno.test("observations are re-issued after a new Register: the device sees a new GET Observe=0", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "reobs", ["lt=300", "lwm2m=1.1"]);
    device.handler = () => observed(TEXT, "87");
    const result = await t.server.perform("reobs", { kind: "observe", path: path("/3/0/9") }, {
      format: TEXT,
    });
    assert.equal(result.kind, "content");
    const first = device.requests[0];

    // The device reboots and registers again (same socket): it has forgotten the observation.
    const again = await device.register(["ep=reobs", "lt=300", "lwm2m=1.1"]);
    assert.equal(again.code, CREATED);
    await device.waitForRequests(2);
    const second = device.requests[1];
    assert.equal(second.code, GET);
    assert.equal(pathOf(second), "/3/0/9");
    assert.equal(observeOf(second), 0);
    assert.equal(acceptOf(second), TEXT);
    assert.notDeepEqual(second.token, first.token);

    // Notifications flow on the new token under the same observation id.
    notify(device, second, 5, TEXT, "42");
    const event = await t.log.waitFor("notification", "reobs");
    assert.deepEqual(event.values, { "/3/0/9": 42 });
    assert.equal(event.observationId, result.kind === "content" ? result.observationId : null);
    assert.equal(t.server.observations.forEndpoint("reobs").length, 1);
  });
});

Deno.test("an observe the device answers without Observe option is a plain read, not kept", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "noobs", ["lt=300", "lwm2m=1.1"]);
    device.handler = () => content(TEXT, "87");
    const result = await t.server.perform("noobs", { kind: "observe", path: path("/3/0/9") }, {
      format: TEXT,
    });
    assert.deepEqual([...valuesOf(result)], [["/3/0/9", 87]]);
    assert.equal(observeOf(device.requests[0]), 0);
    assert.equal(device.requests.length, 1);
  });
});

Deno.test({
  name: "cancel of an Observe-Composite sends FETCH Observe=1 with the same path list and token",
  fn: () =>
    withGateway(async (t) => {
      const { device } = await registered(
        t,
        "obs-comp-cancel",
        ["lt=300", "lwm2m=1.1"],
        "</>;ct=110,</3/0>",
      );
      device.handler = (req) =>
        observeOf(req) === 0
          ? observed(SENML_JSON, '[{"n":"/3/0/9","v":87},{"n":"/3/0/0","vs":"ACME"}]')
          : content(SENML_JSON, '[{"n":"/3/0/9","v":87},{"n":"/3/0/0","vs":"ACME"}]');
      const result = await t.server.perform("obs-comp-cancel", {
        kind: "observeComposite",
        paths: [path("/3/0/9"), path("/3/0/0")],
      });
      assert.equal(result.kind, "content");
      const observationId = result.kind === "content" ? result.observationId! : "";
      assert.equal(await t.server.observations.cancel(observationId), true);
      assert.equal(device.requests.length, 2);
      const [observe, cancel] = device.requests;
      assert.equal(cancel.code, FETCH);
      assert.equal(pathOf(cancel), "/");
      assert.equal(observeOf(cancel), 1);
      assert.deepEqual(cancel.token, observe.token);
      assert.equal(contentFormatOf(cancel), SENML_JSON);
      assert.deepEqual(JSON.parse(str(cancel.payload)), [{ n: "/3/0/9" }, { n: "/3/0/0" }]);
    }),
});

Deno.test("after a Register from a new address the observation is re-issued there", async () => {
  await withGateway(async (t) => {
    const { device: before } = await registered(t, "moved-obs", ["lt=300", "lwm2m=1.1"]);
    before.handler = () => observed(TEXT, "1");
    const result = await t.server.perform("moved-obs", { kind: "observe", path: path("/3/0/9") }, {
      format: TEXT,
    });
    assert.equal(result.kind, "content");
    const after = await t.device();
    after.handler = () => observed(TEXT, "2");
    assert.equal((await after.register(["ep=moved-obs", "lt=300", "lwm2m=1.1"])).code, CREATED);
    await after.waitForRequests(1);
    assert.equal(pathOf(after.requests[0]), "/3/0/9");
    assert.equal(observeOf(after.requests[0]), 0);
    assert.equal(before.requests.length, 1, "nothing more goes to the old address");
    notify(after, after.requests[0], 3, TEXT, "3");
    const event = await t.log.waitFor("notification", "moved-obs");
    assert.deepEqual(event.values, { "/3/0/9": 3 });
  });
});
