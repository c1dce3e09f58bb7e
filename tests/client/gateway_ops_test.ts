/**
 * End to end over loopback UDP: the in-process gateway (gateway/gateway.ts) performs every Device
 * Management and Information Reporting operation (LwM2M Core §6.3-§6.4) on a client of
 * gateway/client, and each answer comes back as the server's typed result.
 */

import assert from "node:assert/strict";
import { Lwm2mPath } from "../../gateway/lwm2m/path.ts";
import { defineObject, resource } from "../../objects/mod.ts";
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

async function setup(name: string): Promise<{ t: TestGateway; c: TestClient; ep: string }> {
  const t = await testGateway();
  const ep = `ops-${name}`;
  const c = await testClient({
    endpoint: ep,
    factory: oneServer(t.port),
    objects: [
      { objectId: 3, instanceId: 0, values: new Map([[2, "SN-42"]]) },
      {
        objectId: 3311,
        instanceId: 0,
        values: new Map<number, boolean | number>([[5850, false], [5851, 30]]),
      },
    ],
  });
  await waitEvent(c, "registered");
  await waitFor(() => t.gw.server!.get(ep), 3000, "the registration at the gateway");
  return { t, c, ep };
}

async function teardown(s: { t: TestGateway; c: TestClient }): Promise<void> {
  await s.c.close();
  await s.t.stop();
}

Deno.test("client: Read in every content format chosen by Accept", async () => {
  const s = await setup("read");
  try {
    const server = s.t.gw.server!;
    for (const format of [11542, 110, 112, 11544]) {
      const r = await server.perform(s.ep, { kind: "read", path: P("/3/0") }, { format });
      assert.equal(r.kind, "content", `format ${format}`);
      if (r.kind !== "content") continue;
      assert.equal(r.format, format);
      assert.equal(r.values.get("/3/0/2"), "SN-42");
      assert.equal(r.values.get("/3/0/11/0"), 0);
      assert.equal(typeof r.values.get("/3/0/13"), "number");
    }
    const text = await server.perform(s.ep, { kind: "read", path: P("/3311/0/5851") }, {
      format: 0,
    });
    assert.deepEqual(text, { kind: "content", format: 0, values: new Map([["/3311/0/5851", 30]]) });
    const cbor = await server.perform(s.ep, { kind: "read", path: P("/3311/0/5850") }, {
      format: 60,
    });
    assert.deepEqual(cbor, {
      kind: "content",
      format: 60,
      values: new Map([["/3311/0/5850", false]]),
    });
    const object = await server.perform(s.ep, { kind: "read", path: P("/3311") }, {
      format: 11542,
    });
    assert.equal(object.kind === "content" && object.values.get("/3311/0/5851"), 30);
    const ri = await server.perform(s.ep, { kind: "read", path: P("/3/0/11/0") }, { format: 0 });
    assert.deepEqual(ri, { kind: "content", format: 0, values: new Map([["/3/0/11/0", 0]]) });
    // Current Time is the wall clock.
    const now = await server.perform(s.ep, { kind: "read", path: P("/3/0/13") }, { format: 0 });
    assert.ok(
      now.kind === "content" &&
        Math.abs((now.values.get("/3/0/13") as number) - Date.now() / 1000) < 5,
    );
  } finally {
    await teardown(s);
  }
});

Deno.test("client: Read errors: 4.04 unknown, 4.05 executable, 4.06 text for an instance, 4.01 Security", async () => {
  const s = await setup("read-errors");
  try {
    const server = s.t.gw.server!;
    const code = async (path: string, format?: number) => {
      const r = await server.perform(
        s.ep,
        { kind: "read", path: P(path) },
        format === undefined ? {} : { format },
      );
      return r.kind === "deviceError" ? r.coapCode : r.kind;
    };
    assert.equal(await code("/9999/0"), 132);
    assert.equal(await code("/3311/7"), 132);
    assert.equal(await code("/3/0/4"), 133);
    assert.equal(await code("/3/0", 0), 134);
    assert.equal(await code("/3/0/6", 0), 134);
    assert.equal(await code("/3/0/0", 42), 134);
    assert.equal(await code("/3/0/0", 11543), 134);
    assert.equal(await code("/0/0"), 129);
  } finally {
    await teardown(s);
  }
});

