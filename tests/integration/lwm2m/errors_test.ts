/**
 * Error paths of the Device Management operations (LwM2M Core §6.3; spec digest
 * lwm2m-interfaces.md §3.1 error codes; DESIGN.md §2 "protocol failures are values"): a device's
 * 4.xx / 5.xx answer is a `deviceError` result with its CoAP code, a silent device a `timeout`,
 * a payload that cannot be decoded an `undecodable` result (and the server keeps working), and a
 * request to an unknown endpoint `notRegistered`, each over real loopback UDP.
 */

import assert from "node:assert/strict";
import {
  content,
  FAST,
  METHOD_NOT_ALLOWED,
  NOT_FOUND,
  path,
  registered,
  SENML_JSON,
  TEXT,
  TLV,
  UNAUTHORIZED,
  valuesOf,
  withGateway,
} from "./helpers.ts";

const INTERNAL_SERVER_ERROR = 160;

Deno.test("device answers 4.04, 4.05, 4.01 and 5.00 become deviceError results with the code", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "errs");
    const cases: [number, () => Promise<unknown>][] = [
      [NOT_FOUND, () => t.server.perform("errs", { kind: "read", path: path("/3/0/99") })],
      [METHOD_NOT_ALLOWED, () => t.server.perform("errs", { kind: "execute", path: path("/3/0") })],
      [UNAUTHORIZED, () =>
        t.server.perform("errs", {
          kind: "write",
          mode: "replace",
          path: path("/3/0/14"),
          values: new Map([["/3/0/14", "+01:00"]]),
        })],
      [
        INTERNAL_SERVER_ERROR,
        () => t.server.perform("errs", { kind: "delete", path: path("/3311/0") }),
      ],
    ];
    for (const [code, run] of cases) {
      device.handler = () => ({ code, payload: new TextEncoder().encode("nope") });
      const result = await run();
      assert.deepEqual(result, { kind: "deviceError", coapCode: code, message: "nope" });
    }
    assert.equal(device.requests.length, cases.length, "no retries or fallbacks for these codes");
  });
});

Deno.test("a device that never answers gives a timeout result", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "silent");
    device.handler = () => null;
    const result = await t.server.perform("silent", { kind: "read", path: path("/3/0/9") }, {
      timeoutMs: 600,
    });
    assert.deepEqual(result, { kind: "timeout" });
    assert.ok(device.requests.length >= 1);
    // A client that is not in queue mode stays awake and registered.
    assert.equal(t.server.isSleeping("silent"), false);
    assert.ok(t.server.get("silent"));
  });
});

Deno.test("the default request timeout applies when the caller gives none", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "silent-default");
    device.handler = () => null;
    const result = await t.server.perform("silent-default", {
      kind: "read",
      path: path("/3/0/9"),
    });
    assert.deepEqual(result, { kind: "timeout" });
  }, { ...FAST, server: { ...FAST.server, requestTimeoutMs: 500 } });
});

Deno.test("an undecodable payload is an undecodable result, and the server keeps working", async () => {
  await withGateway(async (t) => {
    const { device } = await registered(t, "garbled");
    const garbage: [number, Uint8Array | string][] = [
      [TLV, new Uint8Array([0xc8, 0x00, 0x05, 0x41])], // a TLV length beyond the payload
      [SENML_JSON, "[{not json"],
      [SENML_JSON, '[{"n":"/3/0/9","v":1,"vs":"two values"}]'],
      [TEXT, "eighty-seven"], // /3/0/9 is an integer
      [4711, "?"], // a content format nobody knows
    ];
    for (const [format, payload] of garbage) {
      device.handler = () => content(format, payload);
      const result = await t.server.perform("garbled", { kind: "read", path: path("/3/0/9") });
      assert.equal(result.kind, "undecodable", `${format}: ${JSON.stringify(result)}`);
      assert.ok(result.kind === "undecodable" && result.message.length > 0);
    }
    device.handler = () => content(TEXT, "87");
    const ok = await t.server.perform("garbled", { kind: "read", path: path("/3/0/9") });
    assert.deepEqual([...valuesOf(ok)], [["/3/0/9", 87]]);
  });
});

Deno.test("an operation on an endpoint that is not registered is notRegistered, nothing is sent", async () => {
  await withGateway(async (t) => {
    const { device, location } = await registered(t, "gone");
    assert.equal((await device.request(4, location)).code, 66);
    const result = await t.server.perform("gone", { kind: "read", path: path("/3/0/9") });
    assert.deepEqual(result, { kind: "notRegistered" });
    const never = await t.server.perform("never-seen", { kind: "delete", path: path("/3311/0") });
    assert.deepEqual(never, { kind: "notRegistered" });
    assert.equal(device.requests.length, 0);
  });
});
