/**
 * Unit tests of the exchange layer of the sans-IO CoAP core (gateway/coap; RFC 7252 §5.2-§5.4,
 * §4.7): requests routed by Uri-Path (4.04), unknown critical options (4.02), piggybacked and
 * separate responses, response matching by token and peer, NSTART queueing per peer, request
 * deadlines and cancellation. Literal times, deterministic ids.
 */

import assert from "node:assert/strict";
import { cancelRequest, receive, respond, sendRequest, tick } from "../../../gateway/coap/mod.ts";
import {
  ACK,
  BAD_OPTION,
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
  NOT_FOUND,
  ofKind,
  onlySent,
  OTHER_PEER,
  path,
  PEER,
  POST,
  RST,
  runTimers,
  sent,
  str,
} from "./helpers.ts";

Deno.test("a request for a path no handler serves gets a piggybacked 4.04", () => {
  const state = makeState({ routes: ["rd"] });
  const effects = receive(
    state,
    PEER,
    encode({ code: GET, messageId: 1, token: new Uint8Array([5]), options: path("nope") }),
    0,
  );
  assert.equal(ofKind(effects, "request").length, 0);
  const reply = onlySent(effects);
  assert.deepEqual([reply.type, reply.code, reply.messageId, hex(reply.token)], [
    ACK,
    NOT_FOUND,
    1,
    "05",
  ]);
  const served = receive(state, PEER, encode({ code: POST, messageId: 2, options: path("rd") }), 0);
  assert.equal(ofKind(served, "request").length, 1, "a routed path reaches the application");
});

Deno.test("a request with an unrecognised critical option gets 4.02 and is not handled", () => {
  const state = makeState();
  const effects = receive(
    state,
    PEER,
    encode({
      code: GET,
      messageId: 3,
      token: new Uint8Array([6]),
      options: [...path("x"), { number: 2049, value: bytes("?") }],
    }),
    0,
  );
  assert.equal(ofKind(effects, "request").length, 0);
  const reply = onlySent(effects);
  assert.deepEqual([reply.type, reply.code, reply.messageId, hex(reply.token)], [
    ACK,
    BAD_OPTION,
    3,
    "06",
  ]);
  assert.deepEqual(ofKind(effects, "drop").map((d) => d.reason), ["unknown-critical-option"]);
});

Deno.test("an unrecognised elective option in a request is ignored", () => {
  const effects = receive(
    makeState(),
    PEER,
    encode({
      code: GET,
      messageId: 3,
      options: [...path("x"), { number: 2048, value: bytes("?") }],
    }),
    0,
  );
  assert.equal(ofKind(effects, "request").length, 1);
});

Deno.test("a request with Proxy-Uri gets 5.05 Proxying Not Supported", () => {
  const reply = onlySent(receive(
    makeState(),
    PEER,
    encode({ code: GET, messageId: 4, options: [{ number: 35, value: bytes("coap://h/x") }] }),
    0,
  ));
  assert.equal(reply.code, 165);
});

Deno.test("a quick handler's answer is piggybacked on the ACK", () => {
  const state = makeState();
  const [request] = ofKind(
    receive(
      state,
      PEER,
      encode({ code: GET, messageId: 20, token: new Uint8Array([7]), options: path("a", "b") }),
      0,
    ),
    "request",
  );
  assert.equal(request.observe, null);
  assert.equal(str(request.request.options[1].value), "b");
  const reply = onlySent(
    respond(state, request.exchangeId, { code: CONTENT, payload: bytes("hi") }, 999),
  );
  assert.deepEqual(
    [reply.type, reply.code, reply.messageId, hex(reply.token), str(reply.payload)],
    [
      ACK,
      CONTENT,
      20,
      "07",
      "hi",
    ],
  );
  assert.equal(sent(runTimers(state, 100_000).flatMap((t) => t.effects)).length, 0);
  assert.deepEqual(
    respond(state, request.exchangeId, { code: CONTENT }, 1000),
    [],
    "answered once",
  );
});

