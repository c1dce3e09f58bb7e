/**
 * Unit tests of Observe (RFC 7641) in the sans-IO CoAP core (gateway/coap): the observer role
 * (registration with Observe=0, notifications matched by token, the §3.4 freshness rule, ACKs of
 * CON notifications, active cancel with Observe=1, passive cancel by RST, end of the observation
 * on a notification without Observe or with an error code) and the observed role (observerAdded,
 * increasing sequence numbers, RST or timeout removing the observer, deregistration).
 */

import assert from "node:assert/strict";
import {
  cancelRequest,
  type CoapState,
  notify,
  receive,
  respond,
  sendRequest,
} from "../../../gateway/coap/mod.ts";
import type { CoapMessage } from "../../../codec-wasm/types.ts";
import {
  ACK,
  bytes,
  CON,
  CONTENT,
  encode,
  GET,
  hex,
  kinds,
  makeState,
  NON,
  NOT_FOUND,
  OBSERVE,
  ofKind,
  onlySent,
  option,
  path,
  PEER,
  RST,
  runTimers,
  sent,
  str,
  uint,
  uintValue,
} from "./helpers.ts";

/** Establishes an observation "o" of /3/0/9 with first sequence `seq` at time `atMs`. */
function observe(state: CoapState, seq = 5, atMs = 0): CoapMessage {
  const req = onlySent(
    sendRequest(
      state,
      "o",
      PEER,
      { code: GET, options: path("3", "0", "9") },
      { observe: true },
      atMs,
    ),
  );
  const effects = receive(
    state,
    PEER,
    encode({
      type: ACK,
      code: CONTENT,
      messageId: req.messageId,
      token: req.token,
      options: [uint(OBSERVE, seq)],
      payload: bytes("first"),
    }),
    atMs,
  );
  assert.equal(ofKind(effects, "response").length, 1);
  assert.equal(state.clients.get("o")?.state, "observing");
  return req;
}

/** A notification from PEER with the observation's token. */
function notification(
  token: Uint8Array,
  messageId: number,
  seq: number | null,
  payload: string,
  type = NON,
  code = CONTENT,
) {
  return encode({
    type,
    code,
    messageId,
    token,
    options: seq === null ? [] : [uint(OBSERVE, seq)],
    payload: bytes(payload),
  });
}

function notified(effects: ReturnType<typeof receive>): string[] {
  return ofKind(effects, "notification").map((n) => str(n.response.payload));
}

Deno.test("observe registration: GET with an empty Observe option; the first response establishes it", () => {
  const state = makeState();
  const req = onlySent(
    sendRequest(
      state,
      "o",
      PEER,
      { code: GET, options: path("3", "0", "9") },
      { observe: true },
      0,
    ),
  );
  assert.equal(req.code, GET);
  assert.deepEqual(option(req, OBSERVE), new Uint8Array(0), "Observe=0 is a zero-length uint");
  const effects = receive(
    state,
    PEER,
    encode({
      type: ACK,
      code: CONTENT,
      messageId: req.messageId,
      token: req.token,
      options: [uint(OBSERVE, 12)],
      payload: bytes("87"),
    }),
    50,
  );
  const [response] = ofKind(effects, "response");
  assert.equal(response.requestId, "o");
  assert.equal(response.result.kind, "response");
  assert.equal(state.clients.get("o")?.state, "observing");
  assert.equal(runTimers(state, 1_000_000).length, 0, "an observation has no deadline");
});

Deno.test("a response without Observe means the resource is not observed: the request completes", () => {
  const state = makeState();
  const req = onlySent(
    sendRequest(state, "o", PEER, { code: GET, options: path("x") }, { observe: true }, 0),
  );
  const effects = receive(
    state,
    PEER,
    encode({ type: ACK, code: CONTENT, messageId: req.messageId, token: req.token }),
    10,
  );
  assert.equal(ofKind(effects, "response").length, 1);
  assert.equal(state.clients.has("o"), false);
  const late = receive(state, PEER, notification(req.token, 900, 3, "n"), 20);
  assert.equal(onlySent(late).type, RST);
});

Deno.test("fresh notifications with the observation's token are delivered", () => {
  const state = makeState();
  const req = observe(state, 5);
  assert.deepEqual(notified(receive(state, PEER, notification(req.token, 100, 6, "a"), 1000)), [
    "a",
  ]);
  assert.deepEqual(notified(receive(state, PEER, notification(req.token, 101, 9, "b"), 2000)), [
    "b",
  ]);
});

