/**
 * Tests of parseDdf (objects/ddf.ts, OMA DDF / LWM2M.xsd, LwM2M Core §7.2) on DDF files of our own
 * in tests/fixtures/ddf/ and on broken inputs: every problem is a DdfError naming the source and
 * the element, never another exception.
 */

import assert from "node:assert/strict";
import { DdfError, parseDdf } from "../../objects/ddf.ts";

const FIXTURES = new URL("../fixtures/ddf/", import.meta.url);
const fixture = (name: string) => Deno.readTextFileSync(new URL(name, FIXTURES));
const LAMP = fixture("32769_street_lamp.xml");

/** A one-object DDF whose single resource has the given inner XML. */
function withItem(item: string, objectExtra = ""): string {
  return `<LWM2M><Object ObjectType="MODefinition"><Name>T</Name><ObjectID>40000</ObjectID>` +
    `<MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory>${objectExtra}` +
    `<Resources><Item ID="7">${item}</Item></Resources></Object></LWM2M>`;
}
const ITEM = (type: string, ops = "R") =>
  `<Name>X</Name><Operations>${ops}</Operations><MultipleInstances>Single</MultipleInstances>` +
  `<Mandatory>Optional</Mandatory><Type>${type}</Type>`;

function rejects(xml: string, ...fragments: string[]): void {
  assert.throws(() => parseDdf(xml, "t.xml"), (e: unknown) => {
    assert.ok(e instanceof DdfError, `a DdfError, not ${e}`);
    assert.equal(e.source, "t.xml");
    assert.ok(e.message.startsWith("t.xml: "), e.message);
    for (const f of fragments) assert.ok(e.message.includes(f), `"${e.message}" has "${f}"`);
    return true;
  });
}

Deno.test("parseDdf reads our invented object 32769 into the expected model", () => {
  const models = parseDdf(LAMP, "32769_street_lamp.xml");
  assert.equal(models.length, 1);
  const r = (
    id: number,
    name: string,
    operations: string,
    type: string,
    extra: Record<string, unknown> = {},
  ) => ({ id, name, operations, multiple: false, mandatory: false, type, ...extra });
  assert.deepEqual(models[0], {
    id: 32769,
    name: "Street Lamp Controller",
    version: "1.1",
    lwm2mVersion: "1.2",
    urn: "urn:oma:lwm2m:x:32769:1.1",
    multiple: true,
    mandatory: false,
    description: "Test lamp <controller> & friends.",
    resources: {
      0: r(0, "Label", "RW", "string", {
        mandatory: true,
        range: "0..32",
        description: "Name & place.",
      }),
      1: r(1, "Level", "RW", "integer", { range: "0..100", units: "/100" }),
      2: r(2, "Burn Hours", "R", "unsigned", { units: "h" }),
      3: r(3, "Lamp Temperatures", "R", "float", {
        multiple: true,
        range: "-40..125",
        units: "Cel",
      }),
      4: r(4, "Lit", "R", "boolean", { mandatory: true }),
      5: r(5, "Calibration Blob", "W", "opaque"),
      6: r(6, "Last Switch", "R", "time"),
      7: r(7, "Power Meter", "RW", "objlnk"),
      8: r(8, "Neighbours", "R", "corelnk"),
      9: r(9, "Blink", "E", "none", {
        description: "Blinks the lamp; argument 0='n' repeats n times.",
      }),
      10: r(10, "Commissioning Key", "", "opaque", { range: "16" }),
    },
  });
});

Deno.test("parseDdf reads every <Object> of a file; ObjectVersion defaults to 1.0", () => {
  const [v1, v2] = parseDdf(fixture("32770_two_versions.xml"));
  assert.deepEqual([v1.id, v1.version, v1.lwm2mVersion], [32770, "1.0", undefined]);
  assert.deepEqual([v2.id, v2.version, v2.lwm2mVersion], [32770, "2.0", "1.1"]);
  assert.deepEqual(Object.keys(v1.resources), ["0"]);
  assert.equal(v2.resources[1].type, "none");
});

