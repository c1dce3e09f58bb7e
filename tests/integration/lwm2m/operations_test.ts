/**
 * Device Management operations end to end (LwM2M Core §6.3; spec digest lwm2m-interfaces.md
 * §3.1-§3.7, §4.3, §6): one test per operation through `Lwm2mServer.perform`, with the request
 * the scripted device received checked on the wire (method, Uri-Path, Accept / Content-Format,
 * Uri-Query, payload) and the typed result the caller gets back.
 */

import assert from "node:assert/strict";
import { Decoder } from "cbor-x/decode";
import type { CoapMessage, TlvEntry } from "../../../codec-wasm/types.ts";
import {
  decodeTlvInteger,
  decodeTlvString,
  encodeTlvBoolean,
  encodeTlvInteger,
  encodeTlvString,
} from "../../../codec-wasm/values.ts";
import {
  acceptOf,
  CHANGED,
  content,
  contentFormatOf,
  CREATED,
  DELETE,
  DELETED,
  FETCH,
  GET,
  IPATCH,
  LINK_FORMAT,
  path,
  pathOf,
  POST,
  PUT,
  queryOf,
  registered,
  SENML_CBOR,
  SENML_JSON,
  str,
  type TestGateway,
  TEXT,
  TLV,
  valuesOf,
  withGateway,
} from "./helpers.ts";

const cbor = new Decoder({ mapsAsObjects: false, useRecords: false });
const te = new TextEncoder();

/** The single request the device received. */
function only(requests: CoapMessage[]): CoapMessage {
  assert.equal(requests.length, 1, `expected one request, got ${requests.length}`);
  return requests[0];
}

/** SenML JSON records with bn carried and names resolved, as [name, record] pairs. */
function senmlNames(payload: Uint8Array): [string, Record<string, unknown>][] {
  let bn = "";
  return (JSON.parse(str(payload)) as Record<string, unknown>[]).map((r) => {
    if (typeof r.bn === "string") bn = r.bn;
    return [bn + (typeof r.n === "string" ? r.n : ""), r];
  });
}

async function device11(t: TestGateway, endpoint: string, links = "</1/0>,</3/0>,</3311/0>") {
  return (await registered(t, endpoint, ["lt=300", "lwm2m=1.1"], links)).device;
}

Deno.test("read of a single resource in text/plain: GET /3/0/9 Accept 0, typed integer", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "read-text");
    device.handler = () => content(TEXT, "87");
    const result = await t.server.perform("read-text", { kind: "read", path: path("/3/0/9") }, {
      format: TEXT,
    });
    const req = only(device.requests);
    assert.equal(req.code, GET);
    assert.equal(req.type, 0, "CON");
    assert.equal(pathOf(req), "/3/0/9");
    assert.equal(acceptOf(req), TEXT);
    assert.equal(req.payload.length, 0);
    assert.deepEqual([...valuesOf(result)], [["/3/0/9", 87]]);
  });
});

Deno.test("read of an instance in TLV: GET /3/0 Accept 11542, resources and a multiple resource", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "read-inst");
    device.handler = () =>
      content(
        TLV,
        device.codec.encodeTlv([
          { kind: "resource", id: 0, value: encodeTlvString("Open Mobile Alliance") },
          {
            kind: "multipleResource",
            id: 7,
            children: [
              { kind: "resourceInstance", id: 0, value: encodeTlvInteger(3800) },
              { kind: "resourceInstance", id: 1, value: encodeTlvInteger(5000) },
            ],
          },
          { kind: "resource", id: 9, value: encodeTlvInteger(87) },
          { kind: "resource", id: 13, value: encodeTlvInteger(1_700_000_000) },
        ]),
      );
    const result = await t.server.perform("read-inst", { kind: "read", path: path("/3/0") });
    const req = only(device.requests);
    assert.equal(req.code, GET);
    assert.equal(pathOf(req), "/3/0");
    assert.equal(acceptOf(req), TLV);
    assert.equal(result.kind === "content" && result.format, TLV);
    assert.deepEqual(
      valuesOf(result),
      new Map<string, unknown>([
        ["/3/0/0", "Open Mobile Alliance"],
        ["/3/0/7/0", 3800],
        ["/3/0/7/1", 5000],
        ["/3/0/9", 87],
        ["/3/0/13", 1_700_000_000],
      ]),
    );
  });
});

