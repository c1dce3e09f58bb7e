/**
 * The Bootstrap server over real loopback UDP with scripted raw-CoAP clients (LwM2M Core §6.1;
 * spec digest lwm2m-interfaces.md §1): configuration through the HTTP API, Bootstrap-Request,
 * the Discover/Delete/Write/Finish sequence on the wire, recorded credentials, and error paths.
 */

import assert from "node:assert/strict";
import type { CoapMessage } from "../../../codec-wasm/types.ts";
import {
  BAD_REQUEST,
  CHANGED,
  CONTENT,
  DELETED,
  FAST,
  NOT_ACCEPTABLE,
  pathOf,
  queryOf,
  type TestGateway,
  UNSUPPORTED_CONTENT_FORMAT,
  withGateway,
} from "../lwm2m/helpers.ts";

const CONFIG = {
  servers: [{
    shortServerId: 101,
    uri: "coaps://127.0.0.1:5684",
    securityMode: "psk",
    identity: "bs-lamp-1",
    key: "00112233445566778899aabbccddeeff",
    lifetime: 300,
    binding: "U",
  }],
  objects: { "/3311/0/5850": false },
};

async function putConfig(
  t: TestGateway,
  endpoint: string,
  config: unknown = CONFIG,
): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${t.gateway.httpPort}/api/bootstrap/${endpoint}`, {
    method: "PUT",
    body: JSON.stringify(config),
  });
  assert.ok(res.status === 200 || res.status === 201, await res.text());
}

/** A client that answers every bootstrap step; `finishCode` lets a test refuse the Finish. */
function bootstrapClient(finishCode = CHANGED) {
  const seen: CoapMessage[] = [];
  const handler = (req: CoapMessage) => {
    seen.push(req);
    const p = pathOf(req);
    if (req.code === 1 && p === "/") {
      return {
        code: CONTENT,
        payload: new TextEncoder().encode('</>;lwm2m="1.1",</0/0>,</1>,</3/0>,</3311/0>'),
      };
    }
    if (req.code === 4) return { code: DELETED };
    if (req.code === 3) return { code: CHANGED };
    if (req.code === 2 && p === "/bs") return { code: finishCode };
    return { code: 132 };
  };
  return { seen, handler };
}

Deno.test("a client-initiated bootstrap writes Security, Server and extra objects, then finishes", () =>
  withGateway(async (t) => {
    await putConfig(t, "bs-lamp-1");
    const device = await t.device();
    const client = bootstrapClient();
    device.handler = client.handler;
    const res = await device.request(2, "/bs", ["ep=bs-lamp-1"]);
    assert.equal(res.code, CHANGED);
    const done = await t.log.waitFor("bootstrapFinished", "bs-lamp-1");
    assert.deepEqual(done.credentials, ["server"]);
    const steps = client.seen.map((r) =>
      `${["", "GET", "POST", "PUT", "DELETE"][r.code]} ${pathOf(r)}`
    );
    assert.deepEqual(steps, [
      "GET /",
      "DELETE /0",
      "DELETE /1",
      "PUT /0/1",
      "PUT /1/0",
      "PUT /3311/0",
      "POST /bs",
    ]);
    // The server PSK is now the endpoint's credential, and no event carried key material.
    const cred = t.gateway.security.get("bs-lamp-1", "server");
    assert.equal(cred?.mode, "psk");
    assert.equal(t.gateway.security.endpointOf("bs-lamp-1"), "bs-lamp-1");
    const types = t.log.types("bs-lamp-1");
    assert.equal(types[0], "bootstrapStarted");
    assert.ok(types.filter((x) => x === "bootstrapStep").length === 7);
    assert.doesNotMatch(JSON.stringify(t.log.events), /00112233445566778899aabbccddeeff/);
  }));

Deno.test("Bootstrap-Request without a configuration, without ep, or with a bad pct is refused", () =>
  withGateway(async (t) => {
    const device = await t.device();
    assert.equal((await device.request(2, "/bs", ["ep=unknown"])).code, BAD_REQUEST);
    assert.equal((await device.request(2, "/bs", [])).code, BAD_REQUEST);
    await putConfig(t, "pct-dev");
    assert.equal(
      (await device.request(2, "/bs", ["ep=pct-dev", "pct=0"])).code,
      UNSUPPORTED_CONTENT_FORMAT,
    );
  }));

Deno.test("the client's pct chooses the write format", () =>
  withGateway(async (t) => {
    await putConfig(t, "pct-110", { servers: CONFIG.servers, delete: [] });
    const device = await t.device();
    const client = bootstrapClient();
    device.handler = client.handler;
    assert.equal((await device.request(2, "/bs", ["ep=pct-110", "pct=110"])).code, CHANGED);
    await t.log.waitFor("bootstrapFinished", "pct-110");
    const put = client.seen.find((r) => r.code === 3)!;
    const cf = put.options.find((o) => o.number === 12)!;
    assert.deepEqual([...cf.value], [110]);
    assert.equal(queryOf(put).length, 0);
  }));

Deno.test("Finish answered 4.06 reports an inconsistent configuration", () =>
  withGateway(async (t) => {
    await putConfig(t, "bad-finish");
    const device = await t.device();
    device.handler = bootstrapClient(NOT_ACCEPTABLE).handler;
    await device.request(2, "/bs", ["ep=bad-finish"]);
    const failed = await t.log.waitFor("bootstrapFailed", "bad-finish");
    assert.match(String(failed.reason), /inconsistent/);
    assert.equal(t.gateway.security.get("bad-finish", "server"), undefined);
  }));

Deno.test("a silent client fails the session instead of hanging it, and a second request is refused meanwhile", () =>
  withGateway(async (t) => {
    await putConfig(t, "silent");
    const device = await t.device();
    device.handler = () => null;
    assert.equal((await device.request(2, "/bs", ["ep=silent"])).code, CHANGED);
    assert.equal((await device.request(2, "/bs", ["ep=silent"])).code, BAD_REQUEST);
    const failed = await t.log.waitFor("bootstrapFailed", "silent", undefined, 10_000);
    assert.match(String(failed.reason), /no answer to discover/);
  }, { ...FAST, server: { ...FAST.server, requestTimeoutMs: 300 } }));
