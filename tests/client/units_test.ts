/**
 * Pure pieces of the client: the flat object store (LwM2M Core §7.1), content-format choice by
 * Accept (§7.4, data-formats.md §1), Execute argument grammar (lwm2m-interfaces.md §3.4), the
 * factory JSON (§5.2.3) and the smartcard file (§5.2.4), the timer heaps of the schedulers.
 */

import assert from "node:assert/strict";
import { validExecuteArguments } from "../../gateway/client/dm_exec.ts";
import {
  FactoryConfigError,
  factoryInstances,
  parseFactoryConfig,
} from "../../gateway/client/factory.ts";
import { compositeFormat, readFormat } from "../../gateway/client/formats.ts";
import { ManualScheduler } from "../../gateway/client/scheduler.ts";
import {
  decodeSmartcard,
  encodeSmartcard,
  SmartcardError,
} from "../../gateway/client/smartcard.ts";
import { standardDefinitions } from "../../gateway/client/std_objects.ts";
import { ObjectStore } from "../../gateway/client/store.ts";
import { coreModels } from "../../objects/mod.ts";
import { loadCodec } from "../../codec-wasm/mod.ts";

const codec = await loadCodec();

Deno.test("ObjectStore: instances, own and shared values, change events, deletion", () => {
  const s = new ObjectStore(standardDefinitions());
  const changes: string[] = [];
  s.onChange = (o, i, r) => changes.push(`/${o}/${i}${r === null ? "" : "/" + r}`);
  s.createInstance(3311, 2, [[5851, 10]]);
  s.createInstance(3311, 0);
  s.createInstance(65534, 65534, [[65534, 1]]);
  assert.deepEqual(s.instanceIds(3311), [0, 2]);
  assert.deepEqual(s.objectIdsWithInstances(), [3311, 65534]);
  assert.equal(s.get(65534, 65534, 65534), 1);
  assert.equal(s.get(3311, 2, 5820), 0.92, "shared value of the definition");
  assert.deepEqual(s.ownResourceIds(3311, 2), [5851]);
  assert.ok(s.resourceIds(3311, 2).includes(5820));
  s.set(3311, 2, 5851, 10); // unchanged: no event
  s.set(3311, 2, 5851, 11);
  s.setInstance(3311, 2, 9, 1, "x");
  assert.deepEqual(s.get(3311, 2, 9), new Map([[1, "x"]]));
  s.deleteResource(3311, 2, 9);
  assert.equal(s.deleteInstance(3311, 2), true);
  assert.equal(s.deleteInstance(3311, 2), false);
  assert.equal(s.get(3311, 2, 5820), undefined);
  assert.deepEqual(changes, [
    "/3311/2",
    "/3311/0",
    "/65534/65534",
    "/3311/2/5851",
    "/3311/2/9",
    "/3311/2/9",
    "/3311/2",
  ]);
});

Deno.test("readFormat / compositeFormat: Accept decides, 4.06 (null) when impossible", () => {
  const single = { depth: 3, singleValue: true, opaque: false };
  const instance = { depth: 2, singleValue: false, opaque: false };
  assert.equal(readFormat(undefined, single), 0);
  assert.equal(readFormat(undefined, { ...single, opaque: true }), 42);
  assert.equal(readFormat(undefined, instance), 11542);
  assert.equal(readFormat(0, instance), null);
  assert.equal(readFormat(42, single), null);
  assert.equal(readFormat(60, single), 60);
  assert.equal(readFormat(1542, instance), 1542);
  assert.equal(readFormat(11543, instance), null);
  assert.equal(readFormat(40, instance), null);
  assert.equal(compositeFormat(undefined, 320), 110);
  assert.equal(compositeFormat(11544, 110), 11544);
  assert.equal(compositeFormat(11542, 110), null);
});

Deno.test("Execute arguments: the grammar of §5.4.5", () => {
  for (const ok of ["", "5", "2='10.3'", "7,0='https://x'", "0,1,2,3,4", "1=''"]) {
    assert.equal(validExecuteArguments(ok), true, ok);
  }
  for (const bad of ["a", "10", "1=x", "1='a", "1='\"'", "1,1", "1,", ",1", "1='a\\b'"]) {
    assert.equal(validExecuteArguments(bad), false, bad);
  }
});

