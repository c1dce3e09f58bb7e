/**
 * Content-format choice on the wire (issue 4 "Content formats"; LwM2M Core §7.4, spec digest
 * lwm2m-interfaces.md §2.3 `ct=` and §8): the first of LwM2M-CBOR, SenML-CBOR, SenML-JSON, TLV the
 * client lists, TLV without `ct=`, fallback after 4.06 / 4.15 remembered per registration, a
 * forced format without fallback, and LwM2M 1.0 clients that answer without Content-Format.
 */

import assert from "node:assert/strict";
import { encodeTlvInteger } from "../../../codec-wasm/values.ts";
import {
  acceptOf,
  bytes,
  CHANGED,
  CONTENT,
  content,
  contentFormatOf,
  LWM2M_CBOR,
  NOT_ACCEPTABLE,
  path,
  registered,
  SENML_CBOR,
  SENML_JSON,
  TEXT,
  TLV,
  UNSUPPORTED_CONTENT_FORMAT,
  valuesOf,
  withGateway,
} from "./helpers.ts";

const te = new TextEncoder();
/** [{0: "/3/0/9", 2: 87}]: SenML CBOR with n=0, v=2 (RFC 8428 §6). */
const SENML_CBOR_87 = new Uint8Array([
  0x81,
  0xa2,
  0x00,
  0x66,
  ...te.encode("/3/0/9"),
  0x02,
  0x18,
  87,
]);

Deno.test('ct="110 112" makes SenML CBOR the first format asked for', async () => {
  await withGateway(async (t) => {
    const { device } = await registered(
      t,
      "ct-senml",
      ["lt=300", "lwm2m=1.1"],
      '</>;ct="110 112",</3/0>',
    );
    device.handler = () => content(SENML_CBOR, SENML_CBOR_87);
    const result = await t.server.perform("ct-senml", { kind: "read", path: path("/3/0/9") });
    assert.equal(device.requests.length, 1);
    assert.equal(acceptOf(device.requests[0]), SENML_CBOR);
    assert.equal(result.kind === "content" && result.format, SENML_CBOR);
    assert.deepEqual([...valuesOf(result)], [["/3/0/9", 87]]);
  });
});

Deno.test("a 1.2 client listing ct=11544 is asked for LwM2M CBOR first", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(
      t,
      "ct-lwcbor",
      ["lt=300", "lwm2m=1.2"],
      '</>;ct="110 11544",</3/0>',
    );
    // LwM2M CBOR {3: {0: {9: 87}}} (nested maps keyed by ids, data-formats.md §5).
    device.handler = () =>
      content(LWM2M_CBOR, new Uint8Array([0xa1, 0x03, 0xa1, 0x00, 0xa1, 0x09, 0x18, 87]));
    const result = await t.server.perform("ct-lwcbor", { kind: "read", path: path("/3/0/9") });
    assert.equal(acceptOf(device.requests[0]), LWM2M_CBOR);
    assert.deepEqual([...valuesOf(result)], [["/3/0/9", 87]]);
  });
});

Deno.test("without ct= the server asks for TLV", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "ct-none", ["lt=300", "lwm2m=1.1"], "</3/0>");
    device.handler = () =>
      content(
        TLV,
        device.codec.encodeTlv([{ kind: "resource", id: 9, value: encodeTlvInteger(87) }]),
      );
    const result = await t.server.perform("ct-none", { kind: "read", path: path("/3/0") });
    assert.equal(acceptOf(device.requests[0]), TLV);
    assert.deepEqual([...valuesOf(result)], [["/3/0/9", 87]]);
  });
});

Deno.test("after a 4.06 the server falls back, and asks the format that worked first next time", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(
      t,
      "fallback",
      ["lt=300", "lwm2m=1.1"],
      '</>;ct="110 112",</3/0>',
    );
    device.handler = (req) =>
      acceptOf(req) === SENML_JSON
        ? content(SENML_JSON, '[{"n":"/3/0/9","v":87}]')
        : { code: NOT_ACCEPTABLE };
    const first = await t.server.perform("fallback", { kind: "read", path: path("/3/0/9") });
    assert.deepEqual(device.requests.map(acceptOf), [SENML_CBOR, SENML_JSON]);
    assert.equal(first.kind === "content" && first.format, SENML_JSON);
    assert.deepEqual([...valuesOf(first)], [["/3/0/9", 87]]);
    assert.equal(t.server.get("fallback")!.preferredFormat, SENML_JSON);

    const second = await t.server.perform("fallback", { kind: "read", path: path("/3/0") });
    assert.equal(device.requests.length, 3, "the remembered format is accepted at once");
    assert.equal(acceptOf(device.requests[2]), SENML_JSON);
    assert.equal(second.kind, "content");
  });
});