Deno.test("a stale or repeated sequence number is dropped by the freshness rule", () => {
  const state = makeState();
  const req = observe(state, 5);
  receive(state, PEER, notification(req.token, 100, 10, "a"), 1000);
  for (const [mid, seq] of [[101, 10], [102, 7], [103, 10 + (1 << 23) + 1]]) {
    const effects = receive(state, PEER, notification(req.token, mid, seq, "stale"), 2000);
    assert.deepEqual(notified(effects), [], `seq ${seq}`);
    assert.deepEqual(ofKind(effects, "drop").map((d) => d.reason), ["stale-notification"]);
  }
  assert.deepEqual(notified(receive(state, PEER, notification(req.token, 104, 11, "b"), 3000)), [
    "b",
  ]);
});

Deno.test("the 24-bit sequence wraps: 0 after 0xFFFFFF is fresh", () => {
  const state = makeState();
  const req = observe(state, 0xfffffe);
  assert.deepEqual(
    notified(receive(state, PEER, notification(req.token, 100, 0xffffff, "a"), 10)),
    ["a"],
  );
  assert.deepEqual(notified(receive(state, PEER, notification(req.token, 101, 0, "b"), 20)), ["b"]);
  assert.deepEqual(
    notified(receive(state, PEER, notification(req.token, 102, 0xfffff0, "c"), 30)),
    [],
  );
});

Deno.test("after 128 s without a notification any sequence number is fresh", () => {
  const state = makeState();
  const req = observe(state, 100, 1000);
  assert.deepEqual(
    notified(receive(state, PEER, notification(req.token, 100, 50, "at 128 s"), 1000 + 128_000)),
    [],
    "exactly 128 s later is not yet fresh (T2 > T1 + 128 s)",
  );
  assert.deepEqual(
    notified(receive(state, PEER, notification(req.token, 101, 50, "later"), 1000 + 128_001)),
    ["later"],
  );
});

Deno.test("CON notifications are ACKed, stale ones too, and duplicates get the same ACK", () => {
  const state = makeState();
  const req = observe(state, 5);
  const fresh = receive(state, PEER, notification(req.token, 200, 6, "a", CON), 100);
  const ack = onlySent(fresh);
  assert.deepEqual([ack.type, ack.code, ack.messageId], [ACK, 0, 200]);
  assert.deepEqual(notified(fresh), ["a"]);

  const stale = receive(state, PEER, notification(req.token, 201, 4, "old", CON), 200);
  assert.deepEqual([onlySent(stale).type, onlySent(stale).messageId], [ACK, 201]);
  assert.deepEqual(notified(stale), []);

  const dup = receive(state, PEER, notification(req.token, 200, 6, "a", CON), 300);
  assert.deepEqual([onlySent(dup).type, onlySent(dup).messageId], [ACK, 200]);
  assert.deepEqual(notified(dup), [], "a duplicate is not delivered twice");
});

Deno.test("active cancel: GET with Observe=1 and the same token; later notifications get RST", () => {
  const state = makeState();
  const req = observe(state, 5);
  const effects = cancelRequest(state, "o", 1000, "c");
  assert.deepEqual(ofKind(effects, "observationEnded").map((e) => e.reason), ["cancelled"]);
  const cancel = onlySent(effects);
  assert.equal(cancel.code, GET);
  assert.equal(hex(cancel.token), hex(req.token));
  assert.equal(uintValue(cancel, OBSERVE), 1);
  assert.deepEqual(cancel.options.filter((o) => o.number === 11).map((o) => str(o.value)), [
    "3",
    "0",
    "9",
  ]);

  const done = receive(
    state,
    PEER,
    encode({ type: ACK, code: CONTENT, messageId: cancel.messageId, token: cancel.token }),
    1100,
  );
  assert.deepEqual(ofKind(done, "response").map((e) => [e.requestId, e.result.kind]), [[
    "c",
    "response",
  ]]);
  const late = receive(state, PEER, notification(req.token, 300, 7, "late", CON), 1200);
  assert.equal(onlySent(late).type, RST);
  assert.deepEqual(notified(late), []);
});