Deno.test("read of an object in TLV: GET /3311, one Object-Instance TLV per instance", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "read-obj", "</3311/0>,</3311/1>");
    const instance = (id: number, on: boolean, dimmer: number): TlvEntry => ({
      kind: "objectInstance",
      id,
      children: [
        { kind: "resource", id: 5850, value: encodeTlvBoolean(on) },
        { kind: "resource", id: 5851, value: encodeTlvInteger(dimmer) },
      ],
    });
    device.handler = () =>
      content(TLV, device.codec.encodeTlv([instance(0, true, 80), instance(1, false, 0)]));
    const result = await t.server.perform("read-obj", { kind: "read", path: path("/3311") });
    const req = only(device.requests);
    assert.equal(pathOf(req), "/3311");
    assert.equal(acceptOf(req), TLV);
    assert.deepEqual(
      valuesOf(result),
      new Map<string, unknown>([
        ["/3311/0/5850", true],
        ["/3311/0/5851", 80],
        ["/3311/1/5850", false],
        ["/3311/1/5851", 0],
      ]),
    );
  });
});

Deno.test("read of a multi-instance resource: GET /3/0/6, its instances by path", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "read-multi");
    device.handler = () =>
      content(
        TLV,
        device.codec.encodeTlv([{
          kind: "multipleResource",
          id: 6,
          children: [
            { kind: "resourceInstance", id: 0, value: encodeTlvInteger(1) },
            { kind: "resourceInstance", id: 5, value: encodeTlvInteger(5) },
          ],
        }]),
      );
    const result = await t.server.perform("read-multi", { kind: "read", path: path("/3/0/6") });
    const req = only(device.requests);
    assert.equal(pathOf(req), "/3/0/6");
    assert.equal(acceptOf(req), TLV);
    assert.deepEqual(valuesOf(result), new Map([["/3/0/6/0", 1], ["/3/0/6/5", 5]]));
  });
});

Deno.test("read of a resource instance: GET /3/0/7/1, one value", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "read-ri");
    device.handler = () =>
      content(
        TLV,
        device.codec.encodeTlv([{
          kind: "resourceInstance",
          id: 1,
          value: encodeTlvInteger(5000),
        }]),
      );
    const result = await t.server.perform("read-ri", { kind: "read", path: path("/3/0/7/1") });
    const req = only(device.requests);
    assert.equal(pathOf(req), "/3/0/7/1");
    assert.equal(acceptOf(req), TLV);
    assert.deepEqual(valuesOf(result), new Map([["/3/0/7/1", 5000]]));
  });
});

Deno.test("discover: GET /3/0 Accept 40, links with their attributes parsed", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "disc");
    device.handler = () =>
      content(
        LINK_FORMAT,
        "</3/0>;pmin=10;pmax=60,</3/0/1>,</3/0/6>;dim=2,</3/0/7>;dim=2;gt=50;lt=42.2,</3/0/16>",
      );
    const result = await t.server.perform("disc", { kind: "discover", path: path("/3/0") });
    const req = only(device.requests);
    assert.equal(req.code, GET);
    assert.equal(pathOf(req), "/3/0");
    assert.equal(acceptOf(req), LINK_FORMAT);
    assert.deepEqual(queryOf(req), []);
    assert.deepEqual(result, {
      kind: "links",
      links: [
        { path: "/3/0", attributes: { pmin: "10", pmax: "60" } },
        { path: "/3/0/1", attributes: {} },
        { path: "/3/0/6", attributes: { dim: "2" } },
        { path: "/3/0/7", attributes: { dim: "2", gt: "50", lt: "42.2" } },
        { path: "/3/0/16", attributes: {} },
      ],
    });
  });
});

