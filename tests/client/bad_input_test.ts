/**
 * Bad input from a server (LwM2M Core §6.3 error codes; spec digest lwm2m-interfaces.md §3.1):
 * a scripted raw-CoAP server registers the client, then sends malformed TLV and SenML, unknown
 * paths, writes to read-only resources, unacceptable Accept and Content-Format values and
 * garbage datagrams. Each gets its proper CoAP error (4.00, 4.01, 4.04, 4.05, 4.06, 4.15), and the
 * client keeps answering.
 */

import assert from "node:assert/strict";
import { OPTION } from "../../codec-wasm/coap_registry.ts";
import { option, ScriptedServer, testClient, waitEvent } from "./support.ts";

const GET = 1, POST = 2, PUT = 3, DELETE = 4, FETCH = 5, IPATCH = 7;
const cf = (n: number) => option(OPTION.CONTENT_FORMAT, n);
const accept = (n: number) => option(OPTION.ACCEPT, n);
const query = (q: string) => option(OPTION.URI_QUERY, q);

Deno.test("client: malformed or refused server requests get 4.00/4.01/4.04/4.05/4.06/4.15, never a crash", async () => {
  const server = new ScriptedServer();
  const c = await testClient({
    endpoint: "bad-input",
    factory: { servers: [{ shortServerId: 1, uri: server.uri, lifetime: 60 }] },
    objects: [{
      objectId: 3311,
      instanceId: 0,
      values: new Map<number, boolean | number>([[5850, true], [5851, 10]]),
    }],
  });
  const other = new ScriptedServer();
  try {
    await waitEvent(c, "registered");
    const cases: [
      string,
      number,
      string,
      ReturnType<typeof option>[],
      Uint8Array | string,
      number,
    ][] = [
      ["malformed TLV", PUT, "/3311/0", [cf(11542)], new Uint8Array([0xc8, 0x00]), 128],
      [
        "TLV with a truncated length",
        PUT,
        "/3311/0",
        [cf(11542)],
        new Uint8Array([0xe1, 0x16, 0xdb]),
        128,
      ],
      [
        "TLV of the wrong type",
        PUT,
        "/3311/0",
        [cf(11542)],
        new Uint8Array([0xe3, 0x16, 0xda, 1, 2, 3]),
        128,
      ],
      ["text that is not an integer", PUT, "/3311/0/5851", [cf(0)], "abc", 128],
      ["out of range", PUT, "/3311/0/5851", [cf(0)], "200", 128],
      ["malformed SenML JSON", PUT, "/3311/0", [cf(110)], "[{", 128],
      ["malformed LwM2M CBOR", PUT, "/3311/0", [cf(11544)], new Uint8Array([0xa1, 0xff]), 128],
      ["write to read-only", PUT, "/3/0/0", [cf(0)], "x", 133],
      ["write of an executable", PUT, "/3/0/4", [cf(0)], "x", 133],
      ["unknown Content-Format", PUT, "/3311/0", [cf(9999)], "x", 143],
      ["text for an instance", PUT, "/3311/0", [cf(0)], "1", 143],
      ["no Content-Format", PUT, "/3311/0/5851", [], "1", 143],
      ["LwM2M JSON Accept", GET, "/3/0", [accept(11543)], "", 134],
      ["text Accept for an instance", GET, "/3/0", [accept(0)], "", 134],
      ["opaque Accept for a string", GET, "/3/0/0", [accept(42)], "", 134],
      ["unknown Accept", GET, "/3/0/0", [accept(1234)], "", 134],
      ["not an id", GET, "/foo", [], "", 132],
      ["non-numeric resource", GET, "/3/0/abc", [], "", 132],
      ["id 65535", GET, "/3/65535", [], "", 132],
      ["too deep", GET, "/3/0/0/0/0", [], "", 132],
      ["unknown object", GET, "/4242", [], "", 132],
      ["unknown instance", GET, "/3311/5", [], "", 132],
      ["unknown resource", GET, "/3311/0/5", [], "", 132],
      ["Security over DM", GET, "/0/0", [], "", 129],
      ["read of an executable", GET, "/3/0/4", [], "", 133],
      ["partial update without format", POST, "/3/0", [], "", 133],
      ["delete an object", DELETE, "/3311", [], "", 133],
      ["delete a resource", DELETE, "/3311/0/5851", [], "", 133],
      ["execute an instance", POST, "/3311/0/5850", [], "", 133],
      ["bad execute arguments", POST, "/3/0/12", [cf(0)], "0='a'b", 128],
      [
        "create with malformed TLV",
        POST,
        "/3311",
        [cf(11542)],
        new Uint8Array([0x08, 0x00, 0x05, 0xc1]),
        128,
      ],
      [
        "create of an existing instance",
        POST,
        "/3311",
        [cf(11542)],
        new Uint8Array([0x04, 0x00, 0xe1, 0x16, 0xdb, 10]),
        128,
      ],
      [
        "create on a non-creatable object",
        POST,
        "/3",
        [cf(11542)],
        new Uint8Array([0xc1, 0x09, 5]),
        133,
      ],
      ["composite read: text body", FETCH, "/", [cf(0)], "x", 143],
      ["composite read: bad SenML", FETCH, "/", [cf(110)], "{", 128],
      ["composite read: TLV Accept", FETCH, "/", [cf(110), accept(11542)], `[{"n":"/3/0/0"}]`, 134],
      ["composite write: bad SenML", IPATCH, "/", [cf(110)], "[1]", 128],
      [
        "composite write: unknown instance",
        IPATCH,
        "/",
        [cf(110)],
        `[{"n":"/3311/9/5851","v":1}]`,
        132,
      ],
      ["attribute syntax", PUT, "/3311/0/5851", [query("pmin=abc")], "", 128],
      ["unknown attribute", PUT, "/3311/0/5851", [query("foo=1")], "", 128],
      ["gt on an instance", PUT, "/3311/0", [query("gt=1")], "", 128],
      ["unknown method", 6, "/3/0", [], "", 133],
    ];
    for (const [what, code, path, options, payload, expected] of cases) {
      const r = await server.request(code, path, options, payload);
      assert.equal(
        r.code,
        expected,
        `${what}: got ${r.code >> 5}.${String(r.code & 31).padStart(2, "0")}`,
      );
    }
    // Garbage datagrams are dropped; the client keeps answering.
    server.sendBytes(new Uint8Array([0x40]));
    server.sendBytes(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]));
    server.sendBytes(new Uint8Array([0x4f, 0x01, 0, 1]));
    const ok = await server.request(GET, "/3311/0/5851", [accept(0)]);
    assert.equal(ok.code, 69);
    assert.equal(new TextDecoder().decode(ok.payload), "10");
    // A peer the client did not register with is not served.
    other.clientAddress = server.clientAddress;
    const stranger = await other.request(GET, "/3311/0/5851");
    assert.equal(stranger.code, 129);
  } finally {
    other.close();
    await c.close();
    server.close();
  }
});