Deno.test("parseDdf maps DDF types, tolerating case and spacing", () => {
  const typeOf = (type: string, ops?: string) =>
    parseDdf(withItem(ITEM(type, ops)))[0].resources[7].type;
  assert.equal(typeOf("Unsigned Integer"), "unsigned");
  assert.equal(typeOf("unsigned  integer"), "unsigned");
  assert.equal(typeOf("OBJLNK"), "objlnk");
  assert.equal(typeOf("", "E"), "none");
  assert.equal(typeOf("none", "E"), "none");
  assert.equal(typeOf("", "R"), "opaque", "an untyped readable resource passes through raw");
  assert.equal(parseDdf(withItem(ITEM("String", "WR")))[0].resources[7].operations, "RW");
});

Deno.test("parseDdf reports malformed XML with its line and column", () => {
  rejects("<LWM2M>\n  <Object>\n</LWM2M>", "malformed XML at line 3", "Object");
  rejects(fixture("32771_unclosed_item.xml"), "malformed XML at line");
  rejects("", "empty document");
  rejects("not xml at all", "malformed XML");
});

Deno.test("parseDdf names the element of each missing or wrong field", () => {
  rejects("<DDFList><Item/></DDFList>", "root element is <DDFList>, expected <LWM2M>");
  rejects("<LWM2M></LWM2M>", "no <Object> in <LWM2M>");
  rejects("<LWM2M><Object/></LWM2M>", "<Object> #1 has no child elements");
  rejects(withItem(ITEM("String")).replace("<ObjectID>40000</ObjectID>", ""), "missing <ObjectID>");
  rejects(withItem(ITEM("String")).replace(">40000<", ">70000<"), '<ObjectID> "70000"');
  rejects(withItem(ITEM("String")).replace(">40000<", ">x1<"), "is not an integer 0..65535");
  rejects(withItem(ITEM("Double")), 'object 40000, <Item ID="7">: <Type> "Double" is not a DDF');
  rejects(withItem(ITEM("String", "RX")), '<Item ID="7">: <Operations> "RX"');
  rejects(withItem(ITEM("String").replace("Optional", "Maybe")), '<Mandatory> "Maybe"');
  rejects(withItem(ITEM("String").replace("<Type>", "<Name>Y</Name><Type>")), "<Name> appears 2");
  rejects(withItem(ITEM("String").replace("<Name>X</Name>", "")), '<Item ID="7">: missing <Name>');
  rejects(withItem(ITEM("String")).replace(' ID="7"', ""), "<Item> #1 has no ID attribute");
  rejects(withItem(ITEM("String"), "<ObjectVersion>v2</ObjectVersion>"), '"v2" is not a version');
  rejects(withItem(ITEM("String")).replace("MODefinition", "CommonResources"), "CommonResources");
  rejects(withItem(ITEM("<b>x</b>")), "<Type> holds an element <b>");
  rejects(withItem(ITEM("String"), "<Resources/>"), "<Resources> appears 2 times");
  rejects(
    withItem(ITEM("String")).replace(/<Resources>.*<\/Resources>/, ""),
    "missing <Resources>",
  );
  const twice = withItem(ITEM("String")).replace(
    "</Item>",
    `</Item><Item ID="7">${ITEM("Integer")}</Item>`,
  );
  rejects(twice, "object 40000: resource 7 is defined twice");
  rejects(`<LWM2M><Object/></LWM2M><Extra/>`, "expected one root element <LWM2M>, found 2");
  rejects(`<LWM2M><Object><__proto__/></Object></LWM2M>`, "t.xml: ");
});

Deno.test("parseDdf on any truncation or corruption of a DDF throws only DdfError", () => {
  const attempts: string[] = [];
  for (let i = 0; i < LAMP.length; i += 3) attempts.push(LAMP.slice(0, i));
  for (let i = 0; i < LAMP.length; i++) {
    if ('<>/"='.includes(LAMP[i])) {
      attempts.push(
        LAMP.slice(0, i) + LAMP.slice(i + 1),
        LAMP.slice(0, i) + "x" + LAMP.slice(i + 1),
      );
    }
  }
  let parsed = 0;
  for (const text of attempts) {
    try {
      parseDdf(text, "lamp.xml");
      parsed++;
    } catch (e) {
      assert.ok(e instanceof DdfError && e.message.startsWith("lamp.xml: "), String(e));
    }
  }
  assert.ok(parsed < attempts.length / 2, `most corruptions are rejected (${parsed} parsed)`);
});
