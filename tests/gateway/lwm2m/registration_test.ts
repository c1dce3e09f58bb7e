/**
 * Register/Update parameter and payload parsing (LwM2M Transport §6.2.1; spec digest
 * lwm2m-interfaces.md §2.2-§2.3): defaults, per-version rules, 4.00 vs 4.12, alternate root path.
 */

import assert from "node:assert/strict";
import {
  parseObjectList,
  parseRegisterQuery,
  parseUpdateQuery,
  type RegisterParams,
  type RegistrationError,
} from "../../../gateway/lwm2m/registration.ts";

function ok(x: RegisterParams | RegistrationError): RegisterParams {
  assert.ok(!("coapCode" in x), `expected success, got ${JSON.stringify(x)}`);
  return x as RegisterParams;
}

function code(x: unknown): number | undefined {
  return (x as RegistrationError).coapCode;
}

Deno.test("parseRegisterQuery applies the defaults for absent lt, lwm2m and b", () => {
  const p = ok(parseRegisterQuery(["ep=lamp-1"]));
  assert.equal(p.endpoint, "lamp-1");
  assert.equal(p.lifetimeSec, 86400);
  assert.equal(p.lwm2mVersion, "1.0");
  assert.equal(p.binding, "U");
  assert.equal(p.queueMode, false);
});

Deno.test("parseRegisterQuery reads a full 1.1 registration with Q and keeps unknown parameters", () => {
  const p = ok(
    parseRegisterQuery(["ep=a", "lt=300", "lwm2m=1.1", "b=U", "Q", "sms=4912345", "foo=bar"]),
  );
  assert.deepEqual(
    [p.lifetimeSec, p.lwm2mVersion, p.binding, p.queueMode, p.smsNumber],
    [300, "1.1", "U", true, "4912345"],
  );
  assert.deepEqual(p.additionalAttributes, { foo: "bar" });
});

Deno.test("parseRegisterQuery treats b=UQ as queue mode in LwM2M 1.0", () => {
  const p = ok(parseRegisterQuery(["ep=a", "b=UQ"]));
  assert.equal(p.queueMode, true);
});

Deno.test("parseRegisterQuery answers 4.12 for an unsupported version and 4.00 for a malformed one", () => {
  assert.equal(code(parseRegisterQuery(["ep=a", "lwm2m=1.3"])), 140);
  assert.equal(code(parseRegisterQuery(["ep=a", "lwm2m=2.0"])), 140);
  assert.equal(code(parseRegisterQuery(["ep=a", "lwm2m=one"])), 128);
});

Deno.test("parseRegisterQuery rejects bad lifetimes, bindings and Q usage with 4.00", () => {
  for (
    const q of [
      ["ep=a", "lt=0"],
      ["ep=a", "lt=-5"],
      ["ep=a", "lt=abc"],
      ["ep=a", "lwm2m=1.0", "b=T"],
      ["ep=a", "lwm2m=1.1", "b=UQ"],
      ["ep=a", "lwm2m=1.1", "Q=1"],
      ["ep=a", "lwm2m=1.0", "Q"],
      ["ep=a", "lwm2m=1.1", "b=UU"],
      ["lt=300"],
      ["ep="],
      ["ep=a", "ep=b"],
    ]
  ) {
    assert.equal(code(parseRegisterQuery(q)), 128, q.join("&"));
  }
});

Deno.test("parseRegisterQuery accepts the 1.2 binding letters M and H", () => {
  assert.equal(ok(parseRegisterQuery(["ep=a", "lwm2m=1.2", "b=UM"])).binding, "UM");
});

Deno.test("parseRegisterQuery binds ep to the DTLS identity", () => {
  assert.equal(code(parseRegisterQuery(["ep=other", "lwm2m=1.1"], "lamp-1")), 128);
  assert.equal(ok(parseRegisterQuery(["ep=lamp-1", "lwm2m=1.1"], "lamp-1")).endpoint, "lamp-1");
  assert.equal(ok(parseRegisterQuery(["lwm2m=1.2"], "lamp-1")).endpoint, "lamp-1");
  assert.equal(code(parseRegisterQuery(["lwm2m=1.1"], "lamp-1")), 128);
});

Deno.test("parseUpdateQuery returns only the changed parameters", () => {
  assert.deepEqual(parseUpdateQuery([], "1.1"), {});
  assert.deepEqual(parseUpdateQuery(["lt=60", "b=U"], "1.1"), { lifetimeSec: 60, binding: "U" });
  assert.equal(code(parseUpdateQuery(["lt=x"], "1.1")), 128);
});

Deno.test("parseObjectList reads objects, instances, ct= and ver=", () => {
  const list = parseObjectList(
    '</>;rt="oma.lwm2m";ct="110 112", </1/0>,</3/0>,</5>;ver=1.1,</3311/0>,</3311/1>',
  );
  assert.ok(!("coapCode" in list));
  if ("coapCode" in list) return;
  assert.equal(list.rootPath, "/");
  assert.deepEqual(list.supportedFormats, [110, 112]);
  assert.deepEqual(list.objectLinks.map((l) => l.path), [
    "/1/0",
    "/3/0",
    "/5",
    "/3311/0",
    "/3311/1",
  ]);
  assert.equal(list.objectLinks[2].attributes.ver, "1.1");
});

Deno.test("parseObjectList honours an alternate root path", () => {
  const list = parseObjectList('</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/3/0>,</other/9>');
  assert.ok(!("coapCode" in list));
  if ("coapCode" in list) return;
  assert.equal(list.rootPath, "/lwm2m");
  assert.deepEqual(list.objectLinks.map((l) => l.path), ["/1/0", "/3/0"]);
});

Deno.test("parseObjectList ignores non-object links and rejects text that is not link-format", () => {
  const list = parseObjectList("</1/0>,</foo>,</3/0/1/2>");
  assert.ok(!("coapCode" in list));
  if (!("coapCode" in list)) assert.deepEqual(list.objectLinks.map((l) => l.path), ["/1/0"]);
  assert.equal(code(parseObjectList("not a link")), 128);
});
