/** Tests of the object model routes (gateway/http/objects.ts), bundled and DDF-loaded models. */

import assert from "node:assert/strict";
import { inProcessApp, withLiveGateway } from "./fleet_helpers.ts";

Deno.test("GET /api/objects lists every model with its resource count", async () => {
  const { call } = inProcessApp();
  const res = await call("GET", "/api/objects");
  assert.equal(res.status, 200);
  const ids = res.json.objects.map((o: { id: number }) => o.id);
  assert.deepEqual(ids, [0, 1, 2, 3, 4, 5, 6, 7, 3303, 3311]);
  const light = res.json.objects.find((o: { id: number }) => o.id === 3311);
  assert.deepEqual(
    { ...light, urn: undefined, lwm2mVersion: undefined },
    {
      id: 3311,
      name: "Light Control",
      version: "1.0",
      multiple: true,
      mandatory: false,
      resourceCount: 8,
      urn: undefined,
      lwm2mVersion: undefined,
    },
  );
});

Deno.test("GET /api/objects/{id} describes a model with its resources; unknown ids are 404", async () => {
  const { call } = inProcessApp();
  const res = await call("GET", "/api/objects/5");
  assert.equal(res.status, 200);
  assert.equal(res.json.name, "Firmware Update");
  assert.deepEqual(res.json.versions, [res.json.version]);
  const state = res.json.resources.find((r: { id: number }) => r.id === 3);
  assert.equal(state.name, "State");
  assert.equal(state.operations, "R");
  assert.equal(state.type, "integer");
  assert.equal(res.json.resources.length, res.json.resourceCount);
  assert.deepEqual(
    res.json.resources.map((r: { id: number }) => r.id),
    [...res.json.resources.map((r: { id: number }) => r.id)].sort((a, b) => a - b),
  );
  const missing = await call("GET", "/api/objects/4242");
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, "not_found");
  assert.equal((await call("GET", "/api/objects/3?version=9.9")).status, 404);
  assert.equal((await call("GET", "/api/objects/3?version=x")).status, 400);
});

Deno.test("models loaded with --objects are listed and described", async () => {
  const dir = new URL("../../fixtures/ddf/", import.meta.url).pathname;
  await withLiveGateway(async (g) => {
    const list = await g.http("GET", "/api/objects");
    const ids = list.json.objects.map((o: { id: number }) => o.id);
    assert.ok(ids.includes(32769), `street lamp model listed: ${ids}`);
    const lamp = await g.http("GET", "/api/objects/32769");
    assert.equal(lamp.status, 200);
    assert.ok(lamp.json.resources.length > 0);
    const counter = list.json.objects.filter((o: { id: number }) => o.id === 32770);
    assert.deepEqual(counter.map((o: { version: string }) => o.version), ["2.0", "1.0"]);
    const newest = await g.http("GET", "/api/objects/32770");
    assert.equal(newest.json.version, "2.0");
    assert.deepEqual(newest.json.versions, ["2.0", "1.0"]);
    assert.equal(newest.json.resourceCount, 2);
    const older = await g.http("GET", "/api/objects/32770?version=1.0");
    assert.equal(older.json.version, "1.0");
    assert.equal(older.json.resources.length, 1);
  }, ["--objects", dir]);
});
