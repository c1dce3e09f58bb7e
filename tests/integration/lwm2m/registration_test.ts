/**
 * The Client Registration interface over real loopback UDP (LwM2M Core §6.2; spec digest
 * lwm2m-interfaces.md §2.1-§2.5): scripted devices and libcoap's coap-client-notls send raw
 * Register / Update / De-register requests to an in-process gateway; the tests check the CoAP
 * answers, the registrations kept by the server and its store, and the events in order.
 */

import assert from "node:assert/strict";
import { OPTION } from "../../../codec-wasm/coap_registry.ts";
import { NAMESPACES } from "../../../gateway/store/store.ts";
import type { Registration } from "../../../gateway/lwm2m/registration.ts";
import { findBinary, missing, run } from "../../interop/helpers.ts";
import {
  acceptOf,
  BAD_REQUEST,
  CHANGED,
  content,
  CREATED,
  DELETE,
  DELETED,
  FAST,
  GET,
  LINK_FORMAT,
  locationPath,
  NOT_FOUND,
  path,
  pathOf,
  POST,
  PRECONDITION_FAILED,
  registered,
  TEXT,
  uintOpt,
  withGateway,
} from "./helpers.ts";

const HEX_64_BITS = /^[0-9a-f]{16,}$/i;

Deno.test("Register answers 2.01 with Location-Path rd/{id}; ids carry 64+ random bits and differ", async () => {
  await withGateway(async (t) => {
    const ids: string[] = [];
    for (const ep of ["reg-a", "reg-b", "reg-a"]) {
      const device = await t.device();
      const response = await device.register([`ep=${ep}`, "lt=300", "lwm2m=1.1", "b=U"]);
      assert.equal(response.code, CREATED);
      const location = locationPath(response);
      assert.equal(location.length, 2);
      assert.equal(location[0], "rd");
      assert.match(location[1], HEX_64_BITS);
      ids.push(location[1]);
    }
    assert.equal(new Set(ids).size, 3, `ids repeat: ${ids}`);
    assert.equal(t.server.get("reg-a")?.registrationId, ids[2]);
  });
});

Deno.test("the registration is in the store when its 2.01 reaches the device", async () => {
  await withGateway(async (t) => {
    const device = await t.device();
    let stored: Promise<Registration | undefined> | undefined;
    device.onMessage = (m) => {
      if (m.code === CREATED) {
        stored ??= t.gateway.store.get<Registration>(NAMESPACES.registration, "stored-first");
      }
    };
    const response = await device.register(["ep=stored-first", "lt=300", "lwm2m=1.1"]);
    assert.equal(response.code, CREATED);
    assert.ok(stored, "no 2.01 seen by onMessage");
    const r = await stored;
    assert.equal(r?.endpoint, "stored-first");
    assert.equal(r?.registrationId, locationPath(response)[1]);
  });
});

Deno.test("a Register without lt, lwm2m and b gets lifetime 86400 s, version 1.0 and binding U", async () => {
  await withGateway(async (t) => {
    const device = await t.device();
    const response = await device.register(["ep=defaults"]);
    assert.equal(response.code, CREATED);
    const r = t.server.get("defaults")!;
    assert.equal(r.lifetimeSec, 86400);
    assert.equal(r.lwm2mVersion, "1.0");
    assert.equal(r.binding, "U");
    assert.equal(r.queueMode, false);
    assert.equal(r.address, device.address);
    assert.deepEqual(r.objectLinks.map((l) => l.path), ["/1/0", "/3/0"]);
  });
});

