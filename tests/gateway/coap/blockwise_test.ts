/**
 * Unit tests of block-wise transfer (RFC 7959) in the sans-IO CoAP core (gateway/coap): Block2
 * reassembly by the client and serving by the server (including a peer that asks a smaller SZX),
 * Block1 sending with 2.31 Continue and receiving with 4.08 on a gap and 4.13 beyond
 * maxBodyBytes (with Size1), Observe notifications with large bodies (§2.6), and the
 * configurable block size.
 */

import assert from "node:assert/strict";
import {
  type CoapState,
  notify,
  receive,
  respond,
  sendRequest,
} from "../../../gateway/coap/mod.ts";
import type { CoapMessage } from "../../../codec-wasm/types.ts";
import {
  ACK,
  block,
  BLOCK1,
  BLOCK2,
  blockOf,
  body,
  bytes,
  CHANGED,
  CONTENT,
  CONTINUE,
  encode,
  GET,
  hex,
  INCOMPLETE,
  makeState,
  OBSERVE,
  ofKind,
  onlySent,
  path,
  PEER,
  POST,
  PUT,
  SIZE1,
  SIZE2,
  TOO_LARGE,
  uint,
  uintValue,
} from "./helpers.ts";

// --- client: Block2 reassembly ------------------------------------------------------------------

/** Answers `req` (piggybacked) with block `num` of `whole` at size exponent `szx`. */
function block2Reply(
  req: CoapMessage,
  whole: Uint8Array,
  num: number,
  szx: number,
  extra: ReturnType<typeof uint>[] = [],
) {
  const size = 16 << szx;
  const part = whole.subarray(num * size, Math.min((num + 1) * size, whole.length));
  const more = (num + 1) * size < whole.length;
  return encode({
    type: ACK,
    code: CONTENT,
    messageId: req.messageId,
    token: req.token,
    options: [
      ...extra,
      block(BLOCK2, num, more, szx),
      ...(num === 0 ? [uint(SIZE2, whole.length)] : []),
    ],
    payload: part,
  });
}

Deno.test("client: a Block2 response is reassembled by requesting the following blocks", () => {
  const state = makeState();
  const whole = body(200);
  let req = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("fw") }, {}, 0));
  const tokens = new Set<string>();
  const mids = new Set<number>();
  for (let num = 0; num < 4; num++) {
    tokens.add(hex(req.token));
    mids.add(req.messageId);
    const effects = receive(state, PEER, block2Reply(req, whole, num, 2), num * 10 + 5);
    if (num < 3) {
      assert.equal(ofKind(effects, "response").length, 0);
      req = onlySent(effects);
      assert.equal(req.code, GET);
      assert.deepEqual(blockOf(req, BLOCK2), { num: num + 1, more: false, szx: 2 });
      assert.deepEqual(
        req.options.filter((o) => o.number === 11).map((o) => o.value),
        path("fw").map((o) => o.value),
      );
      assert.equal(req.payload.length, 0);
    } else {
      const [response] = ofKind(effects, "response");
      assert.equal(response.result.kind, "response");
      if (response.result.kind === "response") {
        assert.equal(hex(response.result.response.payload), hex(whole));
        assert.equal(response.result.response.code, CONTENT);
      }
    }
  }
  assert.equal(tokens.size, 1, "block follow-ups keep the request's token (node-coap needs it)");
  assert.equal(mids.size, 4, "each block request has its own message id");
});

Deno.test("client: a Block2 sequence gap fails the request", () => {
  const state = makeState();
  const whole = body(200);
  const req = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("fw") }, {}, 0));
  const next = onlySent(receive(state, PEER, block2Reply(req, whole, 0, 2), 5));
  const effects = receive(state, PEER, block2Reply(next, whole, 2, 2), 10);
  assert.deepEqual(ofKind(effects, "response").map((e) => e.result.kind), ["failed"]);
});

Deno.test("client: a Block2 body that does not start at block 0 fails the request", () => {
  const state = makeState();
  const req = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("fw") }, {}, 0));
  const effects = receive(state, PEER, block2Reply(req, body(200), 1, 2), 5);
  assert.deepEqual(ofKind(effects, "response").map((e) => e.result.kind), ["failed"]);
});