Deno.test("factory JSON: servers, bootstrap server, retry resources, ACL, values; errors", () => {
  const models = coreModels();
  const specs = factoryInstances(
    parseFactoryConfig({
      bootstrapServer: { uri: "coap://bs:5683", holdOffTime: 5 },
      servers: [{
        shortServerId: 3,
        uri: "coap://s:5683",
        lifetime: 120,
        binding: "UQ",
        retryCount: 2,
        bootstrapOnRegistrationFailure: false,
        securityMode: "psk",
        identity: "me",
        key: "0a0b",
      }],
      acl: [{ objectId: 3, instanceId: 0, acl: { "3": 31 }, owner: 3 }],
      values: { "/3/0/1": "model-x", "/3/0/6/1": 5 },
    }),
    models,
  );
  const find = (o: number, i: number) =>
    specs.find((s) => s.objectId === o && s.instanceId === i)!.values;
  assert.deepEqual([...find(0, 0)], [[0, "coap://bs:5683"], [1, true], [2, 3], [11, 5]]);
  assert.equal(find(0, 1).get(2), 0);
  assert.deepEqual(find(0, 1).get(5), new Uint8Array([10, 11]));
  assert.deepEqual([
    find(1, 0).get(0),
    find(1, 0).get(1),
    find(1, 0).get(7),
    find(1, 0).get(17),
    find(1, 0).get(16),
  ], [3, 120, "UQ", 2, false]);
  assert.deepEqual(find(2, 0).get(2), new Map([[3, 31]]));
  assert.equal(find(3, 0).get(1), "model-x");
  assert.deepEqual(find(3, 0).get(6), new Map([[1, 5]]));
  const bad: unknown[] = [
    null,
    {},
    { servers: [{ shortServerId: 0, uri: "coap://s" }] },
    { servers: [{ shortServerId: 1, uri: "http://s" }] },
    { servers: [{ shortServerId: 1, uri: "coap://s", key: "xyz" }] },
    { servers: [{ shortServerId: 1, uri: "coap://s" }, { shortServerId: 1, uri: "coap://t" }] },
    { servers: [{ shortServerId: 1, uri: "coap://s" }], values: { "/3/0/9": "full" } },
  ];
  for (const b of bad) {
    assert.throws(
      () => factoryInstances(parseFactoryConfig(b), models),
      FactoryConfigError,
      JSON.stringify(b),
    );
  }
});

Deno.test("smartcard file: records of object id, length and TLV round-trip; truncation is an error", () => {
  const models = coreModels();
  const specs = [
    {
      objectId: 0,
      instanceId: 1,
      values: new Map<number, string | boolean | number>([[0, "coap://a"], [1, false], [10, 2]]),
    },
    {
      objectId: 1,
      instanceId: 0,
      values: new Map<number, string | boolean | number>([[0, 2], [1, 30], [7, "U"]]),
    },
  ];
  const file = encodeSmartcard(specs, models, codec);
  assert.deepEqual([...file.subarray(0, 6)], [0, 0, 0, 0, 0, file[5]]);
  assert.deepEqual(decodeSmartcard(file, models, codec), specs);
  assert.throws(
    () => decodeSmartcard(file.subarray(0, file.length - 1), models, codec),
    SmartcardError,
  );
  assert.throws(
    () => decodeSmartcard(new Uint8Array([0, 1, 0, 0, 0, 2, 0xc1, 0x00]), models, codec),
    SmartcardError,
  );
  assert.deepEqual(decodeSmartcard(new Uint8Array(0), models, codec), []);
});

Deno.test("ManualScheduler: timers fire in time order at their own time, cancel works", () => {
  const s = new ManualScheduler(0);
  const log: string[] = [];
  s.at(300, () => log.push(`c@${s.nowMs()}`));
  const b = s.at(200, () => log.push("b"));
  s.at(100, () => {
    log.push(`a@${s.nowMs()}`);
    s.at(150, () => log.push(`a2@${s.nowMs()}`));
  });
  s.cancel(b);
  s.runUntil(250);
  assert.deepEqual(log, ["a@100", "a2@150"]);
  s.advance(100);
  assert.deepEqual(log, ["a@100", "a2@150", "c@300"]);
  assert.equal(s.nowMs(), 350);
  assert.equal(s.nextAtMs(), null);
});
