/**
 * Tests of the CoAP shell (gateway/coap_engine.ts; DESIGN.md §2) over the in-memory transport
 * (gateway/transport/memory.ts): two engines exchanging requests, responses, separate responses,
 * Observe (RFC 7641) and block-wise bodies (RFC 7959), handler failures as 5.00, and message loss
 * recovered by retransmission with deduplication (RFC 7252 §4.2, §4.5). Also the peer address
 * helpers of gateway/transport/datagram.ts.
 */

import assert from "node:assert/strict";
import { CoapEngine } from "../../../gateway/coap_engine.ts";
import { MemoryNetwork } from "../../../gateway/transport/memory.ts";
import { formatPeer, parsePeer } from "../../../gateway/transport/datagram.ts";
import type { CoapMessage } from "../../../codec-wasm/types.ts";
import { body, bytes, CHANGED, codec, CONTENT, GET, hex, path, POST, PUT, str } from "./helpers.ts";

const FAST = { ackTimeoutMs: 20, separateResponseAfterMs: 30, requestTimeoutMs: 5000 };

function pair(params = FAST) {
  const net = new MemoryNetwork();
  const server = new CoapEngine(codec, net.transport("127.0.0.1", 5683), { params });
  const client = new CoapEngine(codec, net.transport("127.0.0.1", 40001), { params });
  const close = async () => {
    await client.close();
    await server.close();
  };
  return { net, server, client, peer: "127.0.0.1:5683", close };
}

function code(result: Awaited<ReturnType<CoapEngine["request"]>>): number | string {
  return result.kind === "response" ? result.response.code : result.kind;
}

Deno.test("engine: a request reaches the handler of its first path segment and gets its response", async () => {
  const { server, client, peer, close } = pair();
  try {
    server.handle("hello", ({ request }) => ({
      code: CONTENT,
      payload: bytes(`hi ${str(request.payload)}`),
    }));
    const result = await client.request(peer, {
      code: POST,
      options: path("hello", "x"),
      payload: bytes("you"),
    });
    assert.equal(result.kind, "response");
    if (result.kind === "response") assert.equal(str(result.response.payload), "hi you");
    assert.equal(code(await client.request(peer, { code: GET, options: path("other") })), 132);
  } finally {
    await close();
  }
});

Deno.test("engine: a slow async handler's answer arrives as a separate response", async () => {
  const { net, server, client, peer, close } = pair();
  try {
    server.handle("slow", async () => {
      await new Promise((r) => setTimeout(r, 80));
      return { code: CHANGED, payload: bytes("done") };
    });
    const result = await client.request(peer, { code: POST, options: path("slow") });
    assert.equal(code(result), CHANGED);
    const fromServer = net.log.filter(([from]) => from === peer).map(([, , b]) =>
      codec.decodeCoap(b)
    );
    assert.deepEqual(
      fromServer.map((m) => [m.type, m.code]),
      [[2, 0], [0, CHANGED]],
      "empty ACK, then CON",
    );
  } finally {
    await close();
  }
});