Deno.test("client: a Block2 body beyond maxBodyBytes fails the request", () => {
  const state = makeState({ params: { maxBodyBytes: 100 } });
  const whole = body(200);
  let req = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("fw") }, {}, 0));
  req = onlySent(receive(state, PEER, block2Reply(req, whole, 0, 2), 5));
  const effects = receive(state, PEER, block2Reply(req, whole, 1, 2), 10);
  const [response] = ofKind(effects, "response");
  assert.equal(response.result.kind, "failed");
});

Deno.test("client: a server answering with a smaller block size is followed", () => {
  const state = makeState({ params: { blockSzx: 6 } });
  const whole = body(100);
  let req = onlySent(sendRequest(state, "a", PEER, { code: GET, options: path("fw") }, {}, 0));
  req = onlySent(receive(state, PEER, block2Reply(req, whole, 0, 1), 5));
  assert.deepEqual(blockOf(req, BLOCK2), { num: 1, more: false, szx: 1 });
});

// --- server: Block2 serving ---------------------------------------------------------------------

function getBlock(state: CoapState, messageId: number, b?: { num: number; szx: number }) {
  return receive(
    state,
    PEER,
    encode({
      code: GET,
      messageId,
      token: new Uint8Array([messageId]),
      options: [...path("big"), ...(b ? [block(BLOCK2, b.num, false, b.szx)] : [])],
    }),
    messageId,
  );
}

Deno.test("server: a large response is served block by block from one handler call", () => {
  const state = makeState();
  const whole = body(2500);
  const [request] = ofKind(getBlock(state, 1), "request");
  const first = onlySent(respond(state, request.exchangeId, { code: CONTENT, payload: whole }, 2));
  assert.equal(first.type, ACK);
  assert.deepEqual(blockOf(first, BLOCK2), { num: 0, more: true, szx: 6 });
  assert.equal(uintValue(first, SIZE2), 2500);
  assert.equal(hex(first.payload), hex(whole.subarray(0, 1024)));

  const second = getBlock(state, 2, { num: 1, szx: 6 });
  assert.equal(ofKind(second, "request").length, 0, "follow-up blocks come from the cache");
  const b1 = onlySent(second);
  assert.deepEqual(blockOf(b1, BLOCK2), { num: 1, more: true, szx: 6 });
  assert.equal(hex(b1.token), "02");
  assert.equal(hex(b1.payload), hex(whole.subarray(1024, 2048)));

  const b2 = onlySent(getBlock(state, 3, { num: 2, szx: 6 }));
  assert.deepEqual(blockOf(b2, BLOCK2), { num: 2, more: false, szx: 6 });
  assert.equal(hex(b2.payload), hex(whole.subarray(2048)));
});

Deno.test("server: a peer asking a smaller SZX up front gets blocks of that size", () => {
  const state = makeState();
  const whole = body(150);
  const [request] = ofKind(getBlock(state, 1, { num: 0, szx: 2 }), "request");
  const first = onlySent(respond(state, request.exchangeId, { code: CONTENT, payload: whole }, 2));
  assert.deepEqual(blockOf(first, BLOCK2), { num: 0, more: true, szx: 2 });
  assert.equal(first.payload.length, 64);
  const rest = [
    onlySent(getBlock(state, 2, { num: 1, szx: 2 })),
    onlySent(getBlock(state, 3, { num: 2, szx: 2 })),
  ];
  assert.deepEqual(rest.map((m) => blockOf(m, BLOCK2)), [
    { num: 1, more: true, szx: 2 },
    { num: 2, more: false, szx: 2 },
  ]);
  const joined = new Uint8Array([...first.payload, ...rest[0].payload, ...rest[1].payload]);
  assert.equal(hex(joined), hex(whole));
});

Deno.test("server: a peer lowering SZX mid-transfer gets the block at the same byte offset", () => {
  const state = makeState();
  const whole = body(2500);
  const [request] = ofKind(getBlock(state, 1), "request");
  respond(state, request.exchangeId, { code: CONTENT, payload: whole }, 2);
  // 1024 bytes received; the next 256-byte block is NUM 4.
  const m = onlySent(getBlock(state, 2, { num: 4, szx: 4 }));
  assert.deepEqual(blockOf(m, BLOCK2), { num: 4, more: true, szx: 4 });
  assert.equal(hex(m.payload), hex(whole.subarray(1024, 1280)));
});

