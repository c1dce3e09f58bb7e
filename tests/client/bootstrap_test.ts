/**
 * The client's bootstrap modes (LwM2M Core §5.2 in the spec's order of precedence; spec digest
 * lwm2m-interfaces.md §1): factory JSON, the smartcard file applied over it at every start and
 * gone with the file, client-initiated bootstrap against a scripted Bootstrap-Server over raw CoAP
 * (Discover, Delete, Write, Read, an inconsistent then a valid Finish), bootstrap timeout, and
 * server-initiated bootstrap through /1/x/9 executed by the gateway.
 */

import assert from "node:assert/strict";
import { OPTION } from "../../codec-wasm/coap_registry.ts";
import { Lwm2mPath } from "../../gateway/lwm2m/path.ts";
import { encodeContent } from "../../gateway/lwm2m/content/mod.ts";
import { coreModels } from "../../objects/mod.ts";
import { encodeSmartcard } from "../../gateway/client/smartcard.ts";
import {
  codec,
  option,
  pathOf,
  queryOf,
  ScriptedServer,
  testClient,
  testGateway,
  waitEvent,
  waitFor,
} from "./support.ts";

const models = coreModels();
const td = new TextDecoder();
const tlv = (path: string, values: Record<string, unknown>) =>
  encodeContent(
    11542,
    new Map(Object.entries(values)) as never,
    Lwm2mPath.parse(path),
    models,
    codec,
  );

Deno.test("bootstrap: client-initiated with a scripted Bootstrap-Server, then registration", async () => {
  const bs = new ScriptedServer();
  const t = await testGateway();
  const c = await testClient({
    endpoint: "bs-client",
    factory: { bootstrapServer: { uri: bs.uri } },
  });
  try {
    const request = await bs.waitRequest((r) => pathOf(r) === "/bs");
    assert.deepEqual(queryOf(request), ["ep=bs-client", "pct=11542"]);
    await waitEvent(c, "bootstrapStarted");
    const discover = await bs.request(1, "/", [option(OPTION.ACCEPT, 40)]);
    assert.equal(discover.code, 69);
    const links = td.decode(discover.payload);
    assert.ok(links.startsWith(`</>;lwm2m="1.1",`), links);
    assert.ok(links.includes("</0/0>") && !links.includes("</0/0>;ssid"), links);
    assert.equal((await bs.request(4, "/")).code, 66);
    assert.ok(c.store.hasInstance(0, 0), "the Bootstrap-Server account survives Delete /");
    assert.ok(c.store.hasInstance(3, 0), "/3/0 survives Delete /");
    const security = tlv("/0", {
      "/0/1/0": `coap://127.0.0.1:${t.port}`,
      "/0/1/1": false,
      "/0/1/2": 3,
      "/0/1/10": 7,
    });
    assert.equal(
      (await bs.request(3, "/0", [option(OPTION.CONTENT_FORMAT, 11542)], security)).code,
      68,
    );
    // A Server instance without a Security instance of its SSID: Finish is refused (4.06).
    const orphan = tlv("/1/1", { "/1/1/0": 8, "/1/1/1": 30, "/1/1/6": false, "/1/1/7": "U" });
    assert.equal(
      (await bs.request(3, "/1/1", [option(OPTION.CONTENT_FORMAT, 11542)], orphan)).code,
      68,
    );
    assert.equal((await bs.request(2, "/bs")).code, 134);
    assert.equal((await bs.request(4, "/1/1")).code, 66);
    const server = tlv("/1/0", { "/1/0/0": 7, "/1/0/1": 30, "/1/0/6": false, "/1/0/7": "U" });
    assert.equal(
      (await bs.request(3, "/1/0", [option(OPTION.CONTENT_FORMAT, 11542)], server)).code,
      68,
    );
    assert.equal(
      (await bs.request(3, "/1/0/1", [option(OPTION.CONTENT_FORMAT, 0)], "45")).code,
      68,
    );
    const read = await bs.request(1, "/1", [option(OPTION.ACCEPT, 110)]);
    assert.equal(read.code, 69);
    assert.ok(td.decode(read.payload).includes(`"v":45`), td.decode(read.payload));
    assert.equal((await bs.request(1, "/3/0")).code, 133, "Bootstrap-Read covers /1 and /2 only");
    const discover2 = td.decode((await bs.request(1, "/", [option(OPTION.ACCEPT, 40)])).payload);
    assert.ok(discover2.includes(`</0/1>;ssid=7;uri="coap://127.0.0.1:${t.port}"`), discover2);
    assert.ok(discover2.includes("</1/0>;ssid=7"), discover2);
    assert.equal(
      (await bs.request(
        3,
        "/0/5/0",
        [option(OPTION.CONTENT_FORMAT, 11542)],
        new Uint8Array([0xc8]),
      )).code,
      128,
    );
    assert.equal((await bs.request(2, "/bs")).code, 68);
    await waitEvent(c, "bootstrapFinished");
    await waitEvent(c, "registered");
    const r = await waitFor(() => t.gw.server!.get("bs-client"), 3000, "the registration");
    assert.equal(r.lifetimeSec, 45);
    // Bootstrapped servers survive a reboot (kept like flash).
    c.reboot();
    await waitEvent(c, "registered", 2);
    assert.equal(c.store.get(1, 0, 1), 45);
  } finally {
    await c.close();
    await t.stop();
    bs.close();
  }
});

