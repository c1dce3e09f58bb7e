/**
 * Unit tests of the message layer of the sans-IO CoAP core (gateway/coap; RFC 7252 §4.2-§4.8):
 * the CON retransmission schedule, ACK/RST matching, deduplication with reply replay, CoAP ping,
 * reactions to malformed input, message ids and configurable transmission parameters. Literal
 * times and deterministic ids (tokens count up, random() is fixed).
 */

import assert from "node:assert/strict";
import {
  exchangeLifetimeMs,
  maxTransmitSpanMs,
  maxTransmitWaitMs,
  nonLifetimeMs,
  receive,
  respond,
  sendRequest,
  tick,
} from "../../../gateway/coap/mod.ts";
import { DEFAULT_PARAMS } from "../../../gateway/coap/params.ts";
import {
  ACK,
  bytes,
  CHANGED,
  CON,
  CONTENT,
  encode,
  GET,
  hex,
  kinds,
  makeState,
  NON,
  ofKind,
  onlySent,
  OTHER_PEER,
  path,
  PEER,
  POST,
  RST,
  runTimers,
  sent,
} from "./helpers.ts";

/** Sends one CON GET at t=0 that is never answered; returns send times and the result time. */
function unansweredSchedule(random: number, params = {}) {
  const state = makeState({ random, params });
  const first = sendRequest(state, "a", PEER, { code: GET, options: path("x") }, {}, 0);
  assert.equal(onlySent(first).type, CON);
  const original = hex(sent(first)[0].bytes);
  const sendTimes = [0];
  const results: { atMs: number; kind: string }[] = [];
  for (const { atMs, effects } of runTimers(state, 10_000_000)) {
    for (const s of sent(effects)) {
      assert.equal(hex(s.bytes), original, "a retransmission repeats the bytes");
      sendTimes.push(atMs);
    }
    for (const r of ofKind(effects, "response")) results.push({ atMs, kind: r.result.kind });
  }
  return { sendTimes, results, state };
}

Deno.test("derived transmission parameters are the RFC 7252 §4.8.2 values", () => {
  assert.equal(maxTransmitSpanMs(DEFAULT_PARAMS), 45_000);
  assert.equal(maxTransmitWaitMs(DEFAULT_PARAMS), 93_000);
  assert.equal(exchangeLifetimeMs(DEFAULT_PARAMS), 247_000);
  assert.equal(nonLifetimeMs(DEFAULT_PARAMS), 145_000);
});

Deno.test("an unanswered CON is sent at 0, 2, 6, 14, 30 s and times out at 62 s when random()=0", () => {
  const { sendTimes, results } = unansweredSchedule(0);
  assert.deepEqual(sendTimes, [0, 2000, 6000, 14000, 30000]);
  assert.deepEqual(results, [{ atMs: 62000, kind: "timeout" }]);
});

Deno.test("an unanswered CON is sent at 0, 3, 9, 21, 45 s and times out at 93 s when random()=1", () => {
  const { sendTimes, results } = unansweredSchedule(1);
  assert.deepEqual(sendTimes, [0, 3000, 9000, 21000, 45000]);
  assert.deepEqual(results, [{ atMs: 93000, kind: "timeout" }]);
});

Deno.test("ACK_TIMEOUT, ACK_RANDOM_FACTOR and MAX_RETRANSMIT are configurable", () => {
  const { sendTimes, results } = unansweredSchedule(0.5, {
    ackTimeoutMs: 100,
    ackRandomFactor: 2,
    maxRetransmit: 2,
  });
  // Initial timeout 100 * (1 + 0.5 * (2 - 1)) = 150 ms, doubled: sends at 0, 150, 450; fail at 1050.
  assert.deepEqual(sendTimes, [0, 150, 450]);
  assert.deepEqual(results, [{ atMs: 1050, kind: "timeout" }]);
});

Deno.test("no timer fires early: nothing is resent before the first timeout", () => {
  const state = makeState();
  sendRequest(state, "a", PEER, { code: GET, options: path("x") }, {}, 0);
  assert.deepEqual(tick(state, 1999), []);
  assert.equal(sent(tick(state, 2000)).length, 1);
});

Deno.test("an empty ACK stops the retransmission of a CON request", () => {
  const state = makeState();
  const req = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("x") }, {}, 0));
  assert.equal(req.type, CON);
  const effects = receive(
    state,
    PEER,
    encode({ type: ACK, code: 0, messageId: req.messageId }),
    500,
  );
  assert.deepEqual(kinds(effects), [], "an empty ACK is not answered and completes nothing");
  const later = runTimers(state, 60_000).flatMap((t) => t.effects);
  assert.equal(sent(later).length, 0, "no retransmission after the ACK");
});