Deno.test("server: never answers with a larger block than its own blockSzx", () => {
  const state = makeState({ params: { blockSzx: 4 } });
  const [request] = ofKind(getBlock(state, 1, { num: 0, szx: 6 }), "request");
  const first = onlySent(
    respond(state, request.exchangeId, { code: CONTENT, payload: body(600) }, 2),
  );
  assert.deepEqual(blockOf(first, BLOCK2), { num: 0, more: true, szx: 4 });
  assert.equal(first.payload.length, 256);
});

Deno.test("server: a small response without Block2 in the request has no Block2 option", () => {
  const state = makeState();
  const [request] = ofKind(getBlock(state, 1), "request");
  const m = onlySent(respond(state, request.exchangeId, { code: CONTENT, payload: body(1024) }, 2));
  assert.equal(blockOf(m, BLOCK2), undefined);
});

// --- client: Block1 sending ---------------------------------------------------------------------

function continueReply(req: CoapMessage, num: number, szx: number, code = CONTINUE) {
  return encode({
    type: ACK,
    code,
    messageId: req.messageId,
    token: req.token,
    options: [block(BLOCK1, num, code === CONTINUE, szx)],
  });
}

Deno.test("client: a large request body goes out in Block1 blocks, each after 2.31 Continue", () => {
  const state = makeState({ params: { blockSzx: 2 } });
  const whole = body(200);
  let req = onlySent(
    sendRequest(
      state,
      "w",
      PEER,
      { code: PUT, options: path("5", "0", "0"), payload: whole },
      {},
      0,
    ),
  );
  assert.equal(uintValue(req, SIZE1), 200, "Size1 announces the total size");
  const parts: Uint8Array[] = [];
  const token = hex(req.token);
  for (let num = 0; num < 4; num++) {
    assert.equal(hex(req.token), token, "every block carries the request's token");
    const b = blockOf(req, BLOCK1)!;
    assert.deepEqual(b, { num, more: num < 3, szx: 2 });
    assert.equal(req.code, PUT);
    parts.push(req.payload);
    const last = num === 3;
    const effects = receive(
      state,
      PEER,
      continueReply(req, num, 2, last ? CHANGED : CONTINUE),
      num + 1,
    );
    if (!last) req = onlySent(effects);
    else {
      const [response] = ofKind(effects, "response");
      assert.equal(response.result.kind === "response" && response.result.response.code, CHANGED);
    }
  }
  assert.equal(hex(new Uint8Array(parts.flatMap((p) => [...p]))), hex(whole));
});

Deno.test("client: a server asking a smaller Block1 size gets the rest in smaller blocks", () => {
  const state = makeState({ params: { blockSzx: 2 } });
  const whole = body(130);
  const req = onlySent(
    sendRequest(state, "w", PEER, { code: PUT, options: path("x"), payload: whole }, {}, 0),
  );
  // RFC 7959 §2.5: the server accepted 64 bytes and prefers 32-byte blocks: continue at NUM 2.
  const next = onlySent(receive(state, PEER, continueReply(req, 0, 1), 1));
  assert.deepEqual(blockOf(next, BLOCK1), { num: 2, more: true, szx: 1 });
  assert.equal(hex(next.payload), hex(whole.subarray(64, 96)));
});

Deno.test("client: an error response to a Block1 block ends the request with that response", () => {
  const state = makeState({ params: { blockSzx: 2 } });
  const req = onlySent(
    sendRequest(state, "w", PEER, { code: PUT, options: path("x"), payload: body(200) }, {}, 0),
  );
  const effects = receive(
    state,
    PEER,
    encode({
      type: ACK,
      code: TOO_LARGE,
      messageId: req.messageId,
      token: req.token,
      options: [uint(SIZE1, 100)],
    }),
    1,
  );
  const [response] = ofKind(effects, "response");
  assert.equal(response.result.kind === "response" && response.result.response.code, TOO_LARGE);
});

// --- server: Block1 receiving -------------------------------------------------------------------

function putBlock(
  state: CoapState,
  messageId: number,
  num: number,
  more: boolean,
  payload: Uint8Array,
  extra = [] as ReturnType<typeof uint>[],
) {
  return receive(
    state,
    PEER,
    encode({
      code: PUT,
      messageId,
      token: new Uint8Array([messageId]),
      options: [...path("fw"), block(BLOCK1, num, more, 2), ...extra],
      payload,
    }),
    messageId,
  );
}

