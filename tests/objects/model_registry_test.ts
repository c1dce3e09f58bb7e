/**
 * Tests of ModelRegistry version selection (objects/model.ts; a client names an object version
 * with `ver=` in its registration links, LwM2M Core §6.2.1): the exact version when known, else the
 * newest. Uses our DDF fixtures, and the registry's older versions of objects 1 and 5 when
 * ../shared/lwm2m-registry exists (ignored with a message otherwise).
 */

import assert from "node:assert/strict";
import { compareVersions, coreModels, ModelRegistry } from "../../objects/mod.ts";
import { parseDdf } from "../../objects/ddf.ts";
import { HAVE_REGISTRY, noteRegistry, registryFile } from "./registry_dir.ts";

noteRegistry("tests/objects/model_registry_test.ts");

const TWO_VERSIONS = Deno.readTextFileSync(
  new URL("../fixtures/ddf/32770_two_versions.xml", import.meta.url),
);

Deno.test("compareVersions orders major then minor numerically", () => {
  assert.ok(compareVersions("1.10", "1.9") > 0);
  assert.ok(compareVersions("2.0", "1.12") > 0);
  assert.equal(compareVersions("1.1", "1.1"), 0);
  assert.deepEqual(["1.0", "2.0", "1.2"].sort(compareVersions), ["1.0", "1.2", "2.0"]);
});

Deno.test("ModelRegistry picks the asked version, else the newest", () => {
  const [v1, v2] = parseDdf(TWO_VERSIONS);
  const registry = new ModelRegistry([v2, v1]);
  assert.equal(registry.get(32770), v2);
  assert.equal(registry.get(32770, "1.0"), v1);
  assert.equal(registry.get(32770, "2.0"), v2);
  assert.equal(registry.get(32770, "1.5"), v2, "an unknown version falls back to the newest");
  assert.equal(registry.get(32771), undefined);
  assert.equal(registry.resource(32770, 1, "1.0"), undefined);
  assert.equal(registry.resource(32770, 1)?.name, "Reset");
  assert.deepEqual(registry.all(), [v2, v1]);
});

Deno.test("ModelRegistry.add replaces the same id and version, keeps the others", () => {
  const registry = coreModels();
  const [v1, v2] = parseDdf(TWO_VERSIONS);
  registry.add(v1);
  registry.add(v2);
  const renamed = { ...v1, name: "Renamed" };
  registry.add(renamed);
  assert.deepEqual(registry.all().filter((m) => m.id === 32770), [v2, renamed]);
  assert.equal(registry.all().length, 12);
  assert.equal(coreModels().get(32770), undefined, "a new coreModels() is unaffected");
});

Deno.test({
  name: "ModelRegistry serves older registry versions of objects 1 and 5 by ver=",
  ignore: !HAVE_REGISTRY,
  fn() {
    const registry = coreModels();
    for (const file of ["1-1_0", "1-1_1", "5-1_0", "5-1_1"]) {
      for (const m of parseDdf(registryFile(`version_history/${file}.xml`), file)) registry.add(m);
    }
    assert.equal(registry.get(1)?.version, "1.2");
    assert.equal(registry.resource(1, 23)?.name, "Mute Send");
    assert.equal(registry.resource(1, 23, "1.0"), undefined, "1.0 has resources 0-8 only");
    assert.deepEqual(Object.keys(registry.get(1, "1.0")!.resources).map(Number), [
      0,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
    ]);
    assert.equal(registry.resource(5, 10, "1.0"), undefined, "Cancel came with 5 version 1.1");
    assert.equal(registry.resource(5, 10, "1.1")?.operations, "E");
    assert.equal(registry.get(5, "1.1")?.version, "1.1");
    assert.equal(registry.get(5, "1.0")?.resources[0].type, "opaque");
  },
});