Deno.test("client: Discover with depth and the attributes this server wrote", async () => {
  const s = await setup("discover");
  try {
    const server = s.t.gw.server!;
    const wa = await server.perform(s.ep, {
      kind: "writeAttributes",
      path: P("/3311/0/5851"),
      attributes: { pmin: 2, gt: 50 },
    });
    assert.deepEqual(wa, { kind: "changed" });
    const r = await server.perform(s.ep, { kind: "discover", path: P("/3311/0") });
    assert.equal(r.kind, "links");
    if (r.kind !== "links") return;
    assert.deepEqual(r.links[0], { path: "/3311/0", attributes: {} });
    assert.deepEqual(r.links.find((l) => l.path === "/3311/0/5851")?.attributes, {
      pmin: "2",
      gt: "50",
    });
    const obj = await server.perform(s.ep, { kind: "discover", path: P("/3") });
    assert.ok(
      obj.kind === "links" && obj.links[0].path === "/3" && obj.links[0].attributes.ver === "1.2",
    );
    assert.ok(
      obj.kind === "links" &&
        obj.links.some((l) => l.path === "/3/0/6" && l.attributes.dim === "1"),
    );
    const shallow = await server.perform(s.ep, { kind: "discover", path: P("/3"), depth: 0 });
    assert.ok(shallow.kind === "links" && shallow.links.length === 1);
    const res = await server.perform(s.ep, { kind: "discover", path: P("/3/0/6") });
    assert.ok(res.kind === "links" && res.links.map((l) => l.path).join() === "/3/0/6,/3/0/6/0");
    const unset = await server.perform(s.ep, {
      kind: "writeAttributes",
      path: P("/3311/0/5851"),
      attributes: { gt: null },
    });
    assert.deepEqual(unset, { kind: "changed" });
    const again = await server.perform(s.ep, { kind: "discover", path: P("/3311/0/5851") });
    assert.ok(
      again.kind === "links" && JSON.stringify(again.links[0].attributes) === `{"pmin":"2"}`,
    );
    const bad = await server.perform(s.ep, {
      kind: "writeAttributes",
      path: P("/3311/0/5851"),
      attributes: { gt: 10, lt: 20 },
    });
    assert.equal(bad.kind === "deviceError" && bad.coapCode, 128);
    const text = await server.perform(s.ep, {
      kind: "writeAttributes",
      path: P("/3/0/0"),
      attributes: { gt: 1 },
    });
    assert.equal(text.kind === "deviceError" && text.coapCode, 128);
  } finally {
    await teardown(s);
  }
});

