/**
 * Access Control (object 2, LwM2M Core §7.3; lwm2m-interfaces.md §7) enforced when the client has
 * two servers: two in-process gateways (SSID 1 and 2) read, write, create and delete on one client
 * whose ACL instances grant each different rights; a single-server client is not restricted.
 */

import assert from "node:assert/strict";
import { Lwm2mPath } from "../../gateway/lwm2m/path.ts";
import { ObjectStore } from "../../gateway/client/store.ts";
import { standardDefinitions } from "../../gateway/client/std_objects.ts";
import {
  aclEnforced,
  addAclInstance,
  allowed,
  rightsOn,
} from "../../gateway/client/access_control.ts";
import { testClient, testGateway, waitEvent, waitFor } from "./support.ts";

const P = (p: string) => Lwm2mPath.parse(p);

Deno.test("access control: rights by ACL entry, default entry, owner; C on the object level", () => {
  const s = new ObjectStore(standardDefinitions());
  s.createInstance(1, 0, [[0, 1]]);
  assert.equal(aclEnforced(s), false);
  assert.equal(allowed(s, 1, "write", 3, 0), true, "one server: no access control");
  s.createInstance(1, 1, [[0, 2]]);
  assert.equal(aclEnforced(s), true);
  assert.equal(allowed(s, 1, "read", 3, 0), false, "no ACL instance: no access");
  s.createInstance(2, 0, [[0, 3], [1, 0], [2, new Map([[2, 1], [0, 4]])], [3, 1]]);
  assert.equal(rightsOn(s, 1, 3, 0), 15, "owner without an entry: R W E D");
  assert.equal(rightsOn(s, 2, 3, 0), 1);
  assert.equal(rightsOn(s, 3, 3, 0), 4, "the default entry (instance 0)");
  assert.equal(allowed(s, 2, "write", 3, 0), false);
  assert.equal(allowed(s, null, "write", 3, 0), true, "bootstrap and local access");
  assert.equal(allowed(s, 1, "create", 3303), false);
  s.createInstance(2, 1, [[0, 3303], [1, 65535], [2, new Map([[1, 16]])], [3, 65535]]);
  assert.equal(allowed(s, 1, "create", 3303), true);
  assert.equal(allowed(s, 2, "create", 3303), false);
  const x = addAclInstance(s, 3303, 0, 2);
  assert.equal(s.get(2, x, 3), 2);
  assert.equal(allowed(s, 2, "delete", 3303, 0), true);
  assert.equal(allowed(s, 1, "read", 2, x), true, "ACL instances are readable");
  assert.equal(allowed(s, 1, "write", 2, x), false, "and changed only by their owner");
});

Deno.test("access control: enforced end to end with two servers", async () => {
  const a = await testGateway();
  const b = await testGateway();
  const c = await testClient({
    endpoint: "acl",
    factory: {
      servers: [
        { shortServerId: 1, uri: `coap://127.0.0.1:${a.port}`, lifetime: 60 },
        { shortServerId: 2, uri: `coap://127.0.0.1:${b.port}`, lifetime: 60 },
      ],
      acl: [
        { objectId: 3, instanceId: 0, acl: { "2": 1 }, owner: 1 },
        { objectId: 3311, instanceId: 0, acl: {}, owner: 2 },
        { objectId: 3303, instanceId: 65535, acl: { "1": 16 }, owner: 65535 },
      ],
    },
    objects: [{
      objectId: 3311,
      instanceId: 0,
      values: new Map<number, boolean | number>([[5850, true], [5851, 50]]),
    }],
  });
  try {
    await waitEvent(c, "registered", 2);
    await waitFor(
      () => a.gw.server!.get("acl") && b.gw.server!.get("acl"),
      3000,
      "both registrations",
    );
    const A = (op: Parameters<NonNullable<typeof a.gw.server>["perform"]>[1]) =>
      a.gw.server!.perform("acl", op);
    const B = (op: Parameters<NonNullable<typeof b.gw.server>["perform"]>[1]) =>
      b.gw.server!.perform("acl", op);
    const code = (r: { kind: string; coapCode?: number }) =>
      r.kind === "deviceError" ? r.coapCode : r.kind;
    assert.equal(code(await B({ kind: "read", path: P("/3/0/0") })), "content");
    assert.equal(
      code(
        await B({
          kind: "write",
          mode: "replace",
          path: P("/3/0/14"),
          values: new Map([["/3/0/14", "+01:00"]]),
        }),
      ),
      129,
    );
    assert.equal(code(await B({ kind: "execute", path: P("/3/0/4") })), 129);
    assert.equal(
      code(
        await A({
          kind: "write",
          mode: "replace",
          path: P("/3/0/14"),
          values: new Map([["/3/0/14", "+01:00"]]),
        }),
      ),
      "changed",
    );
    assert.equal(code(await A({ kind: "read", path: P("/3311/0") })), 129);
    const objectRead = await A({ kind: "read", path: P("/3311") });
    assert.ok(
      objectRead.kind === "content" && objectRead.values.size === 0,
      "instances A may not read are left out",
    );
    assert.equal(
      code(
        await B({
          kind: "write",
          mode: "replace",
          path: P("/3311/0/5851"),
          values: new Map([["/3311/0/5851", 10]]),
        }),
      ),
      "changed",
    );
    // Create needs C on the object-level ACL; the creator owns the new instance.
    assert.equal(
      code(
        await B({
          kind: "create",
          path: P("/3303"),
          instanceId: 1,
          values: new Map([["/3303/1/5750", "x"]]),
        }),
      ),
      129,
    );
    const created = await A({
      kind: "create",
      path: P("/3303"),
      instanceId: 1,
      values: new Map([["/3303/1/5750", "x"]]),
    });
    assert.deepEqual(created, { kind: "created", location: "/3303/1" });
    const aclOfNew = c.store.instanceIds(2).find((x) =>
      c.store.get(2, x, 0) === 3303 && c.store.get(2, x, 1) === 1
    );
    assert.equal(c.store.get(2, aclOfNew!, 3), 1);
    assert.equal(code(await B({ kind: "read", path: P("/3303/1") })), 129);
    assert.equal(code(await B({ kind: "delete", path: P("/3303/1") })), 129);
    assert.equal(code(await A({ kind: "delete", path: P("/3303/1") })), "deleted");
    assert.equal(
      c.store.instanceIds(2).some((x) =>
        c.store.get(2, x, 0) === 3303 && c.store.get(2, x, 1) === 1
      ),
      false,
    );
    // Discover needs no rights; composite reads leave out what is denied.
    assert.equal(code(await A({ kind: "discover", path: P("/3311/0") })), "links");
    const comp = await A({ kind: "readComposite", paths: [P("/3/0/14"), P("/3311/0/5851")] });
    assert.ok(comp.kind === "content" && [...comp.values.keys()].join() === "/3/0/14");
    assert.equal(code(await B({ kind: "read", path: P("/2") })), "content");
  } finally {
    await c.close();
    await a.stop();
    await b.stop();
  }
});