Deno.test("a slow handler: empty ACK at separateResponseAfterMs, then a CON response resent until ACKed", () => {
  const state = makeState({ params: { separateResponseAfterMs: 300 } });
  const [request] = ofKind(
    receive(
      state,
      PEER,
      encode({ code: POST, messageId: 30, token: new Uint8Array([8, 8]), options: path("slow") }),
      0,
    ),
    "request",
  );
  assert.deepEqual(tick(state, 299), []);
  const emptyAck = onlySent(tick(state, 300));
  assert.deepEqual([emptyAck.type, emptyAck.code, emptyAck.messageId, emptyAck.token.length], [
    ACK,
    0,
    30,
    0,
  ]);

  const response = onlySent(respond(state, request.exchangeId, { code: CHANGED }, 1000));
  assert.equal(response.type, CON);
  assert.equal(response.code, CHANGED);
  assert.equal(hex(response.token), "0808", "the separate response carries the request's token");
  assert.notEqual(response.messageId, 30, "and a message id of its own");

  const resent = runTimers(state, 7000).filter((t) => sent(t.effects).length > 0);
  assert.deepEqual(resent.map((t) => t.atMs), [3000, 7000], "retransmitted (random()=0: 2 s, 4 s)");
  for (const t of resent) assert.equal(sent(t.effects)[0].m.messageId, response.messageId);

  const acked = receive(
    state,
    PEER,
    encode({ type: ACK, code: 0, messageId: response.messageId }),
    7100,
  );
  assert.deepEqual(kinds(acked), []);
  assert.equal(sent(runTimers(state, 200_000).flatMap((t) => t.effects)).length, 0);
});

Deno.test("a NON request is answered with a NON response with a new message id", () => {
  const state = makeState();
  const [request] = ofKind(
    receive(
      state,
      PEER,
      encode({
        type: NON,
        code: GET,
        messageId: 40,
        token: new Uint8Array([4]),
        options: path("x"),
      }),
      0,
    ),
    "request",
  );
  assert.deepEqual(tick(state, 5000).filter((e) => e.kind === "send"), [], "no empty ACK for NON");
  const reply = onlySent(respond(state, request.exchangeId, { code: CONTENT }, 5000));
  assert.equal(reply.type, NON);
  assert.equal(hex(reply.token), "04");
});

Deno.test("a separate response is matched by token only, whatever its message id", () => {
  const state = makeState();
  const req = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("x") }, {}, 0));
  receive(state, PEER, encode({ type: ACK, code: 0, messageId: req.messageId }), 100);
  const effects = receive(
    state,
    PEER,
    encode({ type: CON, code: CONTENT, messageId: 0x5555, token: req.token, payload: bytes("v") }),
    5000,
  );
  const ack = onlySent(effects);
  assert.deepEqual([ack.type, ack.code, ack.messageId, ack.token.length], [ACK, 0, 0x5555, 0]);
  const [response] = ofKind(effects, "response");
  assert.equal(response.result.kind, "response");
  if (response.result.kind === "response") assert.equal(str(response.result.response.payload), "v");
});

Deno.test("a NON separate response completes the request without an ACK", () => {
  const state = makeState();
  const req = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("x") }, {}, 0));
  const effects = receive(
    state,
    PEER,
    encode({ type: NON, code: CONTENT, messageId: 0x4444, token: req.token }),
    100,
  );
  assert.equal(sent(effects).length, 0);
  assert.equal(ofKind(effects, "response").length, 1);
  assert.equal(
    sent(runTimers(state, 200_000).flatMap((t) => t.effects)).length,
    0,
    "CON no longer resent",
  );
});

Deno.test("a piggybacked response with another token does not complete the request", () => {
  const state = makeState();
  const req = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("x") }, {}, 0));
  const effects = receive(
    state,
    PEER,
    encode({ type: ACK, code: CONTENT, messageId: req.messageId, token: new Uint8Array([0xee]) }),
    100,
  );
  assert.equal(ofKind(effects, "response").length, 0);
  assert.equal(sent(effects).length, 0);
});