Deno.test("bootstrap: no Bootstrap-Finish in time fails and retries", async () => {
  const bs = new ScriptedServer();
  const c = await testClient({
    endpoint: "bs-timeout",
    factory: { bootstrapServer: { uri: bs.uri } },
    bootstrapTimeoutMs: 200,
    bootstrapRetryMs: 200,
  });
  try {
    const failed = await waitEvent(c, "bootstrapFailed");
    assert.equal(failed.detail, "no Bootstrap-Finish in time");
    await waitFor(
      () => bs.received.filter((r) => pathOf(r) === "/bs").length >= 2,
      3000,
      "a second Bootstrap-Request",
    );
  } finally {
    await c.close();
    bs.close();
  }
});

Deno.test("bootstrap: server-initiated through /1/x/9 executed by the gateway", async () => {
  const bs = new ScriptedServer();
  const t = await testGateway();
  const c = await testClient({
    endpoint: "bs-server-initiated",
    factory: {
      bootstrapServer: { uri: bs.uri },
      servers: [{ shortServerId: 1, uri: `coap://127.0.0.1:${t.port}`, lifetime: 60 }],
    },
  });
  try {
    await waitEvent(c, "registered");
    await waitFor(() => t.gw.server!.get("bs-server-initiated"), 3000, "the registration");
    const r = await t.gw.server!.perform("bs-server-initiated", {
      kind: "execute",
      path: Lwm2mPath.parse("/1/0/9"),
    });
    assert.deepEqual(r, { kind: "changed" });
    await bs.waitRequest((m) => pathOf(m) === "/bs");
    const server = tlv("/1/0", { "/1/0/0": 1, "/1/0/1": 77, "/1/0/6": false, "/1/0/7": "U" });
    assert.equal(
      (await bs.request(3, "/1/0", [option(OPTION.CONTENT_FORMAT, 11542)], server)).code,
      68,
    );
    assert.equal((await bs.request(2, "/bs")).code, 68);
    await waitEvent(c, "registered", 2);
    await waitFor(
      () => t.gw.server!.get("bs-server-initiated")?.lifetimeSec === 77,
      3000,
      "the new lifetime",
    );
  } finally {
    await c.close();
    await t.stop();
    bs.close();
  }
});

Deno.test("bootstrap: the smartcard file is applied over the factory data and gone with the file", async () => {
  const a = await testGateway();
  const b = await testGateway();
  const file = await Deno.makeTempFile({ suffix: ".card" });
  const card = encodeSmartcard(
    [
      {
        objectId: 0,
        instanceId: 0,
        values: new Map<number, string | boolean | number>([
          [0, `coap://127.0.0.1:${b.port}`],
          [1, false],
          [2, 3],
          [10, 1],
        ]),
      },
      { objectId: 3, instanceId: 0, values: new Map([[1, "card-model"]]) },
    ],
    models,
    codec,
  );
  await Deno.writeFile(file, card);
  const c = await testClient({
    endpoint: "card",
    factory: { servers: [{ shortServerId: 1, uri: `coap://127.0.0.1:${a.port}`, lifetime: 60 }] },
    smartcardFile: file,
    rebootDelayMs: 10,
  });
  try {
    await waitEvent(c, "registered");
    await waitFor(() => b.gw.server!.get("card"), 3000, "registration at the card's server");
    assert.equal(a.gw.server!.get("card"), undefined);
    assert.equal(c.get("/3/0/1"), "card-model");
    await Deno.remove(file);
    c.reboot();
    await waitEvent(c, "registered", 2);
    await waitFor(() => a.gw.server!.get("card"), 3000, "registration at the factory server");
    assert.equal(c.get("/3/0/1"), "Lightweight M2M Client", "the card's values are gone");
    // A malformed card is reported, and the factory data still works.
    await Deno.writeFile(file, new Uint8Array([0, 1, 0, 0]));
    c.reboot();
    await waitEvent(c, "smartcardError");
    await waitEvent(c, "registered", 3);
  } finally {
    await c.close();
    await a.stop();
    await b.stop();
    await Deno.remove(file).catch(() => {});
  }
});

Deno.test("bootstrap: client-initiated against the gateway's own Bootstrap-Server, then registration", async () => {
  const t = await testGateway();
  const config = {
    servers: [{
      shortServerId: 3,
      uri: `coap://127.0.0.1:${t.port}`,
      securityMode: "nosec",
      lifetime: 50,
      binding: "U",
    }],
    delete: ["/0", "/1"],
    objects: { "/3311/0/5850": true },
  };
  const put = await fetch(`http://127.0.0.1:${t.gw.httpPort}/api/bootstrap/gw-bs`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(config),
  });
  assert.ok(put.ok, await put.text());
  await put.body?.cancel().catch(() => {});
  const c = await testClient({
    endpoint: "gw-bs",
    factory: { bootstrapServer: { uri: `coap://127.0.0.1:${t.port}` } },
    objects: [{ objectId: 3311, instanceId: 0, values: new Map([[5850, false]]) }],
  });
  try {
    await waitEvent(c, "bootstrapFinished");
    await waitEvent(c, "registered");
    const r = await waitFor(() => t.gw.server!.get("gw-bs"), 3000, "the registration");
    assert.equal(r.lifetimeSec, 50);
    assert.equal(c.get("/3311/0/5850"), true);
    assert.ok(t.events.some((e) => e.type === "bootstrapFinished" && e.endpoint === "gw-bs"));
  } finally {
    await c.close();
    await t.stop();
  }
});
