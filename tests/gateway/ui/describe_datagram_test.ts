/**
 * What the packet inspector shows (gateway/ui/describe_datagram.ts), computed under Deno exactly
 * as in the browser: SenML JSON and SenML CBOR records with typed, named values, LwM2M CBOR and
 * CBOR item trees, TLV typed only with a request path (a request's own Uri-Path, or the path the
 * user gives), link-format with object names, and malformed datagrams as named codec statuses.
 */

import assert from "node:assert/strict";
import { loadCodec } from "../../../codec-wasm/mod.ts";
import { describeDatagram } from "../../../gateway/ui/describe_datagram.ts";
import { cborTree } from "../../../gateway/ui/cbor_tree.ts";
import { coreModels } from "../../../objects/mod.ts";

const codec = await loadCodec();
const models = coreModels();
const hex = (s: string) =>
  new Uint8Array(s.replace(/\s/g, "").match(/../g)!.map((b) => parseInt(b, 16)));
// deno-lint-ignore no-explicit-any
const describe = (h: string, target?: string): any =>
  describeDatagram(codec, models, hex(h), { target });

Deno.test("describeDatagram: SenML JSON notification with records and named values", () => {
  const d = describe(
    "52452a030b0e610c616eff5b7b22626e223a222f333330332f302f222c226e223a2235373030222c2276223a32322e357d2c7b226e223a2235373031222c227673223a2243656c227d5d",
  );
  assert.equal(d.ok, true);
  assert.equal(d.message.type, "NON");
  assert.equal(d.message.code, "2.05 Content");
  const p = d.message.payload;
  assert.equal(p.format, 110);
  assert.equal(p.formatName, "application/senml+json");
  assert.deepEqual(p.senml, [{ bn: "/3303/0/", n: "5700", v: 22.5 }, { n: "5701", vs: "Cel" }]);
  assert.deepEqual(p.values["/3303/0/5700"], { value: 22.5, name: "Sensor Value", type: "float" });
  assert.equal(p.values["/3303/0/5701"].value, "Cel");
});

Deno.test("describeDatagram: SenML CBOR labels are named; LwM2M CBOR keeps its path keys", () => {
  const senml = describe(
    "61452a0411c170ff82a321682f333331312f302f00643538353004f5a2006435383531021850",
  );
  assert.deepEqual(senml.message.payload.senml, [
    { bn: "/3311/0/", n: "5850", vb: true },
    { n: "5851", v: 80 },
  ]);
  assert.equal(senml.message.payload.values["/3311/0/5850"].name, "On/Off");
  const lwm2m = describe("61452a0512c22d18ffa182190cef00a21916daf51916db1850");
  assert.deepEqual(lwm2m.message.payload.cbor, { "[3311,0]": { "5850": true, "5851": 80 } });
  assert.equal(lwm2m.message.payload.values["/3311/0/5851"].value, 80);
});

Deno.test("describeDatagram: TLV is typed with the request path, and says so without one", () => {
  const tlv =
    "61452a027ac22d16ffc800144f70656e204d6f62696c6520416c6c69616e6365c801164c69676874776569676874204d324d20436c69656e74c1095788070842000ed842011388";
  const bare = describe(tlv);
  assert.equal(bare.message.payload.tlv.length, 4);
  assert.equal(bare.message.payload.values, undefined);
  assert.match(bare.message.payload.valuesNote, /request path/);
  const typed = describe(tlv, "/3/0");
  assert.equal(typed.message.payload.valuesPath, "/3/0");
  assert.deepEqual(typed.message.payload.values["/3/0/7/1"], {
    value: 5000,
    name: "Power Source Voltage",
    type: "integer",
  });
  // A request carries its own path: PUT /3311/0/5850 with text "1".
  const put = describe("41032a0613b4333331310130043538353010ff31");
  assert.equal(put.message.uri, "/3311/0/5850");
  assert.deepEqual(put.message.payload.values, {
    "/3311/0/5850": { value: true, name: "On/Off", type: "boolean" },
  });
});

Deno.test("describeDatagram: Register links get object names; malformed input is a named status", () => {
  const reg = describe(
    "42022a01510cb2726411283a65703d6c616d702d3137066c743d333030096c776d326d3d312e3103623d55ff3c2f3e3b63743d2236302031313020313132203131353432222c3c2f312f303e2c3c2f332f303e2c3c2f333331312f303e",
  );
  assert.equal(reg.message.uri, "/rd?ep=lamp-17&lt=300&lwm2m=1.1&b=U");
  const links = reg.message.payload.links;
  assert.deepEqual(links.map((l: { uri: string }) => l.uri), ["/", "/1/0", "/3/0", "/3311/0"]);
  assert.equal(links[3].objectName, "Light Control");
  assert.equal(reg.message.payload.values, undefined, "link-format has no values");
  const bad = describe("4901123401020304050607080900");
  assert.deepEqual(bad, {
    ok: false,
    length: 14,
    error: {
      name: "ERR_TOKEN_LENGTH",
      code: -3,
      offset: 0,
      message: "ERR_TOKEN_LENGTH at offset 0",
    },
  });
  const badCbor = describe("61452a0411c170ff9f");
  assert.match(String(badCbor.message.payload.error), /CBOR/);
});

Deno.test("cborTree: bytes in diagnostic notation, tags, big integers, map keys as JSON", () => {
  const tree = cborTree(
    new Map<unknown, unknown>([[1, new Uint8Array([0xa, 0xb])], [[3, 0], 2n ** 70n]]),
  );
  assert.deepEqual(tree, { "1": "h'0a0b'", "[3,0]": "1180591620717411303424" });
});
