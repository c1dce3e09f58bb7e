/** Tests of the debug-log summaries in gateway/coap/describe.ts. */

import assert from "node:assert/strict";
import { describeCoap, formatCoapCode } from "../../../gateway/coap/describe.ts";

Deno.test("formatCoapCode prints class.detail (RFC 7252 §12.1)", () => {
  assert.equal(formatCoapCode(69), "2.05");
  assert.equal(formatCoapCode(132), "4.04");
  assert.equal(formatCoapCode(0), "0.00");
});

Deno.test("describeCoap summarizes a CON GET with its options", () => {
  const text = describeCoap({
    type: 0,
    code: 1,
    messageId: 0x1234,
    token: new Uint8Array([0x7a]),
    options: [
      { number: 11, value: new Uint8Array([0x33]) },
      { number: 17, value: new Uint8Array([0x2d, 0x16]) },
    ],
    payload: new Uint8Array(0),
  });
  assert.equal(text, "CON GET mid=4660 token=7a options=11:33,17:2d16 payload=0B");
});

Deno.test("describeCoap prints response codes and empty option lists", () => {
  const text = describeCoap({
    type: 2,
    code: 69,
    messageId: 1,
    token: new Uint8Array(0),
    options: [],
    payload: new Uint8Array(3),
  });
  assert.equal(text, "ACK 2.05 mid=1 token= options=- payload=3B");
});