Deno.test("malformed Register parameters get 4.00 and register nothing", async () => {
  const cases: [string, string[]][] = [
    ["no ep", ["lt=60", "lwm2m=1.1"]],
    ["empty ep", ["ep=", "lwm2m=1.1"]],
    ["lt not a number", ["ep=bad", "lt=abc"]],
    ["lt zero", ["ep=bad", "lt=0"]],
    ["lt negative", ["ep=bad", "lt=-5"]],
    ["lwm2m not major.minor", ["ep=bad", "lwm2m=one"]],
    ["binding letter unknown in 1.1", ["ep=bad", "lwm2m=1.1", "b=X"]],
    ["binding Q inside b in 1.1", ["ep=bad", "lwm2m=1.1", "b=UQ"]],
    ["binding T in 1.0", ["ep=bad", "lwm2m=1.0", "b=T"]],
    ["Q with a value", ["ep=bad", "lwm2m=1.1", "Q=1"]],
    ["Q in a 1.0 registration", ["ep=bad", "lwm2m=1.0", "Q"]],
    ["a parameter given twice", ["ep=bad", "lt=60", "lt=70"]],
  ];
  await withGateway(async (t) => {
    const device = await t.device();
    for (const [what, query] of cases) {
      const response = await device.register(query);
      assert.equal(response.code, BAD_REQUEST, what);
    }
    assert.equal(t.server.list().registrations.length, 0);
    assert.deepEqual(t.log.events.map((e) => e.type), []);
  });
});

Deno.test("lwm2m=1.3 and lwm2m=2.0 get 4.12 so the client can fall back", async () => {
  await withGateway(async (t) => {
    const device = await t.device();
    for (const version of ["1.3", "2.0"]) {
      const response = await device.register(["ep=future", `lwm2m=${version}`]);
      assert.equal(response.code, PRECONDITION_FAILED, version);
    }
    assert.equal(t.server.get("future"), undefined);
    const fallback = await device.register(["ep=future", "lwm2m=1.2"]);
    assert.equal(fallback.code, CREATED);
  });
});

Deno.test("unknown Register query parameters are kept as additional attributes", async () => {
  await withGateway(async (t) => {
    const device = await t.device();
    const response = await device.register([
      "ep=extra",
      "lwm2m=1.1",
      "vendor=acme",
      "flag",
      "sms=4912345",
    ]);
    assert.equal(response.code, CREATED);
    const r = t.server.get("extra")!;
    assert.deepEqual(r.additionalAttributes, { vendor: "acme", flag: "" });
    assert.equal(r.smsNumber, "4912345");
  });
});

Deno.test("a new Register of a registered endpoint replaces the old registration", async () => {
  await withGateway(async (t) => {
    const first = await registered(t, "again");
    const second = await t.device();
    const response = await second.register(["ep=again", "lt=120", "lwm2m=1.1"], "</3/0>");
    assert.equal(response.code, CREATED);
    const newLocation = "/" + locationPath(response).join("/");
    assert.notEqual(newLocation, first.location);
    const r = t.server.get("again")!;
    assert.equal(r.address, second.address);
    assert.equal(r.lifetimeSec, 120);
    assert.deepEqual(r.objectLinks.map((l) => l.path), ["/3/0"]);
    assert.equal(t.server.list().registrations.length, 1);
    // The old location is gone: an Update to it (even from the new address) is unknown.
    assert.equal((await second.request(POST, first.location)).code, NOT_FOUND);
    assert.equal((await second.request(POST, newLocation)).code, CHANGED);
    const events = t.log.events.filter((e) => e.type === "registered");
    assert.deepEqual(events.map((e) => e.replaced), [false, true]);
  });
});

Deno.test("Update changes lt, b and the object links and answers 2.04", async () => {
  await withGateway(async (t) => {
    const { device, location } = await registered(t, "upd", ["lt=300", "lwm2m=1.1", "b=U"]);
    const before = t.server.get("upd")!;
    const response = await device.request(
      POST,
      location,
      ["lt=600", "b=UT"],
      "</1/0>,</3/0>,</5/0>,</3303/0>",
      [uintOpt(OPTION.CONTENT_FORMAT, LINK_FORMAT)],
    );
    assert.equal(response.code, CHANGED);
    const r = t.server.get("upd")!;
    assert.equal(r.registrationId, before.registrationId);
    assert.equal(r.lifetimeSec, 600);
    assert.equal(r.binding, "UT");
    assert.deepEqual(r.objectLinks.map((l) => l.path), ["/1/0", "/3/0", "/5/0", "/3303/0"]);
    const updated = await t.log.waitFor("updated", "upd");
    // Events carry the Registration JSON of the HTTP contract (lifetime in seconds).
    assert.equal((updated.registration as { lifetime: number }).lifetime, 600);
    // An empty Update only refreshes: parameters and links stay.
    assert.equal((await device.request(POST, location)).code, CHANGED);
    assert.equal(t.server.get("upd")!.lifetimeSec, 600);
    assert.equal(t.server.get("upd")!.objectLinks.length, 4);
  });
});

