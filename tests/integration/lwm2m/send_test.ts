/**
 * The Send operation, server side, over loopback UDP (LwM2M Core §6.4.4; spec digest
 * lwm2m-interfaces.md §5): a registered scripted device POSTs /dp with SenML JSON or SenML CBOR
 * and gets 2.04 plus a `send` event with typed values and their times; an unregistered sender
 * gets 4.04 and a payload that cannot be decoded 4.00, with no event.
 */

import assert from "node:assert/strict";
import { OPTION } from "../../../codec-wasm/coap_registry.ts";
import {
  BAD_REQUEST,
  CHANGED,
  NOT_FOUND,
  POST,
  registered,
  SENML_CBOR,
  SENML_JSON,
  uintOpt,
  UNSUPPORTED_CONTENT_FORMAT,
  withGateway,
} from "./helpers.ts";

const te = new TextEncoder();

Deno.test("Send in SenML JSON: POST /dp gets 2.04 and a send event with typed values and times", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "sender");
    const response = await device.request(
      POST,
      "/dp",
      [],
      '[{"bn":"/3/0/","bt":1700000000,"n":"9","v":87},{"n":"0","vs":"ACME","t":5},' +
        '{"n":"/3311/0/5850","bn":"","vb":true}]',
      [uintOpt(OPTION.CONTENT_FORMAT, SENML_JSON)],
    );
    assert.equal(response.code, CHANGED);
    const event = await t.log.waitFor("send", "sender");
    assert.deepEqual(event.values, { "/3/0/9": 87, "/3/0/0": "ACME", "/3311/0/5850": true });
    const records = event.records as { path: string; value: unknown; time: number }[];
    assert.deepEqual(records.slice(0, 2), [
      { path: "/3/0/9", value: 87, time: 1_700_000_000 },
      { path: "/3/0/0", value: "ACME", time: 1_700_000_005 },
    ]);
    assert.equal(typeof records[2].time, "number");
  });
});

Deno.test("Send in SenML CBOR: POST /dp gets 2.04 and a send event", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "sender-cbor");
    // [{0: "/3/0/9", 2: 55}, {0: "/3311/0/5851", 2: 20}] (RFC 8428 §6 labels n=0, v=2).
    const n1 = te.encode("/3/0/9");
    const n2 = te.encode("/3311/0/5851");
    const payload = new Uint8Array([
      0x82,
      0xa2,
      0x00,
      0x60 + n1.length,
      ...n1,
      0x02,
      0x18,
      55,
      0xa2,
      0x00,
      0x60 + n2.length,
      ...n2,
      0x02,
      0x14,
    ]);
    const response = await device.request(POST, "/dp", [], payload, [
      uintOpt(OPTION.CONTENT_FORMAT, SENML_CBOR),
    ]);
    assert.equal(response.code, CHANGED);
    const event = await t.log.waitFor("send", "sender-cbor");
    assert.deepEqual(event.values, { "/3/0/9": 55, "/3311/0/5851": 20 });
  });
});

Deno.test("Send from an address that is not registered gets 4.04 and no event", async () => {
  await withGateway(async (t) => {
    await registered(t, "known");
    const stranger = await t.device();
    const response = await stranger.request(
      POST,
      "/dp",
      [],
      '[{"n":"/3/0/9","v":1}]',
      [uintOpt(OPTION.CONTENT_FORMAT, SENML_JSON)],
    );
    assert.equal(response.code, NOT_FOUND);
    assert.equal(t.log.events.filter((e) => e.type === "send").length, 0);
  });
});

Deno.test("Send with an undecodable payload gets 4.00; without Content-Format 4.15", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "garbage");
    const bad = await device.request(POST, "/dp", [], "[{not json", [
      uintOpt(OPTION.CONTENT_FORMAT, SENML_JSON),
    ]);
    assert.equal(bad.code, BAD_REQUEST);
    assert.ok(bad.payload.length > 0, "4.00 carries a diagnostic payload");
    const badCbor = await device.request(POST, "/dp", [], new Uint8Array([0xff, 0x00, 0x13]), [
      uintOpt(OPTION.CONTENT_FORMAT, SENML_CBOR),
    ]);
    assert.equal(badCbor.code, BAD_REQUEST);
    const noFormat = await device.request(POST, "/dp", [], '[{"n":"/3/0/9","v":1}]');
    assert.equal(noFormat.code, UNSUPPORTED_CONTENT_FORMAT);
    assert.equal(t.log.events.filter((e) => e.type === "send").length, 0);
    // The server still accepts a good Send afterwards.
    const good = await device.request(POST, "/dp", [], '[{"n":"/3/0/9","v":1}]', [
      uintOpt(OPTION.CONTENT_FORMAT, SENML_JSON),
    ]);
    assert.equal(good.code, CHANGED);
  });
});