Deno.test("a piggybacked response stops retransmission and completes the request", () => {
  const state = makeState();
  const req = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("x") }, {}, 0));
  sent(tick(state, 2000)); // one retransmission first
  const effects = receive(
    state,
    PEER,
    encode({
      type: ACK,
      code: CONTENT,
      messageId: req.messageId,
      token: req.token,
      payload: bytes("v"),
    }),
    2100,
  );
  const [response] = ofKind(effects, "response");
  assert.equal(response.requestId, "a");
  assert.equal(response.result.kind, "response");
  assert.equal(sent(effects).length, 0, "an ACK is never acknowledged");
  assert.equal(sent(runTimers(state, 200_000).flatMap((t) => t.effects)).length, 0);
});

Deno.test("an RST to our CON request ends it with a reset result", () => {
  const state = makeState();
  const req = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("x") }, {}, 0));
  const effects = receive(
    state,
    PEER,
    encode({ type: RST, code: 0, messageId: req.messageId }),
    10,
  );
  assert.deepEqual(ofKind(effects, "response").map((e) => e.result.kind), ["reset"]);
  assert.equal(sent(effects).length, 0, "an RST is never answered");
  assert.equal(sent(runTimers(state, 200_000).flatMap((t) => t.effects)).length, 0);
});

Deno.test("message ids per peer are sequential from the random start and wrap at 16 bits", () => {
  const state = makeState({ random: 0.99999, params: { nstart: 10 } });
  const ids: number[] = [];
  for (let i = 0; i < 3; i++) {
    const m = onlySent(sendRequest(state, `r${i}`, PEER, { code: GET, options: path("x") }, {}, 0));
    ids.push(m.messageId);
  }
  assert.deepEqual(ids, [0xffff, 0, 1]);
  const other = onlySent(sendRequest(state, "o", OTHER_PEER, { code: GET, options: [] }, {}, 0));
  assert.equal(other.messageId, 0xffff, "another peer has its own message id sequence");
});

Deno.test("a duplicate CON gets the stored piggybacked response again, without a second request", () => {
  const state = makeState();
  const datagram = encode({
    type: CON,
    code: POST,
    messageId: 7,
    token: new Uint8Array([1, 2]),
    options: path("counter"),
    payload: bytes("+1"),
  });
  const first = receive(state, PEER, datagram, 0);
  const [request] = ofKind(first, "request");
  assert.equal(sent(first).length, 0);
  const reply = respond(state, request.exchangeId, { code: CHANGED, payload: bytes("1") }, 5);
  const ack = sent(reply)[0];
  assert.equal(ack.m.type, ACK);
  assert.equal(ack.m.messageId, 7);
  assert.equal(hex(ack.m.token), "0102");

  const dup = receive(state, PEER, datagram, 3000);
  assert.equal(ofKind(dup, "request").length, 0, "the request is not handled twice");
  assert.deepEqual(ofKind(dup, "drop").map((d) => d.reason), ["duplicate"]);
  assert.equal(sent(dup).length, 1);
  assert.equal(hex(sent(dup)[0].bytes), hex(ack.bytes), "the very same ACK is replayed");
});

Deno.test("a duplicate CON while the handler runs gets an empty ACK; later ones replay it", () => {
  const state = makeState();
  const datagram = encode({
    type: CON,
    code: POST,
    messageId: 8,
    token: new Uint8Array([3]),
    options: path("slow"),
  });
  const [request] = ofKind(receive(state, PEER, datagram, 0), "request");
  const dup = receive(state, PEER, datagram, 100);
  assert.equal(ofKind(dup, "request").length, 0);
  const emptyAck = onlySent(dup);
  assert.deepEqual([emptyAck.type, emptyAck.code, emptyAck.messageId], [ACK, 0, 8]);
  assert.equal(emptyAck.token.length, 0);

  const response = onlySent(respond(state, request.exchangeId, { code: CHANGED }, 200));
  assert.equal(response.type, CON, "after the empty ACK the response is a separate CON");
  assert.notEqual(response.messageId, 8);
  assert.equal(hex(response.token), "03");

  const again = onlySent(receive(state, PEER, datagram, 300));
  assert.deepEqual([again.type, again.code, again.messageId], [ACK, 0, 8]);
});

Deno.test("a duplicate NON request is dropped without any reply", () => {
  const state = makeState();
  const datagram = encode({ type: NON, code: POST, messageId: 9, options: path("dp") });
  assert.equal(ofKind(receive(state, PEER, datagram, 0), "request").length, 1);
  const dup = receive(state, PEER, datagram, 10);
  assert.deepEqual(kinds(dup), ["drop"]);
  assert.equal(ofKind(dup, "drop")[0].reason, "duplicate");
});

Deno.test("the same message id from another peer is not a duplicate", () => {
  const state = makeState();
  const datagram = encode({ type: CON, code: POST, messageId: 9, options: path("x") });
  assert.equal(ofKind(receive(state, PEER, datagram, 0), "request").length, 1);
  assert.equal(ofKind(receive(state, OTHER_PEER, datagram, 0), "request").length, 1);
});