Deno.test("discover with depth (1.2) sends ?depth=N", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "disc-depth");
    device.handler = () => content(LINK_FORMAT, "</3>;ver=1.2");
    const result = await t.server.perform("disc-depth", {
      kind: "discover",
      path: path("/3"),
      depth: 0,
    });
    assert.deepEqual(queryOf(only(device.requests)), ["depth=0"]);
    assert.deepEqual(result, {
      kind: "links",
      links: [{ path: "/3", attributes: { ver: "1.2" } }],
    });
  });
});

Deno.test("write replace: PUT /3/0/14 with a TLV resource, result changed", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "write-put");
    device.handler = () => ({ code: CHANGED });
    const result = await t.server.perform("write-put", {
      kind: "write",
      mode: "replace",
      path: path("/3/0/14"),
      values: new Map([["/3/0/14", "+02:00"]]),
    });
    assert.deepEqual(result, { kind: "changed" });
    const req = only(device.requests);
    assert.equal(req.code, PUT);
    assert.equal(pathOf(req), "/3/0/14");
    assert.equal(contentFormatOf(req), TLV);
    const tlv = device.codec.decodeTlv(req.payload);
    assert.equal(tlv.length, 1);
    assert.equal(tlv[0].kind, "resource");
    assert.equal(tlv[0].id, 14);
    assert.equal(decodeTlvString(tlv[0].value!), "+02:00");
  });
});

Deno.test("write replace of an instance: PUT /3311/0 with the instance's resources in TLV", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "write-put-inst");
    device.handler = () => ({ code: CHANGED });
    const result = await t.server.perform("write-put-inst", {
      kind: "write",
      mode: "replace",
      path: path("/3311/0"),
      values: new Map<string, boolean | number>([["/3311/0/5850", true], ["/3311/0/5851", 40]]),
    });
    assert.deepEqual(result, { kind: "changed" });
    const req = only(device.requests);
    assert.equal(req.code, PUT);
    assert.equal(pathOf(req), "/3311/0");
    assert.equal(contentFormatOf(req), TLV);
    const tlv = device.codec.decodeTlv(req.payload);
    // Bare resources (or one Object-Instance TLV around them) are both valid for /O/I.
    const resources = tlv.length === 1 && tlv[0].kind === "objectInstance" ? tlv[0].children! : tlv;
    assert.deepEqual(resources.map((e) => [e.kind, e.id]), [["resource", 5850], [
      "resource",
      5851,
    ]]);
    assert.deepEqual([...resources[0].value!], [1]);
    assert.equal(decodeTlvInteger(resources[1].value!), 40);
  });
});

Deno.test("write partial update: POST /3311/0 in SenML JSON for a client listing ct=110", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "write-post", "</>;ct=110,</3311/0>");
    device.handler = () => ({ code: CHANGED });
    const result = await t.server.perform("write-post", {
      kind: "write",
      mode: "update",
      path: path("/3311/0"),
      values: new Map<string, boolean | number>([["/3311/0/5850", false], ["/3311/0/5851", 20]]),
    });
    assert.deepEqual(result, { kind: "changed" });
    const req = only(device.requests);
    assert.equal(req.code, POST);
    assert.equal(pathOf(req), "/3311/0");
    assert.equal(contentFormatOf(req), SENML_JSON);
    const records = senmlNames(req.payload);
    assert.deepEqual(records.map(([name]) => name), ["/3311/0/5850", "/3311/0/5851"]);
    assert.equal(records[0][1].vb, false);
    assert.equal(records[1][1].v, 20);
  });
});

