/**
 * End-to-end tests of fleet groups (gateway/http/groups.ts) over real sockets: a gateway on
 * 127.0.0.1 and scripted lights (IPSO 3311) registered with raw CoAP, driven only through HTTP.
 */

import assert from "node:assert/strict";
import type { CoapMessage } from "../../../codec-wasm/types.ts";
import { OPTION } from "../../../codec-wasm/coap_registry.ts";
import { encodeUint } from "../../../codec-wasm/values.ts";
import { pathOf, type ScriptedDevice } from "../../support/scripted_device.ts";
import { CHANGED, CONTENT, type LiveGateway, withLiveGateway } from "./fleet_helpers.ts";

const te = new TextEncoder();
const PUT = 3;
const METHOD_NOT_ALLOWED = 133;

/** A light that takes writes of /3311/0/5850 and answers reads with its value. */
function light(device: ScriptedDevice, state: { on: boolean; writes: CoapMessage[] }) {
  device.handler = (req) => {
    if (pathOf(req) !== "/3311/0/5850") return { code: 132 };
    if (req.code === PUT) {
      state.writes.push(req);
      const tlv = device.codec.decodeTlv(req.payload);
      state.on = tlv[0].value![0] === 1;
      return { code: CHANGED };
    }
    return {
      code: CONTENT,
      options: [{ number: OPTION.CONTENT_FORMAT, value: encodeUint(0) }],
      payload: te.encode(state.on ? "1" : "0"),
    };
  };
}

async function registerLights(g: LiveGateway, count: number) {
  const states = new Map<string, { on: boolean; writes: CoapMessage[] }>();
  await Promise.all(Array.from({ length: count }, async (_, i) => {
    const name = `light-${String(i).padStart(3, "0")}`;
    const device = await g.register(name);
    const state = { on: false, writes: [] as CoapMessage[] };
    light(device, state);
    states.set(name, state);
  }));
  return states;
}

Deno.test("a group write switches 100 scripted lights on, with per-endpoint results", async () => {
  await withLiveGateway(async (g) => {
    const states = await registerLights(g, 100);
    const other = await g.register("other-1");
    other.handler = () => ({ code: CHANGED });
    const put = await g.http("PUT", "/api/groups/district", { match: "light-*" });
    assert.equal(put.status, 201);
    assert.equal(put.json.members.length, 100);

    const res = await g.http("PUT", "/api/groups/district/3311/0/5850", { value: true });
    assert.equal(res.status, 200);
    assert.equal(res.json.results.length, 100);
    assert.equal(res.json.succeeded, 100);
    assert.equal(res.json.failed, 0);
    assert.deepEqual(res.json.notRegistered, []);
    for (const r of res.json.results) {
      assert.deepEqual(Object.keys(r).sort(), ["body", "endpoint", "status"]);
      assert.equal(r.status, 204);
      assert.equal(r.body, null);
    }
    assert.deepEqual(
      res.json.results.map((r: { endpoint: string }) => r.endpoint).sort(),
      [...states.keys()].sort(),
    );
    for (const [name, state] of states) {
      assert.equal(state.on, true, name);
      assert.equal(state.writes.length, 1, name);
    }
    assert.equal(other.requests.length, 0, "a non-member is not touched");

    const read = await g.http("GET", "/api/groups/district/3311/0/5850?concurrency=8");
    assert.equal(read.json.succeeded, 100);
    for (const r of read.json.results) {
      assert.equal(r.status, 200);
      assert.equal(r.body.value, true);
      assert.equal(r.body.path, "/3311/0/5850");
    }
  });
});