Deno.test("deduplication forgets a message id after EXCHANGE_LIFETIME", () => {
  const state = makeState();
  const datagram = encode({ type: CON, code: POST, messageId: 11, options: path("x") });
  const [request] = ofKind(receive(state, PEER, datagram, 0), "request");
  respond(state, request.exchangeId, { code: CHANGED }, 0);
  runTimers(state, 200_000);
  assert.equal(ofKind(receive(state, PEER, datagram, 200_000), "request").length, 0);
  runTimers(state, 300_000);
  assert.equal(ofKind(receive(state, PEER, datagram, 300_000), "request").length, 1);
});

Deno.test("CoAP ping: an empty CON is answered with an RST of the same message id", () => {
  const state = makeState();
  // coap.md §4 example 5: ping 40 00 BE EF, answer 70 00 BE EF.
  const effects = receive(state, PEER, new Uint8Array([0x40, 0x00, 0xbe, 0xef]), 0);
  assert.equal(hex(sent(effects)[0].bytes), "7000beef");
  assert.equal(sent(effects).length, 1);
});

Deno.test("a malformed CON whose header is readable is rejected with an RST", () => {
  const cases: [string, number[]][] = [
    ["token length 9", [0x49, 0x01, 0x12, 0x34, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
    ["payload marker without payload", [0x40, 0x01, 0x12, 0x34, 0xff]],
    ["reserved option nibble 15", [0x40, 0x01, 0x12, 0x34, 0xf1, 0x00]],
    ["option value past the end", [0x40, 0x01, 0x12, 0x34, 0xb5, 0x61]],
    ["empty message with a token", [0x41, 0x00, 0x12, 0x34, 0x01]],
  ];
  for (const [name, datagram] of cases) {
    const effects = receive(makeState(), PEER, new Uint8Array(datagram), 0);
    const rst = onlySent(effects);
    assert.deepEqual([rst.type, rst.code, rst.messageId], [RST, 0, 0x1234], name);
    assert.deepEqual(ofKind(effects, "drop").map((d) => d.reason), ["malformed"], name);
  }
});

Deno.test("a CON with a reserved code class is a format error answered with RST", () => {
  const effects = receive(makeState(), PEER, encode({ type: CON, code: 0xe1, messageId: 5 }), 0);
  const rst = onlySent(effects);
  assert.deepEqual([rst.type, rst.messageId], [RST, 5]);
});

Deno.test("malformed NON, ACK and RST messages are dropped silently", () => {
  for (const byte0 of [0x59, 0x69, 0x79]) {
    const effects = receive(
      makeState(),
      PEER,
      new Uint8Array([byte0, 0x45, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
      0,
    );
    assert.equal(sent(effects).length, 0, `byte0 ${byte0.toString(16)}`);
    assert.deepEqual(ofKind(effects, "drop").map((d) => d.reason), ["malformed"]);
  }
});

Deno.test("a datagram shorter than a header is dropped without reply", () => {
  const effects = receive(makeState(), PEER, new Uint8Array([0x40, 0x01]), 0);
  assert.equal(sent(effects).length, 0);
  assert.deepEqual(ofKind(effects, "drop").map((d) => d.reason), ["malformed"]);
});

Deno.test("a message with an unknown version is ignored silently, even a CON", () => {
  for (const byte0 of [0x00, 0x80, 0xc0, 0x81]) {
    const effects = receive(makeState(), PEER, new Uint8Array([byte0, 0x01, 0x12, 0x34]), 0);
    assert.equal(sent(effects).length, 0);
    assert.deepEqual(ofKind(effects, "drop").map((d) => d.reason), ["bad-version"]);
  }
});

Deno.test("ACK and RST messages are never answered with RST", () => {
  const state = makeState();
  const inputs = [
    encode({ type: ACK, code: 0, messageId: 100 }),
    encode({ type: RST, code: 0, messageId: 101 }),
    encode({ type: ACK, code: CONTENT, messageId: 102, token: new Uint8Array([9]) }),
    encode({ type: ACK, code: GET, messageId: 103, options: path("x") }),
    encode({ type: RST, code: GET, messageId: 104, options: path("x") }),
    encode({ type: RST, code: CONTENT, messageId: 105, token: new Uint8Array([9]) }),
  ];
  for (const input of inputs) {
    const effects = receive(state, PEER, input, 0);
    assert.equal(sent(effects).length, 0, hex(input));
    assert.equal(ofKind(effects, "drop").length, 1, hex(input));
  }
  assert.deepEqual(
    ofKind(receive(state, PEER, inputs[0], 0), "drop").map((d) => d.reason),
    ["unexpected-ack"],
  );
  assert.deepEqual(
    ofKind(receive(state, PEER, inputs[1], 0), "drop").map((d) => d.reason),
    ["unexpected-rst"],
  );
});

Deno.test("an empty NON is dropped without reply", () => {
  const effects = receive(makeState(), PEER, new Uint8Array([0x50, 0x00, 0x00, 0x01]), 0);
  assert.equal(sent(effects).length, 0);
  assert.equal(ofKind(effects, "drop").length, 1);
});
