/** Tests of the firmware pull URI base (gateway/pull_uri.ts). */

import assert from "node:assert/strict";
import { pullBaseUri } from "../../gateway/pull_uri.ts";

const host = () => "edge-7.example";

Deno.test("--public-uri wins, without a trailing slash", () => {
  const base = pullBaseUri("https://fw.example:8443/", "::", 5683, host);
  assert.equal(base("10.0.0.9:5000"), "https://fw.example:8443");
});

Deno.test("a specific bind address is used as it is (IPv6 in brackets)", () => {
  assert.equal(pullBaseUri(null, "192.0.2.1", 5683, host)("x"), "coap://192.0.2.1:5683");
  assert.equal(pullBaseUri(null, "2001:db8::1", 5683, host)("x"), "coap://[2001:db8::1]:5683");
});

Deno.test("a wildcard bind uses loopback for loopback devices and the host name otherwise", () => {
  const base = pullBaseUri(null, "::", 15683, host);
  assert.equal(base("127.0.0.1:40000"), "coap://127.0.0.1:15683");
  assert.equal(base("[::1]:40000"), "coap://[::1]:15683");
  assert.equal(base("203.0.113.5:40000"), "coap://edge-7.example:15683");
});

Deno.test("no CoAP port and no --public-uri: no pull URI", () => {
  assert.equal(pullBaseUri(null, "::", null, host)("127.0.0.1:1"), null);
});