Deno.test("server: Block1 blocks are acknowledged with 2.31 and assembled for one handler call", () => {
  const state = makeState();
  const whole = body(138);
  for (let num = 0; num < 2; num++) {
    const effects = putBlock(state, num + 1, num, true, whole.subarray(num * 64, num * 64 + 64));
    assert.equal(ofKind(effects, "request").length, 0);
    const reply = onlySent(effects);
    assert.equal(reply.code, CONTINUE);
    assert.deepEqual(blockOf(reply, BLOCK1), { num, more: true, szx: 2 });
  }
  const effects = putBlock(state, 3, 2, false, whole.subarray(128));
  const [request] = ofKind(effects, "request");
  assert.equal(hex(request.request.payload), hex(whole));
  assert.equal(
    request.request.options.some((o) => o.number === BLOCK1 || o.number === SIZE1),
    false,
  );
  const reply = onlySent(respond(state, request.exchangeId, { code: CHANGED }, 10));
  assert.equal(reply.code, CHANGED);
  assert.deepEqual(
    blockOf(reply, BLOCK1),
    { num: 2, more: false, szx: 2 },
    "the final answer echoes Block1",
  );
});

Deno.test("server: a Block1 gap is answered with 4.08 Request Entity Incomplete", () => {
  const state = makeState();
  putBlock(state, 1, 0, true, body(64));
  const reply = onlySent(putBlock(state, 2, 2, true, body(64)));
  assert.equal(reply.code, INCOMPLETE);
});

Deno.test("server: a Block1 transfer that does not start at block 0 gets 4.08", () => {
  const state = makeState();
  const effects = putBlock(state, 1, 1, false, body(10));
  assert.equal(onlySent(effects).code, INCOMPLETE);
  assert.equal(ofKind(effects, "request").length, 0);
});

Deno.test("server: Size1 beyond maxBodyBytes is refused at once with 4.13 and Size1 = the limit", () => {
  const state = makeState({ params: { maxBodyBytes: 100 } });
  const reply = onlySent(putBlock(state, 1, 0, true, body(64), [uint(SIZE1, 200)]));
  assert.equal(reply.code, TOO_LARGE);
  assert.equal(uintValue(reply, SIZE1), 100);
});

Deno.test("server: a Block1 body growing beyond maxBodyBytes is refused with 4.13", () => {
  const state = makeState({ params: { maxBodyBytes: 100 } });
  assert.equal(onlySent(putBlock(state, 1, 0, true, body(64))).code, CONTINUE);
  const reply = onlySent(putBlock(state, 2, 1, true, body(64)));
  assert.equal(reply.code, TOO_LARGE);
  assert.equal(uintValue(reply, SIZE1), 100);
});

Deno.test("server: a retransmitted Block1 block is answered from dedup, not assembled twice", () => {
  const state = makeState();
  const whole = body(100);
  putBlock(state, 1, 0, true, whole.subarray(0, 64));
  const again = onlySent(putBlock(state, 1, 0, true, whole.subarray(0, 64)));
  assert.equal(again.code, CONTINUE);
  const [request] = ofKind(putBlock(state, 2, 1, false, whole.subarray(64)), "request");
  assert.equal(hex(request.request.payload), hex(whole));
});

// --- both roles together ------------------------------------------------------------------------

/** Runs one client core against one server core; the server handler echoes the body length. */
function roundTrip(clientSzx: number, serverSzx: number, size: number) {
  const client = makeState({ params: { blockSzx: clientSzx } });
  const server = makeState({ params: { blockSzx: serverSzx } });
  const CLIENT = "10.0.0.9:1";
  let pending = sendRequest(
    client,
    "x",
    PEER,
    { code: POST, options: path("echo"), payload: body(size) },
    {},
    0,
  );
  for (let step = 0; step < 1000; step++) {
    const next: typeof pending = [];
    for (const e of pending) {
      if (e.kind === "response") return e;
      if (e.kind !== "send") continue;
      const atServer = receive(server, CLIENT, e.bytes, step);
      for (const s of atServer) {
        if (s.kind === "send") next.push(...receive(client, PEER, s.bytes, step));
        if (s.kind === "request") {
          const answer = respond(server, s.exchangeId, {
            code: CHANGED,
            payload: s.request.payload,
          }, step);
          for (const a of answer) {
            if (a.kind === "send") next.push(...receive(client, PEER, a.bytes, step));
          }
        }
      }
    }
    pending = next;
  }
  throw new Error("no response");
}