Deno.test("passive cancel: the observation is forgotten and the next notification gets RST", () => {
  const state = makeState();
  const req = observe(state, 5);
  const effects = cancelRequest(state, "o", 1000);
  assert.deepEqual(kinds(effects), ["observationEnded"], "nothing is sent");
  for (const type of [NON, CON]) {
    const next = receive(state, PEER, notification(req.token, 400 + type, 6, "x", type), 2000);
    const rst = onlySent(next);
    assert.deepEqual([rst.type, rst.messageId], [RST, 400 + type]);
  }
});

Deno.test("a notification without Observe is delivered and ends the observation", () => {
  const state = makeState();
  const req = observe(state, 5);
  const effects = receive(state, PEER, notification(req.token, 500, null, "final"), 100);
  assert.deepEqual(notified(effects), ["final"]);
  assert.deepEqual(ofKind(effects, "observationEnded").length, 1);
  assert.equal(state.clients.has("o"), false);
  assert.equal(onlySent(receive(state, PEER, notification(req.token, 501, 7, "x"), 200)).type, RST);
});

Deno.test("an error notification ends the observation", () => {
  const state = makeState();
  const req = observe(state, 5);
  const effects = receive(state, PEER, notification(req.token, 600, 6, "", NON, NOT_FOUND), 100);
  assert.deepEqual(ofKind(effects, "observationEnded").length, 1);
  assert.equal(state.clients.has("o"), false);
});

// --- observed role ---------------------------------------------------------------------------

/** A peer registers with GET Observe=0; returns the observerId and the registration response. */
function register(state: CoapState, token = new Uint8Array([0xab])) {
  const [request] = ofKind(
    receive(
      state,
      PEER,
      encode({
        type: CON,
        code: GET,
        messageId: 10,
        token,
        options: [uint(OBSERVE, 0), ...path("3", "0", "9")],
      }),
      0,
    ),
    "request",
  );
  assert.equal(request.observe, 0);
  const effects = respond(state, request.exchangeId, { code: CONTENT, payload: bytes("v0") }, 5);
  const [added] = ofKind(effects, "observerAdded");
  assert.equal(added.peer, PEER);
  const reply = onlySent(effects);
  return { observerId: added.observerId, reply };
}

Deno.test("observed role: GET Observe=0 answered with success adds an observer", () => {
  const state = makeState();
  const { reply } = register(state);
  assert.equal(reply.type, ACK);
  assert.equal(hex(reply.token), "ab");
  assert.notEqual(uintValue(reply, OBSERVE), undefined, "the response carries an Observe sequence");
});

Deno.test("observed role: notify() sends increasing sequence numbers with the observer's token", () => {
  const state = makeState();
  const { observerId, reply } = register(state);
  let last = uintValue(reply, OBSERVE)!;
  for (let i = 1; i <= 3; i++) {
    const n = onlySent(
      notify(state, observerId, { code: CONTENT, payload: bytes(`v${i}`) }, false, i * 1000),
    );
    assert.equal(n.type, NON);
    assert.equal(hex(n.token), "ab");
    const seq = uintValue(n, OBSERVE)!;
    assert.ok(seq > last, `sequence ${seq} after ${last}`);
    last = seq;
  }
});

Deno.test("observed role: the sequence number wraps within 24 bits", () => {
  const state = makeState();
  const { observerId } = register(state);
  state.observers.get(observerId)!.sequence = 0xffffff;
  const n = onlySent(notify(state, observerId, { code: CONTENT }, false, 10));
  assert.equal(uintValue(n, OBSERVE) ?? 0, 0);
});

Deno.test("observed role: a CON notification is retransmitted until ACKed", () => {
  const state = makeState();
  const { observerId } = register(state);
  const n = onlySent(notify(state, observerId, { code: CONTENT, payload: bytes("c") }, true, 1000));
  assert.equal(n.type, CON);
  assert.equal(sent(runTimers(state, 3000).flatMap((t) => t.effects)).length, 1);
  receive(state, PEER, encode({ type: ACK, code: 0, messageId: n.messageId }), 3100);
  assert.equal(sent(runTimers(state, 100_000).flatMap((t) => t.effects)).length, 0);
  assert.equal(state.observers.has(observerId), true);
});

Deno.test("observed role: an RST to a CON notification removes the observer", () => {
  const state = makeState();
  const { observerId } = register(state);
  const n = onlySent(notify(state, observerId, { code: CONTENT }, true, 1000));
  const effects = receive(
    state,
    PEER,
    encode({ type: RST, code: 0, messageId: n.messageId }),
    1100,
  );
  assert.deepEqual(ofKind(effects, "observerRemoved").map((e) => [e.observerId, e.reason]), [[
    observerId,
    "reset",
  ]]);
  assert.deepEqual(
    notify(state, observerId, { code: CONTENT }, false, 1200),
    [],
    "no more notifications",
  );
  assert.equal(sent(runTimers(state, 100_000).flatMap((t) => t.effects)).length, 0);
});