Deno.test("client: Write replace and partial update, write handlers, 4.05 for read-only", async () => {
  const s = await setup("write");
  try {
    const server = s.t.gw.server!;
    for (const format of [11542, 110, 112, 11544]) {
      const r = await server.perform(s.ep, {
        kind: "write",
        mode: "update",
        path: P("/3311/0"),
        values: new Map<string, number | boolean>([["/3311/0/5850", true], [
          "/3311/0/5851",
          format % 100,
        ]]),
      }, { format });
      assert.deepEqual(r, { kind: "changed" }, `format ${format}`);
      assert.equal(s.c.get("/3311/0/5851"), format % 100);
    }
    assert.equal(s.c.get("/3311/0/5850"), true);
    const single = await server.perform(s.ep, {
      kind: "write",
      mode: "replace",
      path: P("/3/0/14"),
      values: new Map([["/3/0/14", "+02:00"]]),
    }, { format: 0 });
    assert.deepEqual(single, { kind: "changed" });
    assert.equal(s.c.get("/3/0/14"), "+02:00");
    // Current Time is written as an offset to the wall clock.
    await server.perform(s.ep, {
      kind: "write",
      mode: "replace",
      path: P("/3/0/13"),
      values: new Map([["/3/0/13", 1000]]),
    });
    assert.ok(Math.abs((s.c.get("/3/0/13") as number) - 1000) <= 2);
    // Replace of an instance: optional writable resources not given are removed.
    s.c.set("/3311/0/5706", "red");
    const replace = await server.perform(s.ep, {
      kind: "write",
      mode: "replace",
      path: P("/3311/0"),
      values: new Map<string, number | boolean>([["/3311/0/5850", false], ["/3311/0/5851", 5]]),
    });
    assert.deepEqual(replace, { kind: "changed" });
    assert.equal(s.c.get("/3311/0/5706"), undefined);
    const ro = await server.perform(s.ep, {
      kind: "write",
      mode: "replace",
      path: P("/3/0/0"),
      values: new Map([["/3/0/0", "x"]]),
    });
    assert.equal(ro.kind === "deviceError" && ro.coapCode, 133);
    const range = await server.perform(s.ep, {
      kind: "write",
      mode: "replace",
      path: P("/3311/0/5851"),
      values: new Map([["/3311/0/5851", 101]]),
    });
    assert.equal(range.kind === "deviceError" && range.coapCode, 128);
    const missing = await server.perform(s.ep, {
      kind: "write",
      mode: "replace",
      path: P("/3311/9/5851"),
      values: new Map([["/3311/9/5851", 1]]),
    });
    assert.equal(missing.kind === "deviceError" && missing.coapCode, 132);
    // On time counts while the light is on.
    await server.perform(s.ep, {
      kind: "write",
      mode: "replace",
      path: P("/3311/0/5852"),
      values: new Map([["/3311/0/5852", 100]]),
    });
    assert.equal(s.c.get("/3311/0/5852"), 100);
  } finally {
    await teardown(s);
  }
});

Deno.test("client: Execute (Reset Error Code, arguments, 4.05, Reboot re-registers)", async () => {
  const s = await setup("execute");
  try {
    const server = s.t.gw.server!;
    s.c.set("/3/0/11", new Map([[0, 4]]));
    assert.deepEqual(await server.perform(s.ep, { kind: "execute", path: P("/3/0/12") }), {
      kind: "changed",
    });
    assert.deepEqual(s.c.get("/3/0/11"), new Map([[0, 0]]));
    assert.deepEqual(
      await server.perform(s.ep, { kind: "execute", path: P("/3/0/12"), arguments: "0='x',1" }),
      { kind: "changed" },
    );
    const badArgs = await server.perform(s.ep, {
      kind: "execute",
      path: P("/3/0/12"),
      arguments: "0=x",
    });
    assert.equal(badArgs.kind === "deviceError" && badArgs.coapCode, 128);
    const notExec = await server.perform(s.ep, { kind: "execute", path: P("/3/0/0") });
    assert.equal(notExec.kind === "deviceError" && notExec.coapCode, 133);
    const reboot = await server.perform(s.ep, { kind: "execute", path: P("/3/0/4") });
    assert.deepEqual(reboot, { kind: "changed" });
    await waitEvent(s.c, "rebooting");
    await waitEvent(s.c, "registered", 2, 5000);
  } finally {
    await teardown(s);
  }
});