Deno.test("an Update from another address gets 4.04 and changes nothing", async () => {
  await withGateway(async (t) => {
    const { device, location } = await registered(t, "moved", ["lt=300", "lwm2m=1.1"]);
    const other = await t.device();
    assert.equal((await other.request(POST, location, ["lt=900"])).code, NOT_FOUND);
    assert.equal((await other.request(DELETE, location)).code, NOT_FOUND);
    const r = t.server.get("moved")!;
    assert.equal(r.lifetimeSec, 300);
    assert.equal(r.address, device.address);
    assert.deepEqual(t.log.types("moved"), ["registered"]);
  });
});

Deno.test("Update and De-register of an unknown registration id get 4.04", async () => {
  await withGateway(async (t) => {
    const device = await t.device();
    assert.equal((await device.request(POST, "/rd/0123456789abcdef0123")).code, NOT_FOUND);
    assert.equal((await device.request(DELETE, "/rd/0123456789abcdef0123")).code, NOT_FOUND);
  });
});

Deno.test("De-register answers 2.02 and removes the registration; events registered, updated, deregistered", async () => {
  await withGateway(async (t) => {
    const { device, location } = await registered(t, "bye");
    assert.equal((await device.request(POST, location, ["lt=200"])).code, CHANGED);
    assert.equal((await device.request(DELETE, location)).code, DELETED);
    assert.equal(t.server.get("bye"), undefined);
    assert.equal(await t.gateway.store.get(NAMESPACES.registration, "bye"), undefined);
    await t.log.waitFor("deregistered", "bye");
    assert.deepEqual(t.log.types("bye"), ["registered", "updated", "deregistered"]);
    // The registration is gone: a second De-register and an Update are unknown.
    assert.equal((await device.request(DELETE, location)).code, NOT_FOUND);
    assert.equal((await device.request(POST, location)).code, NOT_FOUND);
  });
});

Deno.test("a registration not updated within lt plus the grace expires with an expired event", async () => {
  await withGateway(async (t) => {
    const { device, location } = await registered(t, "short", ["lt=1", "lwm2m=1.1"]);
    const expired = await t.log.waitFor("expired", "short", undefined, 10_000);
    assert.equal(expired.registrationId, location.split("/")[2]);
    assert.equal(t.server.get("short"), undefined);
    assert.equal(await t.gateway.store.get(NAMESPACES.registration, "short"), undefined);
    // §2.4: a later Update gets 4.04 and the client must Register again.
    assert.equal((await device.request(POST, location)).code, NOT_FOUND);
    assert.equal((await device.register(["ep=short", "lt=60", "lwm2m=1.1"])).code, CREATED);
  });
});

Deno.test("events come in order: registered, sleeping, updated, awake, sleeping, expired", async () => {
  await withGateway(async (t) => {
    const { device, location } = await registered(t, "ordered", ["lt=1", "lwm2m=1.1", "Q"]);
    await t.log.waitFor("sleeping", "ordered");
    assert.equal((await device.request(POST, location)).code, CHANGED);
    await t.log.waitFor("expired", "ordered", undefined, 10_000);
    assert.deepEqual(t.log.types("ordered"), [
      "registered",
      "sleeping",
      "updated",
      "awake",
      "sleeping",
      "expired",
    ]);
    const seqs = t.log.events.filter((e) => e.endpoint === "ordered").map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  }, { ...FAST, server: { ...FAST.server, queueWindowMs: 300 } });
});