Deno.test("observed role: an RST to a NON notification removes the observer", () => {
  const state = makeState();
  const { observerId } = register(state);
  const n = onlySent(notify(state, observerId, { code: CONTENT }, false, 1000));
  const effects = receive(
    state,
    PEER,
    encode({ type: RST, code: 0, messageId: n.messageId }),
    1100,
  );
  assert.deepEqual(ofKind(effects, "observerRemoved").map((e) => e.reason), ["reset"]);
});

Deno.test("observed role: a CON notification that is never ACKed removes the observer", () => {
  const state = makeState();
  const { observerId } = register(state);
  notify(state, observerId, { code: CONTENT }, true, 0);
  const removed = runTimers(state, 100_000).flatMap((t) => ofKind(t.effects, "observerRemoved"));
  assert.deepEqual(removed.map((e) => e.reason), ["timeout"]);
});

Deno.test("observed role: GET Observe=1 with the same token deregisters the observer", () => {
  const state = makeState();
  const { observerId } = register(state);
  const [request] = ofKind(
    receive(
      state,
      PEER,
      encode({
        type: CON,
        code: GET,
        messageId: 11,
        token: new Uint8Array([0xab]),
        options: [uint(OBSERVE, 1), ...path("3", "0", "9")],
      }),
      100,
    ),
    "request",
  );
  assert.equal(request.observe, 1);
  const effects = respond(state, request.exchangeId, { code: CONTENT }, 110);
  assert.deepEqual(ofKind(effects, "observerRemoved").map((e) => e.observerId), [observerId]);
  assert.equal(
    uintValue(onlySent(effects), OBSERVE),
    undefined,
    "the answer has no Observe option",
  );
});

Deno.test("observed role: an error notification ends the observation", () => {
  const state = makeState();
  const { observerId } = register(state);
  const effects = notify(state, observerId, { code: NOT_FOUND }, false, 100);
  const n = onlySent(effects);
  assert.equal(uintValue(n, OBSERVE), undefined, "an error notification carries no Observe");
  assert.deepEqual(ofKind(effects, "observerRemoved").length, 1);
});

Deno.test("observed role: an error response to Observe=0 adds no observer", () => {
  const state = makeState();
  const [request] = ofKind(
    receive(
      state,
      PEER,
      encode({ code: GET, messageId: 12, token: new Uint8Array([1]), options: [uint(OBSERVE, 0)] }),
      0,
    ),
    "request",
  );
  const effects = respond(state, request.exchangeId, { code: NOT_FOUND }, 1);
  assert.equal(ofKind(effects, "observerAdded").length, 0);
  assert.equal(uintValue(onlySent(effects), OBSERVE), undefined);
});

Deno.test("observer and observed cores interoperate through their effects", () => {
  const client = makeState();
  const server = makeState();
  const CLIENT = "10.0.0.9:5683";
  const deliver = (from: "client" | "server", effects: ReturnType<typeof receive>, at: number) => {
    const out: ReturnType<typeof receive> = [];
    for (const s of sent(effects)) {
      out.push(
        ...(from === "client"
          ? receive(server, CLIENT, s.bytes, at)
          : receive(client, PEER, s.bytes, at)),
      );
    }
    return out;
  };
  const atServer = deliver(
    "client",
    sendRequest(client, "o", PEER, { code: GET, options: path("temp") }, { observe: true }, 0),
    1,
  );
  const [request] = ofKind(atServer, "request");
  const answered = respond(server, request.exchangeId, { code: CONTENT, payload: bytes("20") }, 2);
  const [added] = ofKind(answered, "observerAdded");
  const atClient = deliver("server", answered, 3);
  assert.equal(ofKind(atClient, "response").length, 1);
  const got: string[] = [];
  for (let i = 21; i <= 23; i++) {
    got.push(
      ...notified(
        deliver(
          "server",
          notify(
            server,
            added.observerId,
            { code: CONTENT, payload: bytes(String(i)) },
            i === 22,
            i,
          ),
          i,
        ),
      ),
    );
  }
  assert.deepEqual(got, ["21", "22", "23"]);
});