Deno.test("engine: a throwing handler is answered with 5.00 and reported", async () => {
  const net = new MemoryNetwork();
  const errors: unknown[] = [];
  const server = new CoapEngine(codec, net.transport("127.0.0.1", 5683), {
    params: FAST,
    onHandlerError: (e) => errors.push(e),
  });
  const client = new CoapEngine(codec, net.transport("127.0.0.1", 40001), { params: FAST });
  try {
    server.handle("boom", () => {
      throw new Error("boom");
    });
    server.handle("reject", () => Promise.reject(new Error("reject")));
    assert.equal(
      code(await client.request("127.0.0.1:5683", { code: GET, options: path("boom") })),
      160,
    );
    assert.equal(
      code(await client.request("127.0.0.1:5683", { code: GET, options: path("reject") })),
      160,
    );
    assert.equal(errors.length, 2);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("engine: an unanswered request resolves with a timeout result", async () => {
  const net = new MemoryNetwork();
  const client = new CoapEngine(codec, net.transport("127.0.0.1", 40001), {
    params: { ackTimeoutMs: 10, maxRetransmit: 2 },
  });
  try {
    const result = await client.request("127.0.0.1:9", { code: GET, options: path("x") });
    assert.equal(result.kind, "timeout");
    assert.equal(net.log.length, 3, "one send and two retransmissions");
  } finally {
    await client.close();
  }
});

Deno.test("engine: large bodies cross block-wise in both directions", async () => {
  const { server, client, peer, close } = pair();
  try {
    server.handle("echo", ({ request }) => ({ code: CHANGED, payload: request.payload }));
    const result = await client.request(peer, {
      code: PUT,
      options: path("echo"),
      payload: body(5000),
    });
    assert.equal(result.kind, "response");
    if (result.kind === "response") assert.equal(hex(result.response.payload), hex(body(5000)));
  } finally {
    await close();
  }
});

Deno.test("engine: observe, receive notifications from notify(), then cancel actively", async () => {
  const net = new MemoryNetwork();
  let observer: number | undefined;
  let removed = 0;
  const server = new CoapEngine(codec, net.transport("127.0.0.1", 5683), {
    params: FAST,
    onObserverAdded: (id) => observer = id,
    onObserverRemoved: () => removed++,
  });
  const client = new CoapEngine(codec, net.transport("127.0.0.1", 40001), { params: FAST });
  try {
    server.handle("temp", () => ({ code: CONTENT, payload: bytes("20") }));
    const got: CoapMessage[] = [];
    let wake: () => void = () => {};
    const observation = await client.observe(
      "127.0.0.1:5683",
      { code: GET, options: path("temp") },
      {
        onNotification(n) {
          got.push(n);
          wake();
        },
      },
    );
    assert.equal(observation.established, true);
    assert.notEqual(observer, undefined);
    for (let i = 21; i <= 23; i++) {
      const arrived = new Promise<void>((r) => wake = r);
      server.notify(observer!, { code: CONTENT, payload: bytes(String(i)) }, i === 22);
      await arrived;
    }
    assert.deepEqual(got.map((n) => str(n.payload)), ["21", "22", "23"]);
    const cancel = await client.cancelObservation(observation.requestId);
    assert.equal(cancel?.kind, "response");
    assert.equal(removed, 1, "the server removed the observer on GET Observe=1");
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("engine: with 25% of datagrams lost, every CON POST completes and is handled once", async () => {
  const { net, server, client, peer, close } = pair({ ...FAST, ackTimeoutMs: 10 });
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  net.drop = () => random() < 0.25;
  let counter = 0;
  try {
    server.handle("count", () => ({ code: CHANGED, payload: bytes(String(++counter)) }));
    const N = 50;
    const results = [];
    for (let i = 0; i < N; i++) {
      results.push(await client.request(peer, { code: POST, options: path("count") }));
    }
    const failed = results.filter((r) => r.kind !== "response");
    assert.equal(failed.length, 0, `failed: ${JSON.stringify(failed)}`);
    assert.equal(counter, N, "no POST was handled twice");
  } finally {
    await close();
  }
});

Deno.test("engine: dropped datagrams are counted by reason", async () => {
  const net = new MemoryNetwork();
  const server = new CoapEngine(codec, net.transport("127.0.0.1", 5683), { params: FAST });
  const raw = net.transport("127.0.0.1", 40002);
  raw.start(() => {});
  try {
    raw.send("127.0.0.1:5683", new Uint8Array([0x80, 1, 0, 1]));
    raw.send("127.0.0.1:5683", new Uint8Array([0x60, 0, 0, 1]));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.drops.get("bad-version"), 1);
    assert.equal(server.drops.get("unexpected-ack"), 1);
  } finally {
    await raw.close();
    await server.close();
  }
});

Deno.test("peer strings: IPv4, IPv6 in brackets, IPv4-mapped IPv6 normalised", () => {
  assert.equal(formatPeer("127.0.0.1", 5683), "127.0.0.1:5683");
  assert.equal(formatPeer("::1", 5683), "[::1]:5683");
  assert.equal(formatPeer("::ffff:192.0.2.1", 5683), "192.0.2.1:5683");
  assert.equal(formatPeer("::FFFF:192.0.2.1", 1), "192.0.2.1:1");
  assert.deepEqual(parsePeer("127.0.0.1:5683"), { hostname: "127.0.0.1", port: 5683 });
  assert.deepEqual(parsePeer("[::1]:5684"), { hostname: "::1", port: 5684 });
  assert.throws(() => parsePeer("nohost"));
  assert.throws(() => parsePeer("1.2.3.4:99999"));
});