Deno.test("a CON response with an unknown token is rejected with RST", () => {
  const state = makeState();
  const effects = receive(
    state,
    PEER,
    encode({ type: CON, code: CONTENT, messageId: 77, token: new Uint8Array([9, 9]) }),
    0,
  );
  const rst = onlySent(effects);
  assert.deepEqual([rst.type, rst.messageId], [RST, 77]);
  assert.deepEqual(ofKind(effects, "drop").map((d) => d.reason), ["unknown-token"]);
});

Deno.test("a response from another peer with our token is not matched", () => {
  const state = makeState();
  const req = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("x") }, {}, 0));
  const effects = receive(
    state,
    OTHER_PEER,
    encode({ type: CON, code: CONTENT, messageId: 78, token: req.token }),
    10,
  );
  assert.equal(ofKind(effects, "response").length, 0);
  assert.equal(onlySent(effects).type, RST);
});

Deno.test("a retransmitted separate CON response is ACKed again after the request completed", () => {
  const state = makeState();
  const req = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("x") }, {}, 0));
  receive(state, PEER, encode({ type: ACK, code: 0, messageId: req.messageId }), 100);
  const separate = encode({ type: CON, code: CONTENT, messageId: 0x0123, token: req.token });
  const first = receive(state, PEER, separate, 1000);
  assert.equal(ofKind(first, "response").length, 1);
  // Our ACK was lost: the server retransmits its response. It must get the ACK again, not an RST.
  const again = receive(state, PEER, separate, 3000);
  const reply = onlySent(again);
  assert.deepEqual([reply.type, reply.messageId], [ACK, 0x0123]);
  assert.equal(ofKind(again, "response").length, 0, "the request completes only once");
});

Deno.test("NSTART=1: a second request to the same peer is sent only after the first is answered", () => {
  const state = makeState();
  const a = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("a") }, {}, 0));
  assert.deepEqual(
    sent(sendRequest(state, "b", PEER, { code: GET, options: path("b") }, {}, 0)),
    [],
  );
  const other = sendRequest(state, "c", OTHER_PEER, { code: GET, options: path("c") }, {}, 0);
  assert.equal(sent(other).length, 1, "another peer has its own NSTART budget");
  assert.equal(
    sent(runTimers(state, 2000).flatMap((t) => t.effects)).length,
    2,
    "only retransmissions",
  );

  const effects = receive(
    state,
    PEER,
    encode({ type: ACK, code: CONTENT, messageId: a.messageId, token: a.token }),
    2500,
  );
  assert.deepEqual(ofKind(effects, "response").map((e) => e.requestId), ["a"]);
  const b = onlySent(effects);
  assert.equal(str(b.options[0].value), "b");
});

Deno.test("NSTART=1: an empty ACK releases the slot for the next queued request", () => {
  const state = makeState();
  const a = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("a") }, {}, 0));
  sendRequest(state, "b", PEER, { code: GET, options: path("b") }, {}, 0);
  const effects = receive(state, PEER, encode({ type: ACK, code: 0, messageId: a.messageId }), 10);
  assert.equal(str(onlySent(effects).options[0].value), "b");
  assert.equal(ofKind(effects, "response").length, 0, "a still waits for its separate response");
});

Deno.test("NSTART is configurable: with 2, two requests go out and a third waits", () => {
  const state = makeState({ params: { nstart: 2 } });
  let count = 0;
  for (const id of ["a", "b", "c"]) {
    count += sent(sendRequest(state, id, PEER, { code: GET, options: path(id) }, {}, 0)).length;
  }
  assert.equal(count, 2);
});

Deno.test("NON requests do not count against NSTART", () => {
  const state = makeState();
  sendRequest(state, "a", PEER, { code: GET, options: path("a") }, {}, 0);
  const non = onlySent(
    sendRequest(state, "b", PEER, { code: GET, options: path("b"), confirmable: false }, {}, 0),
  );
  assert.equal(non.type, NON);
});

