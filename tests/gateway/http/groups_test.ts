/** Contract tests of the fleet group routes (gateway/http/groups.ts) through `app.request`. */

import assert from "node:assert/strict";
import { inProcessApp } from "./fleet_helpers.ts";

Deno.test("PUT /api/groups/{name} creates (201) then replaces (200) a list group, deduplicated", async () => {
  const { call } = inProcessApp();
  const first = await call("PUT", "/api/groups/district-1", { endpoints: ["a", "b", "a"] });
  assert.equal(first.status, 201);
  assert.deepEqual(first.json, {
    name: "district-1",
    endpoints: ["a", "b"],
    members: [],
    notRegistered: ["a", "b"],
  });
  const again = await call("PUT", "/api/groups/district-1", { match: "light-*" });
  assert.equal(again.status, 200);
  assert.equal(again.json.match, "light-*");
  assert.equal(again.json.endpoints, undefined);
});

Deno.test("GET /api/groups lists groups; GET and DELETE one; 404 afterwards", async () => {
  const { call } = inProcessApp();
  await call("PUT", "/api/groups/b", { match: "b-*" });
  await call("PUT", "/api/groups/a", { endpoints: ["x"] });
  const list = await call("GET", "/api/groups");
  assert.deepEqual(list.json, {
    groups: [{ name: "a", endpoints: ["x"] }, { name: "b", match: "b-*" }],
  });
  assert.equal((await call("GET", "/api/groups/a")).json.name, "a");
  const removed = await call("DELETE", "/api/groups/a");
  assert.equal(removed.status, 200);
  assert.deepEqual(removed.json, { name: "a", endpoints: ["x"] });
  const gone = await call("GET", "/api/groups/a");
  assert.equal(gone.status, 404);
  assert.equal(gone.json.error.code, "not_found");
  assert.equal((await call("DELETE", "/api/groups/a")).status, 404);
});

Deno.test("group validation errors are 400 with a message naming the field", async () => {
  const { call } = inProcessApp();
  const cases: [unknown, RegExp][] = [
    [{ endpoints: ["a"], match: "a*" }, /give either "endpoints" or "match"/],
    [{}, /give either "endpoints" or "match"/],
    [{ endpoints: [1] }, /body\.endpoints\.0/],
    [{ endpoints: [] }, /body\.endpoints/],
    [{ match: "" }, /body\.match/],
    [{ match: "a*", extra: 1 }, /extra/],
  ];
  for (const [body, message] of cases) {
    const res = await call("PUT", "/api/groups/g", body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.json.error.code, "bad_request");
    assert.match(res.json.error.message, message);
  }
  const badName = await call("PUT", "/api/groups/bad%20name", { match: "*" });
  assert.equal(badName.status, 400);
  assert.match(badName.json.error.message, /^name:/);
  const badJson = await call("PUT", "/api/groups/g", "{nope");
  assert.equal(badJson.status, 400);
  assert.match(badJson.json.error.message, /not valid JSON/);
});

Deno.test("group operations: unknown group 404, bad concurrency 400, no LwM2M server 503", async () => {
  const { call } = inProcessApp();
  assert.equal((await call("GET", "/api/groups/none/3/0/0")).status, 404);
  await call("PUT", "/api/groups/g", { match: "*" });
  for (const q of ["0", "abc", "5000"]) {
    const res = await call("GET", `/api/groups/g/3/0/0?concurrency=${q}`);
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /concurrency/);
  }
  const bad = await call("PUT", "/api/groups/g/3311/0/5850", { value: "not a boolean" });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /5850/);
  assert.equal((await call("GET", "/api/groups/g/3/0/0")).status, 503);
});

Deno.test("the OpenAPI document lists the group, provisioning, objects and firmware routes", async () => {
  const { call } = inProcessApp();
  const doc = (await call("GET", "/api/openapi.json")).json;
  for (
    const path of [
      "/api/groups",
      "/api/groups/{name}",
      "/api/groups/{name}/{path}",
      "/api/groups/{name}/{path}/execute",
      "/api/groups/{name}/{path}/observe",
      "/api/groups/{name}/firmware",
      "/api/security",
      "/api/security/{ep}",
      "/api/bootstrap/{ep}",
      "/api/bootstrap/{ep}/trigger",
      "/api/objects",
      "/api/objects/{id}",
      "/api/firmware",
      "/api/clients/{ep}/firmware",
      "/fw/{token}",
    ]
  ) assert.ok(doc.paths[path], path);
});