Deno.test("client: Create and Delete update the registration's object list", async () => {
  const s = await setup("create");
  try {
    const server = s.t.gw.server!;
    const named = await server.perform(s.ep, {
      kind: "create",
      path: P("/3303"),
      instanceId: 4,
      values: new Map<string, string | number>([["/3303/4/5750", "boiler"], ["/3303/4/5700", 99]]),
    });
    assert.deepEqual(named, { kind: "created", location: "/3303/4" });
    assert.equal(s.c.get("/3303/4/5750"), "boiler");
    assert.equal(
      s.c.get("/3303/4/5700"),
      20,
      "read-only values in a Create are ignored; the default stays",
    );
    const chosen = await server.perform(s.ep, {
      kind: "create",
      path: P("/3303"),
      values: new Map([["/3303/0/5750", "room"]]),
    });
    assert.deepEqual(chosen, { kind: "created", location: "/3303/0" });
    const dup = await server.perform(s.ep, {
      kind: "create",
      path: P("/3303"),
      instanceId: 4,
      values: new Map([["/3303/4/5700", 1]]),
    });
    assert.equal(dup.kind === "deviceError" && dup.coapCode, 128);
    const device = await server.perform(s.ep, {
      kind: "create",
      path: P("/3"),
      instanceId: 1,
      values: new Map([["/3/1/0", "x"]]),
    });
    assert.equal(device.kind === "deviceError" && device.coapCode, 133);
    await waitFor(
      () => server.get(s.ep)!.objectLinks.some((l) => l.path === "/3303/4"),
      3000,
      "Update with /3303/4",
    );
    assert.deepEqual(await server.perform(s.ep, { kind: "delete", path: P("/3303/4") }), {
      kind: "deleted",
    });
    assert.equal(s.c.store.hasInstance(3303, 4), false);
    await waitFor(
      () => !server.get(s.ep)!.objectLinks.some((l) => l.path === "/3303/4"),
      3000,
      "Update without /3303/4",
    );
    const gone = await server.perform(s.ep, { kind: "delete", path: P("/3303/4") });
    assert.equal(gone.kind === "deviceError" && gone.coapCode, 132);
    const dev = await server.perform(s.ep, { kind: "delete", path: P("/3/0") });
    assert.equal(dev.kind === "deviceError" && dev.coapCode, 133);
    const sec = await server.perform(s.ep, { kind: "delete", path: P("/0/0") });
    assert.equal(sec.kind === "deviceError" && sec.coapCode, 129);
  } finally {
    await teardown(s);
  }
});

Deno.test("client: Read-Composite and Write-Composite (atomic)", async () => {
  const s = await setup("composite");
  try {
    const server = s.t.gw.server!;
    for (const format of [110, 112, 11544]) {
      const r = await server.perform(s.ep, {
        kind: "readComposite",
        paths: [P("/3/0/2"), P("/3311/0/5851"), P("/9/9/9")],
      }, { format });
      assert.equal(r.kind, "content", `format ${format}`);
      if (r.kind === "content") {
        assert.deepEqual([...r.values.keys()].sort(), ["/3/0/2", "/3311/0/5851"]);
      }
    }
    const w = await server.perform(s.ep, {
      kind: "writeComposite",
      values: new Map<string, string | number>([["/3311/0/5851", 77], ["/3/0/14", "+03:00"]]),
    }, { format: 112 });
    assert.deepEqual(w, { kind: "changed" });
    assert.equal(s.c.get("/3311/0/5851"), 77);
    assert.equal(s.c.get("/3/0/14"), "+03:00");
    const atomic = await server.perform(s.ep, {
      kind: "writeComposite",
      values: new Map<string, string | number>([["/3311/0/5851", 1], ["/3/0/0", "no"]]),
    }, { format: 110 });
    assert.equal(atomic.kind === "deviceError" && atomic.coapCode, 133);
    assert.equal(s.c.get("/3311/0/5851"), 77, "nothing written when one value is refused");
  } finally {
    await teardown(s);
  }
});

