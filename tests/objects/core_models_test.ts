/**
 * Tests of the bundled object models (objects/*.ts, LwM2M Core §7.2): their registry, their shape,
 * a few facts the gateway relies on, and agreement with the OMA registry DDF of the same object
 * and version (ignored, with a message, when ../shared/lwm2m-registry is absent).
 */

import assert from "node:assert/strict";
import { CORE_MODELS, coreModels, type ObjectModel } from "../../objects/mod.ts";
import { parseDdf } from "../../objects/ddf.ts";
import { HAVE_REGISTRY, noteRegistry, registryFile } from "./registry_dir.ts";

noteRegistry("tests/objects/core_models_test.ts");

const IDS = [0, 1, 2, 3, 4, 5, 6, 7, 3303, 3311];

/**
 * Fields that may differ from the DDF on purpose: descriptions are our own (or absent), and the
 * DDF "range" of 1/22 Preferred Transport is a sentence, not a range.
 */
function comparable(model: ObjectModel): unknown {
  const { description: _d, resources, ...header } = model;
  return {
    ...header,
    resources: Object.values(resources).map(({ description: _rd, ...r }) =>
      model.id === 1 && r.id === 22 ? { ...r, range: undefined } : r
    ),
  };
}

Deno.test("coreModels holds the ten bundled models by id", () => {
  const registry = coreModels();
  assert.deepEqual(registry.all().map((m) => m.id), IDS);
  assert.deepEqual(CORE_MODELS.map((m) => m.id), IDS);
  for (const model of CORE_MODELS) assert.equal(registry.get(model.id), model);
  assert.notEqual(coreModels(), registry, "each call gives a registry of its own");
});

Deno.test("bundled models are frozen and keyed by resource id", () => {
  for (const model of CORE_MODELS) {
    assert.ok(Object.isFrozen(model) && Object.isFrozen(model.resources), `${model.id} frozen`);
    for (const [key, r] of Object.entries(model.resources)) {
      assert.equal(Number(key), r.id);
      assert.ok(Object.isFrozen(r));
      assert.equal(r.type === "none", r.operations === "E", `${model.id}/${r.id} type vs E`);
    }
  }
});

Deno.test("bundled models carry the facts the gateway relies on", () => {
  const registry = coreModels();
  const fact = (o: number, r: number) => {
    const { name, operations, type, multiple, mandatory, units } = registry.resource(o, r)!;
    return { name, operations, type, multiple, mandatory, units };
  };
  assert.deepEqual(fact(3311, 5850), {
    name: "On/Off",
    operations: "RW",
    type: "boolean",
    multiple: false,
    mandatory: true,
    units: undefined,
  });
  assert.deepEqual(fact(1, 1), {
    name: "Lifetime",
    operations: "RW",
    type: "integer",
    multiple: false,
    mandatory: true,
    units: "s",
  });
  assert.equal(fact(3, 13).type, "time");
  assert.equal(fact(3, 11).multiple, true);
  assert.deepEqual([fact(5, 0).type, fact(5, 0).operations], ["opaque", "W"]);
  assert.deepEqual([fact(5, 2).type, fact(5, 2).operations], ["none", "E"]);
  assert.equal(registry.resource(5, 4), undefined, "5/x/4 was removed from the object");
  assert.ok(Object.values(registry.get(0)!.resources).every((r) => r.operations === ""));
  assert.deepEqual(
    CORE_MODELS.map((m) => `${m.id}:${m.version}`),
    [
      "0:1.2",
      "1:1.2",
      "2:1.1",
      "3:1.2",
      "4:1.3",
      "5:1.2",
      "6:1.0",
      "7:1.0",
      "3303:1.1",
      "3311:1.0",
    ],
  );
});

Deno.test({
  name: "bundled models agree with the registry DDF of the same id and version",
  ignore: !HAVE_REGISTRY,
  fn() {
    for (const model of CORE_MODELS) {
      const ddf = parseDdf(registryFile(`${model.id}.xml`), `${model.id}.xml`)
        .find((m) => m.id === model.id && m.version === model.version);
      assert.ok(ddf, `${model.id}.xml has version ${model.version}`);
      assert.deepEqual(comparable(model), comparable(ddf), `object ${model.id}`);
    }
  },
});