Deno.test("writeAttributes: PUT /3/0/9?pmin=10&gt without payload; null unsets gt", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "attrs");
    device.handler = () => ({ code: CHANGED });
    const result = await t.server.perform("attrs", {
      kind: "writeAttributes",
      path: path("/3/0/9"),
      attributes: { pmin: 10, gt: null, st: 2.5, con: true },
    });
    assert.deepEqual(result, { kind: "changed" });
    const req = only(device.requests);
    assert.equal(req.code, PUT);
    assert.equal(pathOf(req), "/3/0/9");
    assert.deepEqual(queryOf(req), ["pmin=10", "gt", "st=2.5", "con=1"]);
    assert.equal(contentFormatOf(req), undefined);
    assert.equal(req.payload.length, 0);
  });
});

Deno.test("execute with arguments: POST /3/0/4 with a text/plain argument list", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "exec");
    device.handler = () => ({ code: CHANGED });
    const result = await t.server.perform("exec", {
      kind: "execute",
      path: path("/3/0/4"),
      arguments: "0='5',1",
    });
    assert.deepEqual(result, { kind: "changed" });
    const req = only(device.requests);
    assert.equal(req.code, POST);
    assert.equal(pathOf(req), "/3/0/4");
    assert.equal(contentFormatOf(req), TEXT);
    assert.equal(str(req.payload), "0='5',1");
    // Without arguments: no payload and no Content-Format.
    await t.server.perform("exec", { kind: "execute", path: path("/3/0/4") });
    assert.equal(device.requests.length, 2);
    assert.equal(contentFormatOf(device.requests[1]), undefined);
    assert.equal(device.requests[1].payload.length, 0);
  });
});

Deno.test("create with an instance id: POST /3311 with an Object-Instance TLV, created /3311/2", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "create-id");
    device.handler = () => ({ code: CREATED });
    const result = await t.server.perform("create-id", {
      kind: "create",
      path: path("/3311"),
      instanceId: 2,
      values: new Map<string, boolean | number>([["/3311/2/5850", true], ["/3311/2/5851", 55]]),
    });
    assert.deepEqual(result, { kind: "created", location: "/3311/2" });
    const req = only(device.requests);
    assert.equal(req.code, POST);
    assert.equal(pathOf(req), "/3311");
    assert.equal(contentFormatOf(req), TLV);
    const tlv = device.codec.decodeTlv(req.payload);
    assert.equal(tlv.length, 1);
    assert.equal(tlv[0].kind, "objectInstance");
    assert.equal(tlv[0].id, 2);
    assert.deepEqual(tlv[0].children!.map((e) => e.id), [5850, 5851]);
  });
});

Deno.test("create without an instance id: bare resource TLVs, the location comes from the device", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "create-noid");
    device.handler = () => ({
      code: CREATED,
      options: [
        { number: 8, value: te.encode("3311") },
        { number: 8, value: te.encode("7") },
      ],
    });
    const result = await t.server.perform("create-noid", {
      kind: "create",
      path: path("/3311"),
      values: new Map<string, boolean>([["/3311/0/5850", false]]),
    });
    assert.deepEqual(result, { kind: "created", location: "/3311/7" });
    const req = only(device.requests);
    assert.equal(req.code, POST);
    assert.equal(pathOf(req), "/3311");
    assert.equal(contentFormatOf(req), TLV);
    const tlv = device.codec.decodeTlv(req.payload);
    assert.deepEqual(tlv.map((e) => [e.kind, e.id]), [["resource", 5850]]);
  });
});

Deno.test("delete: DELETE /3311/2, result deleted", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "del");
    device.handler = () => ({ code: DELETED });
    const result = await t.server.perform("del", { kind: "delete", path: path("/3311/2") });
    assert.deepEqual(result, { kind: "deleted" });
    const req = only(device.requests);
    assert.equal(req.code, DELETE);
    assert.equal(pathOf(req), "/3311/2");
    assert.equal(req.payload.length, 0);
  });
});

