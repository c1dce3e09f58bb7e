/**
 * Tests of loadDdfDirectory (objects/ddf_dir.ts, the `--objects DIR` loader of DESIGN.md §6): one
 * bad file does not stop the others, and every file of the OMA registry copy in
 * ../shared/lwm2m-registry parses (ignored, with a message, when that folder is absent) with known
 * facts checked.
 */

import assert from "node:assert/strict";
import { loadDdfDirectory } from "../../objects/ddf_dir.ts";
import { DdfError, parseDdf } from "../../objects/ddf.ts";
import { ModelRegistry, type ObjectModel } from "../../objects/model.ts";
import { HAVE_REGISTRY, noteRegistry, REGISTRY_DIR, registryFile } from "./registry_dir.ts";

noteRegistry("tests/objects/ddf_dir_test.ts");

const FIXTURES = new URL("../fixtures/ddf/", import.meta.url);

/** Files of the registry copy that are XML but not object definitions. */
const NOT_OBJECTS = ["Common.xml", "DDF.xml", "LWM2M_senml_units.xml"];

Deno.test("loadDdfDirectory loads the good fixtures and reports the broken one", async () => {
  const { models, errors } = await loadDdfDirectory(FIXTURES);
  assert.deepEqual(models.map((m) => `${m.id}:${m.version}`), [
    "32769:1.1",
    "32770:1.0",
    "32770:2.0",
  ]);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].file, "32771_unclosed_item.xml");
  assert.match(errors[0].message, /^32771_unclosed_item\.xml: malformed XML at line \d+/);
});

Deno.test("loadDdfDirectory skips other files, recurses on request, caps file size", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ddf_dir_test_" });
  try {
    const lamp = await Deno.readTextFile(new URL("32769_street_lamp.xml", FIXTURES));
    await Deno.writeTextFile(`${dir}/notes.txt`, "<not a ddf");
    await Deno.writeTextFile(`${dir}/a.XML`, lamp);
    await Deno.mkdir(`${dir}/old`);
    await Deno.writeTextFile(`${dir}/old/b.xml`, lamp.replace(">1.1<", ">1.0<"));
    const flat = await loadDdfDirectory(dir);
    assert.deepEqual(flat.models.map((m) => m.version), ["1.1"]);
    assert.deepEqual(flat.errors, []);
    const deep = await loadDdfDirectory(`${dir}/`, { recursive: true });
    assert.deepEqual(deep.models.map((m) => m.version), ["1.1", "1.0"]);
    const capped = await loadDdfDirectory(dir, { maxFileBytes: 100 });
    assert.deepEqual(capped.models, []);
    assert.match(capped.errors[0].message, /^a\.XML: \d+ bytes, more than the 100 allowed$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  await assert.rejects(loadDdfDirectory(`${dir}/gone`), /cannot read the DDF directory/);
});

/** Each *.xml file of the registry copy, relative to it. */
function registryXmlFiles(): string[] {
  const walk = (rel: string): string[] =>
    [...Deno.readDirSync(rel ? `${REGISTRY_DIR}/${rel}` : REGISTRY_DIR)].flatMap((e) => {
      const path = rel ? `${rel}/${e.name}` : e.name;
      return e.isDirectory ? walk(path) : e.name.endsWith(".xml") ? [path] : [];
    });
  return walk("").sort();
}

Deno.test({
  name: "every file of the OMA registry copy parses, with the id and version its name gives",
  ignore: !HAVE_REGISTRY,
  async fn() {
    const files = registryXmlFiles();
    let objects = 0;
    for (const file of files) {
      if (NOT_OBJECTS.includes(file)) {
        assert.throws(() => parseDdf(registryFile(file), file), DdfError);
        continue;
      }
      const models = parseDdf(registryFile(file), file);
      const named = /^(?:version_history\/)?(\d+)(?:-(\d+)_(\d+))?\.xml$/.exec(file);
      assert.ok(named, `unexpected file name ${file}`);
      assert.deepEqual(models.map((m) => m.id), [Number(named[1])], file);
      if (named[2]) assert.equal(models[0].version, `${named[2]}.${named[3]}`, file);
      assert.ok(Object.keys(models[0].resources).length > 0, file);
      objects++;
    }
    assert.ok(objects >= 80, `${objects} object files`);
    const loaded = await loadDdfDirectory(REGISTRY_DIR, { recursive: true });
    assert.equal(loaded.models.length, objects);
    assert.deepEqual(loaded.errors.map((e) => e.file), NOT_OBJECTS);
    for (const e of loaded.errors) assert.ok(e.message.startsWith(`${e.file}: `), e.message);
  },
});

Deno.test({
  name: "the registry DDFs give the known facts of objects 0, 1, 3, 5 and 3311",
  ignore: !HAVE_REGISTRY,
  async fn() {
    const { models } = await loadDdfDirectory(REGISTRY_DIR, { recursive: true });
    const versions = (id: number) => models.filter((m) => m.id === id);
    const newest = new ModelRegistry(models);
    const fact = (o: ObjectModel, r: number) => {
      const { name, operations, type, multiple, mandatory } = o.resources[r];
      return { name, operations, type, multiple, mandatory };
    };
    const lamp = versions(3311)[0];
    assert.deepEqual(fact(lamp, 5850), {
      name: "On/Off",
      operations: "RW",
      type: "boolean",
      multiple: false,
      mandatory: true,
    });
    for (const device of versions(3)) {
      assert.deepEqual([device.resources[13].name, device.resources[13].type], [
        "Current Time",
        "time",
      ]);
    }
    assert.deepEqual([...new Set(versions(1).map((m) => m.version))].sort(), ["1.0", "1.1", "1.2"]);
    for (const server of versions(1)) {
      assert.deepEqual(fact(server, 1), {
        name: "Lifetime",
        operations: "RW",
        type: "integer",
        multiple: false,
        mandatory: true,
      }, `1 version ${server.version}`);
    }
    for (const firmware of versions(5)) {
      assert.deepEqual([fact(firmware, 0).type, fact(firmware, 0).operations], ["opaque", "W"]);
    }
    assert.equal(newest.get(0)?.version, "1.2");
    assert.equal(newest.resource(0, 2)?.range, "0..4");
    assert.equal(newest.resource(0, 0)?.name, "LWM2M Server URI", "double space collapsed");
  },
});