Deno.test("a write refused with 4.15 is sent again in the next format", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(
      t,
      "fallback-write",
      ["lt=300", "lwm2m=1.1"],
      '</>;ct="112",</3311/0>',
    );
    device.handler = (req) =>
      contentFormatOf(req) === SENML_CBOR
        ? { code: UNSUPPORTED_CONTENT_FORMAT }
        : { code: CHANGED };
    const result = await t.server.perform("fallback-write", {
      kind: "write",
      mode: "update",
      path: path("/3311/0"),
      values: new Map([["/3311/0/5850", true]]),
    });
    assert.deepEqual(result, { kind: "changed" });
    assert.deepEqual(device.requests.map(contentFormatOf), [SENML_CBOR, TLV]);
    assert.equal(t.server.get("fallback-write")!.preferredFormat, TLV);
  });
});

Deno.test("a forced format gets no fallback: the device's 4.06 is the result", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(
      t,
      "forced",
      ["lt=300", "lwm2m=1.1"],
      '</>;ct="110 112",</3/0>',
    );
    device.handler = () => ({ code: NOT_ACCEPTABLE });
    const result = await t.server.perform("forced", { kind: "read", path: path("/3/0/9") }, {
      format: SENML_JSON,
    });
    assert.deepEqual(device.requests.map(acceptOf), [SENML_JSON]);
    assert.equal(result.kind === "deviceError" && result.coapCode, NOT_ACCEPTABLE);
  });
});

Deno.test("a single resource falls back to text/plain when every multi-value format is refused", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "text-only", ["lt=300", "lwm2m=1.1"], "</3/0>");
    device.handler = (req) =>
      acceptOf(req) === TEXT ? content(TEXT, "87") : { code: NOT_ACCEPTABLE };
    const result = await t.server.perform("text-only", { kind: "read", path: path("/3/0/9") });
    assert.deepEqual(device.requests.map(acceptOf), [TLV, SENML_CBOR, SENML_JSON, TEXT]);
    assert.deepEqual([...valuesOf(result)], [["/3/0/9", 87]]);
  });
});

Deno.test("a LwM2M 1.0 client answering text without Content-Format is understood", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(
      t,
      "old-client",
      ["lt=300", "lwm2m=1.0", "b=U"],
      "</1/0>,</3/0>",
    );
    const replies: Record<string, string> = {
      "/3/0/0": "Open Mobile Alliance",
      "/3/0/9": "87",
      "/3/0/13": "1700000000",
    };
    device.handler = (req) => {
      const key = "/" +
        req.options.filter((o) => o.number === 11).map((o) => new TextDecoder().decode(o.value))
          .join("/");
      return { code: CONTENT, payload: bytes(replies[key]) }; // no Content-Format option
    };
    for (
      const [p, expected] of [
        ["/3/0/0", "Open Mobile Alliance"],
        ["/3/0/9", 87],
        ["/3/0/13", 1_700_000_000],
      ] as const
    ) {
      const result = await t.server.perform("old-client", { kind: "read", path: path(p) });
      assert.deepEqual([...valuesOf(result)], [[p, expected]], p);
    }
    assert.deepEqual(device.requests.map(acceptOf), [TLV, TLV, TLV]);
  });
});

Deno.test("a 1.0 client answering TLV without Content-Format is parsed as the TLV it was asked for", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "old-tlv", ["lt=300", "lwm2m=1.0"], "</3/0>");
    device.handler = () => ({
      code: CONTENT,
      payload: device.codec.encodeTlv([
        { kind: "resource", id: 0, value: te.encode("ACME") },
        { kind: "resource", id: 9, value: encodeTlvInteger(87) },
      ]),
    });
    const result = await t.server.perform("old-tlv", { kind: "read", path: path("/3/0") });
    assert.deepEqual(
      valuesOf(result),
      new Map<string, unknown>([["/3/0/0", "ACME"], ["/3/0/9", 87]]),
    );
  });
});