Deno.test("readComposite: FETCH / with a SenML JSON path list, values of every path", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "rc", '</>;ct="110",</3/0>,</3311/0>');
    device.handler = () =>
      content(
        SENML_JSON,
        '[{"bn":"/3/0/","n":"0","vs":"ACME"},{"n":"9","v":87},{"bn":"/3311/0/","n":"5850","vb":true}]',
      );
    const result = await t.server.perform("rc", {
      kind: "readComposite",
      paths: [path("/3/0/0"), path("/3/0/9"), path("/3311/0/5850")],
    });
    const req = only(device.requests);
    assert.equal(req.code, FETCH);
    assert.equal(pathOf(req), "/");
    assert.equal(contentFormatOf(req), SENML_JSON);
    assert.equal(acceptOf(req), SENML_JSON);
    assert.deepEqual(senmlNames(req.payload).map(([n]) => n), ["/3/0/0", "/3/0/9", "/3311/0/5850"]);
    assert.deepEqual(
      valuesOf(result),
      new Map<string, unknown>([["/3/0/0", "ACME"], ["/3/0/9", 87], ["/3311/0/5850", true]]),
    );
  });
});

Deno.test("readComposite in SenML CBOR for a client listing ct=112", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "rc-cbor", '</>;ct="112",</3/0>');
    // [{0: "/3/0/9", 2: 87}] in CBOR (RFC 8428 §6 labels n=0, v=2).
    const reply = new Uint8Array([0x81, 0xa2, 0x00, 0x66, ...te.encode("/3/0/9"), 0x02, 0x18, 87]);
    device.handler = () => content(SENML_CBOR, reply);
    const result = await t.server.perform("rc-cbor", {
      kind: "readComposite",
      paths: [path("/3/0/9")],
    });
    const req = only(device.requests);
    assert.equal(req.code, FETCH);
    assert.equal(contentFormatOf(req), SENML_CBOR);
    assert.equal(acceptOf(req), SENML_CBOR);
    const body = cbor.decode(req.payload) as Map<number, unknown>[];
    assert.deepEqual(body.map((m) => m.get(0)), ["/3/0/9"]);
    assert.deepEqual(valuesOf(result), new Map([["/3/0/9", 87]]));
  });
});

Deno.test("writeComposite: iPATCH / with SenML JSON values of several instances", async () => {
  await withGateway(async (t) => {
    const device = await device11(t, "wc", '</>;ct="110",</3311/0>,</3311/2>');
    device.handler = () => ({ code: CHANGED });
    const result = await t.server.perform("wc", {
      kind: "writeComposite",
      values: new Map<string, boolean | number>([["/3311/0/5850", false], ["/3311/2/5851", 20]]),
    });
    assert.deepEqual(result, { kind: "changed" });
    const req = only(device.requests);
    assert.equal(req.code, IPATCH);
    assert.equal(pathOf(req), "/");
    assert.equal(contentFormatOf(req), SENML_JSON);
    const records = senmlNames(req.payload);
    assert.deepEqual(records.map(([n]) => n), ["/3311/0/5850", "/3311/2/5851"]);
    assert.equal(records[0][1].vb, false);
    assert.equal(records[1][1].v, 20);
  });
});

Deno.test("operations on a client with an alternate root path go under it, composite ones too", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(
      t,
      "alt-ops",
      ["lt=300", "lwm2m=1.1"],
      '</lwm2m>;rt="oma.lwm2m";ct=110,</lwm2m/3/0>',
    );
    device.handler = (req) =>
      req.code === GET
        ? content(LINK_FORMAT, "</lwm2m/3/0>,</lwm2m/3/0/9>")
        : req.code === FETCH
        ? content(SENML_JSON, '[{"n":"/3/0/9","v":50}]')
        : { code: CHANGED };
    const links = await t.server.perform("alt-ops", { kind: "discover", path: path("/3/0") });
    const composite = await t.server.perform("alt-ops", {
      kind: "readComposite",
      paths: [path("/3/0/9")],
    });
    assert.deepEqual(device.requests.map(pathOf), ["/lwm2m/3/0", "/lwm2m"]);
    assert.deepEqual(links, {
      kind: "links",
      links: [{ path: "/3/0", attributes: {} }, { path: "/3/0/9", attributes: {} }],
    });
    assert.deepEqual(valuesOf(composite), new Map([["/3/0/9", 50]]));
  });
});