Deno.test("client: Observe with gt honoured, Cancel, Observe-Composite, and Send", async () => {
  const s = await setup("observe");
  try {
    const server = s.t.gw.server!;
    const notifications = () => s.t.events.filter((e) => e.type === "notification");
    await server.perform(s.ep, {
      kind: "writeAttributes",
      path: P("/3311/0/5851"),
      attributes: { gt: 50 },
    });
    const o = await server.observations.observe(s.ep, [P("/3311/0/5851")], false);
    assert.deepEqual(o.result, {
      kind: "content",
      format: 11544,
      values: new Map([["/3311/0/5851", 30]]),
    });
    s.c.set("/3311/0/5851", 40); // no crossing of gt=50: no notification
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(notifications().length, 0);
    s.c.set("/3311/0/5851", 60);
    const n1 = await waitFor(() => notifications()[0], 3000, "a notification");
    assert.deepEqual(n1.values, { "/3311/0/5851": 60 });
    assert.equal(await server.observations.cancel(o.observationId!), true);
    assert.equal(s.c.observations.size, 0);
    s.c.set("/3311/0/5851", 20);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(notifications().length, 1);

    const oc = await server.observations.observe(s.ep, [P("/3311/0/5850"), P("/3/0/14")], true);
    assert.equal(oc.result.kind, "content");
    s.c.set("/3/0/14", "+05:00");
    const n2 = await waitFor(() => notifications()[1], 3000, "a composite notification");
    assert.deepEqual(n2.values, { "/3311/0/5850": false, "/3/0/14": "+05:00" });

    const inst = await server.observations.observe(s.ep, [P("/3311/0")], false);
    assert.equal(inst.result.kind, "content");
    s.c.write("/3311/0/5850", true);
    const n3 = await waitFor(
      () => notifications().find((e) => e.observationId === inst.observationId),
      3000,
      "an instance notification",
    );
    assert.equal((n3.values as Record<string, unknown>)["/3311/0/5850"], true);

    const sent = await s.c.send(["/3311/0/5851", "/3/0/2"]);
    assert.deepEqual(sent, { ok: true, code: 68 });
    const e = await waitFor(
      () => s.t.events.find((x) => x.type === "send"),
      3000,
      "the send event",
    );
    assert.deepEqual(e.values, { "/3311/0/5851": 20, "/3/0/2": "SN-42" });
  } finally {
    await teardown(s);
  }
});

Deno.test("client: pmin delays and pmax forces notifications (real time)", async () => {
  const s = await setup("periods");
  try {
    const server = s.t.gw.server!;
    await server.perform(s.ep, {
      kind: "writeAttributes",
      path: P("/3311/0"),
      attributes: { pmin: 1, pmax: 2 },
    });
    const o = await server.observations.observe(s.ep, [P("/3311/0/5851")], false);
    const t0 = Date.now();
    const times = () =>
      s.t.events.filter((e) => e.type === "notification" && e.observationId === o.observationId);
    s.c.set("/3311/0/5851", 31);
    const first = await waitFor(() => times()[0], 3000, "the pmin-delayed notification");
    assert.ok(Date.now() - t0 >= 900, "not before pmin");
    assert.deepEqual(first.values, { "/3311/0/5851": 31 });
    await waitFor(() => times()[1], 3500, "the pmax notification without a change");
  } finally {
    await teardown(s);
  }
});

Deno.test("client: addObject with a custom model and handlers; opaque read; Update announces it", async () => {
  const s = await setup("custom");
  try {
    const model = defineObject({ id: 32800, name: "Counter", multiple: true, mandatory: false }, [
      resource(0, "Count", "R", "integer"),
      resource(1, "Blob", "R", "opaque"),
      resource(2, "Bump", "E", "none"),
    ]);
    let count = 0;
    s.c.addObject({
      model,
      resources: {
        0: { read: () => count },
        2: { execute: (_ctx, args) => void (count += args ? Number(args.slice(3, -1)) : 1) },
      },
    }, [{ objectId: 32800, instanceId: 0, values: new Map([[1, new Uint8Array([1, 2, 3])]]) }]);
    await waitFor(
      () => s.t.gw.server!.get(s.ep)!.objectLinks.some((l) => l.path === "/32800/0"),
      3000,
      "the Update",
    );
    const server = s.t.gw.server!;
    assert.deepEqual(
      await server.perform(s.ep, { kind: "execute", path: P("/32800/0/2"), arguments: "0='5'" }),
      { kind: "changed" },
    );
    const r = await server.perform(s.ep, { kind: "read", path: P("/32800/0/0") }, { format: 0 });
    // The gateway has no model of 32800: text stays a string there.
    assert.deepEqual(r, { kind: "content", format: 0, values: new Map([["/32800/0/0", "5"]]) });
    const blob = await server.perform(s.ep, { kind: "read", path: P("/32800/0/1") }, {
      format: 42,
    });
    assert.ok(blob.kind === "content" && blob.format === 42);
    assert.deepEqual(
      blob.kind === "content" && [...(blob.values.get("/32800/0/1") as Uint8Array)],
      [1, 2, 3],
    );
  } finally {
    await teardown(s);
  }
});