Deno.test("a request whose deadline passes ends with a timeout result", () => {
  const state = makeState();
  const req = onlySent(
    sendRequest(state, "a", PEER, { code: GET, options: path("x") }, { timeoutMs: 5000 }, 0),
  );
  receive(state, PEER, encode({ type: ACK, code: 0, messageId: req.messageId }), 100);
  const ticks = runTimers(state, 10_000);
  assert.deepEqual(
    ticks.flatMap((t) => ofKind(t.effects, "response").map((e) => [t.atMs, e.result.kind])),
    [[5000, "timeout"]],
  );
  const late = receive(
    state,
    PEER,
    encode({ type: CON, code: CONTENT, messageId: 9, token: req.token }),
    6000,
  );
  assert.equal(onlySent(late).type, RST, "a response after the deadline is unknown");
});

Deno.test("the default request deadline is configurable (requestTimeoutMs)", () => {
  const state = makeState({ params: { requestTimeoutMs: 1234 } });
  const req = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("x") }, {}, 0));
  receive(state, PEER, encode({ type: ACK, code: 0, messageId: req.messageId }), 1);
  const ticks = runTimers(state, 10_000);
  assert.deepEqual(ticks.map((t) => t.atMs), [1234]);
});

Deno.test("a queued request that reaches its deadline times out and leaves the queue", () => {
  const state = makeState();
  const a = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("a") }, {}, 0));
  sendRequest(state, "b", PEER, { code: GET, options: path("b") }, { timeoutMs: 1000 }, 0);
  const ticks = runTimers(state, 1000);
  assert.deepEqual(ticks.flatMap((t) => ofKind(t.effects, "response").map((e) => e.requestId)), [
    "b",
  ]);
  const effects = receive(
    state,
    PEER,
    encode({ type: ACK, code: CONTENT, messageId: a.messageId, token: a.token }),
    1500,
  );
  assert.equal(sent(effects).length, 0, "the timed-out request is never sent");
});

Deno.test("cancelling a pending request resolves it as cancelled and starts the next one", () => {
  const state = makeState();
  sendRequest(state, "a", PEER, { code: GET, options: path("a") }, {}, 0);
  sendRequest(state, "b", PEER, { code: GET, options: path("b") }, {}, 0);
  const effects = cancelRequest(state, "a", 10);
  assert.deepEqual(ofKind(effects, "response").map((e) => [e.requestId, e.result.kind]), [[
    "a",
    "cancelled",
  ]]);
  assert.equal(str(onlySent(effects).options[0].value), "b");
  const resent = runTimers(state, 2010).flatMap((t) => sent(t.effects));
  assert.deepEqual(resent.map((s) => str(s.m.options[0].value)), ["b"], "a is no longer resent");
});

Deno.test("a request's CON carries the application's options, a token and a fresh message id", () => {
  const state = makeState({ params: { tokenLength: 4 } });
  const m = onlySent(
    sendRequest(state, "a", PEER, { code: POST, options: path("rd"), payload: bytes("p") }, {}, 0),
  );
  assert.deepEqual([m.type, m.code, hex(m.token), str(m.payload)], [CON, POST, "00000001", "p"]);
});

Deno.test("NSTART=1: a block-wise transfer keeps its slot until its last block is answered", () => {
  const state = makeState({ params: { blockSzx: 2 } });
  const CONTINUE = 95;
  const whole = new Uint8Array(100);
  let a = onlySent(
    sendRequest(state, "a", PEER, { code: POST, options: path("fw"), payload: whole }, {}, 0),
  );
  assert.deepEqual(
    sent(sendRequest(state, "b", PEER, { code: GET, options: path("b") }, {}, 0)),
    [],
  );
  const effects = receive(
    state,
    PEER,
    encode({
      type: ACK,
      code: CONTINUE,
      messageId: a.messageId,
      token: a.token,
      options: [{ number: 27, value: new Uint8Array([0x0a]) }],
    }),
    10,
  );
  a = onlySent(effects); // only the next block of a: b still waits
  assert.equal(str(a.options[0].value), "fw");
  const done = receive(
    state,
    PEER,
    encode({ type: ACK, code: CHANGED, messageId: a.messageId, token: a.token }),
    20,
  );
  assert.deepEqual(ofKind(done, "response").map((e) => e.requestId), ["a"]);
  assert.equal(str(onlySent(done).options[0].value), "b");
});