Deno.test("a member's failure is its own result, the same as the single-client route answers", async () => {
  await withLiveGateway(async (g) => {
    const ok = await g.register("lamp-ok");
    ok.handler = () => ({ code: CHANGED });
    const refusing = await g.register("lamp-refusing");
    refusing.handler = () => ({ code: METHOD_NOT_ALLOWED });
    await g.http("PUT", "/api/groups/lamps", { endpoints: ["lamp-ok", "lamp-refusing", "ghost"] });
    const res = await g.http("PUT", "/api/groups/lamps/3311/0/5850", { value: false });
    assert.equal(res.status, 200);
    assert.equal(res.json.succeeded, 1);
    assert.equal(res.json.failed, 1);
    assert.deepEqual(res.json.notRegistered, ["ghost"]);
    const [first, second] = res.json.results;
    assert.deepEqual(first, { endpoint: "lamp-ok", status: 204, body: null });
    assert.equal(second.endpoint, "lamp-refusing");
    const single = await g.http("PUT", "/api/clients/lamp-refusing/3311/0/5850", { value: false });
    assert.equal(second.status, single.status);
    assert.equal(second.status, 405);
    assert.deepEqual(second.body, single.json);
    assert.equal(second.body.error.code, "device_error");
    assert.equal(second.body.error.coapCode, "4.05");
  });
});

Deno.test("?concurrency= bounds the requests in flight across the group", async () => {
  await withLiveGateway(async (g) => {
    let inFlight = 0;
    let most = 0;
    for (let i = 0; i < 20; i++) {
      const d = await g.register(`slowlamp-${i}`);
      d.handler = (req) => {
        inFlight++;
        most = Math.max(most, inFlight);
        setTimeout(() => {
          inFlight--;
          d.sendRaw({ ...req, type: 2, code: CHANGED, options: [], payload: new Uint8Array() });
        }, 40);
        return null;
      };
    }
    await g.http("PUT", "/api/groups/slow", { match: "slowlamp-*" });
    const res = await g.http("POST", "/api/groups/slow/3/0/4/execute?concurrency=4", "");
    assert.equal(res.json.succeeded, 20);
    assert.ok(most <= 4, `at most 4 in flight, saw ${most}`);
    assert.ok(most >= 2, `requests ran in parallel, saw ${most}`);
  });
});

Deno.test("Accept: application/x-ndjson streams one result a line as each finishes", async () => {
  await withLiveGateway(async (g) => {
    for (const name of ["n-fast-1", "n-fast-2"]) {
      (await g.register(name)).handler = () => ({ code: CHANGED });
    }
    (await g.register("n-silent")).handler = () => null; // never answers: 504 after retries
    await g.http("PUT", "/api/groups/mixed", { match: "n-*" });
    const started = Date.now();
    const res = await fetch(`${g.base}/api/groups/mixed/3/0/4/execute`, {
      method: "POST",
      headers: { accept: "application/x-ndjson" },
      body: "",
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-ndjson");
    const lines: { at: number; result: { endpoint: string; status: number; body: unknown } }[] = [];
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of res.body!) {
      buffered += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        lines.push({ at: Date.now() - started, result: JSON.parse(buffered.slice(0, nl)) });
        buffered = buffered.slice(nl + 1);
      }
    }
    assert.equal(buffered, "");
    assert.equal(lines.length, 3);
    const silent = lines.find((l) => l.result.endpoint === "n-silent")!;
    assert.equal(silent.result.status, 504);
    assert.equal(lines[2], silent, "the silent member's result comes last");
    for (const fast of lines.slice(0, 2)) {
      assert.equal(fast.result.status, 204);
      assert.ok(
        silent.at - fast.at >= 300,
        `fast results streamed before the timeout (${fast.at} ms vs ${silent.at} ms)`,
      );
    }
  });
});

Deno.test("a group observe answers each member's observationId and first value", async () => {
  await withLiveGateway(async (g) => {
    for (const name of ["obs-1", "obs-2"]) {
      const d = await g.register(name);
      d.handler = () => ({
        code: CONTENT,
        options: [
          { number: OPTION.OBSERVE, value: encodeUint(1) },
          { number: OPTION.CONTENT_FORMAT, value: encodeUint(0) },
        ],
        payload: te.encode("1"),
      });
    }
    await g.http("PUT", "/api/groups/obs", { endpoints: ["obs-1", "obs-2"] });
    const res = await g.http("POST", "/api/groups/obs/3311/0/5850/observe");
    assert.equal(res.json.succeeded, 2);
    for (const r of res.json.results) {
      assert.equal(r.status, 200);
      assert.equal(typeof r.body.observationId, "string");
      assert.equal(r.body.value, true);
    }
  });
});