Deno.test({
  name: "libcoap coap-client-notls registers with a raw POST /rd and gets 2.01 rd/{id}",
  ignore: missing("coap-client-notls", "libcoap registration test"),
  async fn() {
    await withGateway(async (t) => {
      const client = findBinary("coap-client-notls")!;
      const uri = `coap://127.0.0.1:${t.coapPort}/rd?ep=libcoap-ep&lt=120&lwm2m=1.1&b=U`;
      const r = await run(
        client,
        ["-B", "10", "-v", "6", "-m", "post", "-t", "40", "-e", "</1/0>,</3/0>,</3303/0>", uri],
        15_000,
      );
      assert.equal(r.timedOut, false, r.stderr);
      const output = r.stdout + r.stderr;
      const m = /c:2\.01 .*Location-Path:rd, Location-Path:([0-9a-f]+)/.exec(output);
      assert.ok(m, `no 2.01 with Location-Path in libcoap output:\n${output}`);
      assert.match(m[1], HEX_64_BITS);
      const reg = t.server.get("libcoap-ep");
      assert.equal(reg?.registrationId, m[1]);
      assert.equal(reg?.lifetimeSec, 120);
      assert.deepEqual(reg?.objectLinks.map((l) => l.path), ["/1/0", "/3/0", "/3303/0"]);
      await t.log.waitFor("registered", "libcoap-ep");
    });
  },
});

Deno.test("a LwM2M 1.2 client with Q and binding UT registers in queue mode", async () => {
  await withGateway(async (t) => {
    const device = await t.device();
    const response = await device.register(
      ["ep=v12", "lt=300", "lwm2m=1.2", "b=UT", "Q", "pid=6:1234abcd"],
      '</>;ct="110 112 11544",</1/0>,</3/0>;ver=1.2',
    );
    assert.equal(response.code, CREATED);
    const r = t.server.get("v12")!;
    assert.equal(r.lwm2mVersion, "1.2");
    assert.equal(r.binding, "UT");
    assert.equal(r.queueMode, true);
    assert.equal(r.profileIds, "6:1234abcd");
    assert.deepEqual(r.supportedFormats, [110, 112, 11544]);
    assert.deepEqual(r.objectLinks.find((l) => l.path === "/3/0")?.attributes, { ver: "1.2" });
  });
});

Deno.test("a LwM2M 1.0 client with b=UQ is a queue-mode client", async () => {
  await withGateway(async (t) => {
    const device = await t.device();
    const response = await device.register(
      ["ep=v10q", "lt=300", "lwm2m=1.0", "b=UQ"],
      '</>;rt="oma.lwm2m";ct=11542,</1/0>,</3/0>',
    );
    assert.equal(response.code, CREATED);
    const r = t.server.get("v10q")!;
    assert.equal(r.binding, "UQ");
    assert.equal(r.queueMode, true);
    assert.equal(r.rootPath, "/");
    assert.deepEqual(r.supportedFormats, [11542]);
  });
});

Deno.test("a 1.1 client omitting b=U is registered with binding U", async () => {
  await withGateway(async (t) => {
    const device = await t.device();
    const response = await device.register(["ep=no-b", "lt=300", "lwm2m=1.1"], "</3/0>");
    assert.equal(response.code, CREATED);
    assert.equal(t.server.get("no-b")!.binding, "U");
    assert.equal(t.server.get("no-b")!.queueMode, false);
  });
});

Deno.test('an alternate root path </lwm2m>;rt="oma.lwm2m" prefixes the requests to the client', async () => {
  await withGateway(async (t) => {
    const { device } = await registered(
      t,
      "alt-root",
      ["lt=300", "lwm2m=1.1"],
      '</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/3/0>',
    );
    const r = t.server.get("alt-root")!;
    assert.equal(r.rootPath, "/lwm2m");
    assert.deepEqual(r.objectLinks.map((l) => l.path), ["/1/0", "/3/0"]);
    device.handler = (req) =>
      pathOf(req) === "/lwm2m/3/0/0" && req.code === GET
        ? content(TEXT, "Open Mobile Alliance")
        : { code: NOT_FOUND };
    const result = await t.server.perform("alt-root", { kind: "read", path: path("/3/0/0") }, {
      format: TEXT,
    });
    assert.equal(device.requests.length, 1);
    assert.equal(pathOf(device.requests[0]), "/lwm2m/3/0/0");
    assert.equal(acceptOf(device.requests[0]), TEXT);
    assert.equal(result.kind, "content");
    if (result.kind === "content") {
      assert.deepEqual([...result.values], [["/3/0/0", "Open Mobile Alliance"]]);
    }
  });
});