Deno.test("a large request and a large response cross between two cores with different block sizes", () => {
  for (const [c, s] of [[6, 6], [2, 6], [6, 2], [0, 3]]) {
    const result = roundTrip(c, s, 3000);
    assert.equal(result.result.kind, "response", `client szx ${c}, server szx ${s}`);
    if (result.result.kind === "response") {
      assert.equal(
        hex(result.result.response.payload),
        hex(body(3000)),
        `client szx ${c}, server szx ${s}`,
      );
    }
  }
});

// --- Observe with large bodies -----------------------------------------------------------------

Deno.test("observe: a large notification's remaining blocks are fetched with plain GETs", () => {
  const client = makeState({ params: { blockSzx: 2 } });
  const server = makeState({ params: { blockSzx: 2 } });
  const CLIENT = "10.0.0.9:1";
  const toServer = (effects: ReturnType<typeof receive>, at: number) =>
    effects.filter((e) => e.kind === "send").flatMap((e) =>
      e.kind === "send" ? receive(server, CLIENT, e.bytes, at) : []
    );
  const toClient = (effects: ReturnType<typeof receive>, at: number) =>
    effects.filter((e) => e.kind === "send").flatMap((e) =>
      e.kind === "send" ? receive(client, PEER, e.bytes, at) : []
    );

  const [request] = ofKind(
    toServer(
      sendRequest(client, "o", PEER, { code: GET, options: path("log") }, { observe: true }, 0),
      1,
    ),
    "request",
  );
  const registered = respond(
    server,
    request.exchangeId,
    { code: CONTENT, payload: bytes("small") },
    2,
  );
  const [added] = ofKind(registered, "observerAdded");
  assert.equal(ofKind(toClient(registered, 3), "response").length, 1);

  const big = body(150);
  let atClient = toClient(
    notify(server, added.observerId, { code: CONTENT, payload: big }, false, 10),
    10,
  );
  const notifications: CoapMessage[] = [];
  const observeOnFollowUps: (number | undefined)[] = [];
  const followUpTokens: string[] = [];
  for (let step = 0; step < 10 && notifications.length === 0; step++) {
    notifications.push(...ofKind(atClient, "notification").map((n) => n.response));
    for (const e of atClient) {
      if (e.kind === "send") {
        const m = server.codec.decodeCoap(e.bytes);
        if (m.code === GET) {
          observeOnFollowUps.push(uintValue(m, OBSERVE));
          followUpTokens.push(hex(m.token));
        }
      }
    }
    atClient = toClient(toServer(atClient, 11 + step), 11 + step);
  }
  assert.equal(notifications.length, 1);
  assert.equal(hex(notifications[0].payload), hex(big));
  assert.deepEqual(observeOnFollowUps, [undefined, undefined], "follow-up GETs carry no Observe");
  const observationToken = hex(server.observers.get(added.observerId)!.token);
  assert.ok(
    !followUpTokens.includes(observationToken),
    "follow-ups do not use the observation's token",
  );
  assert.equal(client.clients.get("o")?.state, "observing");
});

Deno.test("observe: a block-wise first response is reassembled and then establishes the observation", () => {
  const state = makeState();
  const whole = body(100);
  const req = onlySent(
    sendRequest(state, "o", PEER, { code: GET, options: path("log") }, { observe: true }, 0),
  );
  const next = onlySent(receive(state, PEER, block2Reply(req, whole, 0, 2, [uint(OBSERVE, 7)]), 1));
  assert.equal(uintValue(next, OBSERVE), undefined, "the follow-up GET carries no Observe");
  assert.notEqual(hex(next.token), hex(req.token), "nor the observation's token");
  const effects = receive(state, PEER, block2Reply(next, whole, 1, 2), 2);
  const [response] = ofKind(effects, "response");
  assert.equal(
    response.result.kind === "response" && hex(response.result.response.payload),
    hex(whole),
  );
  assert.equal(state.clients.get("o")?.state, "observing");
  const n = receive(
    state,
    PEER,
    encode({
      type: 1,
      code: CONTENT,
      messageId: 900,
      token: req.token,
      options: [uint(OBSERVE, 8)],
      payload: bytes("n"),
    }),
    3,
  );
  assert.equal(ofKind(n, "notification").length, 1, "notifications with the first token arrive");
});
