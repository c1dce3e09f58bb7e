/**
 * Interop over real loopback UDP with npm `coap` (node-coap 1.5.0, pinned in package.json; it runs
 * in-process under Deno's Node compatibility), both ways: node-coap's client against a CoapEngine
 * server and our CoapEngine client against node-coap's server. Covers RFC 7252 §5 (GET, POST with
 * payload), RFC 7959 (Block2 responses, including a client that asks for 64-byte blocks up front,
 * and Block1 requests) and RFC 7641 (observations with several notifications; an active cancel).
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import coap from "coap";
import type { CoapMessage } from "../../codec-wasm/types.ts";
import type { RequestResult } from "../../gateway/coap/mod.ts";
import { uriOptions } from "../../gateway/coap/wire.ts";
import {
  BLOCK1,
  BLOCK2,
  blockOf,
  bytes,
  CHANGED,
  CONTENT,
  freeUdpPort,
  GET,
  loopbackEngine,
  POST,
  PUT,
  sleep,
  str,
  text,
  waitFor,
} from "./helpers.ts";

type NodeResponse = { code: string; payload: Buffer; on(e: string, f: (x: Buffer) => void): void };

/** One node-coap request with its own agent (closed afterwards); resolves with the response. */
function nodeRequest(
  port: number,
  pathname: string,
  options: {
    method?: "GET" | "POST" | "PUT";
    payload?: string;
    block1Szx?: number;
    block2Szx?: number;
  } = {},
): Promise<NodeResponse> {
  const agent = new coap.Agent({ type: "udp4" });
  return new Promise<NodeResponse>((resolve, reject) => {
    const req = coap.request({
      hostname: "127.0.0.1",
      port,
      pathname,
      method: options.method ?? "GET",
      agent,
    });
    if (options.block1Szx !== undefined) req.setOption("Block1", Buffer.from([options.block1Szx]));
    if (options.block2Szx !== undefined) req.setOption("Block2", Buffer.from([options.block2Szx]));
    req.on("response", (res: NodeResponse) => resolve(res));
    req.on("error", reject);
    req.on("timeout", () => reject(new Error("node-coap request timed out")));
    if (options.payload !== undefined) req.write(Buffer.from(options.payload));
    req.end();
  }).finally(() => agent.close());
}

function response(result: RequestResult): CoapMessage {
  assert.equal(result.kind, "response", JSON.stringify(result));
  return (result as { kind: "response"; response: CoapMessage }).response;
}

// --- node-coap client -> CoapEngine server ------------------------------------------------------

Deno.test("node-coap client: GET and POST with payload reach the engine's handlers", async () => {
  const { engine } = loopbackEngine();
  const posted: string[] = [];
  try {
    engine.handle("hello", () => ({ code: CONTENT, payload: bytes("hello node") }));
    engine.handle("echo", ({ request }) => {
      posted.push(str(request.payload));
      return { code: CHANGED, payload: request.payload };
    });
    const get = await nodeRequest(engine.port, "/hello");
    assert.equal(get.code, "2.05");
    assert.equal(get.payload.toString(), "hello node");
    const post = await nodeRequest(engine.port, "/echo", { method: "POST", payload: "abc" });
    assert.equal(post.code, "2.04");
    assert.equal(post.payload.toString(), "abc");
    assert.deepEqual(posted, ["abc"]);
  } finally {
    await engine.close();
  }
});

Deno.test("node-coap client: a large response is reassembled from the engine's Block2 blocks", async () => {
  const { engine, tap } = loopbackEngine();
  const body = text(3000);
  try {
    engine.handle("big", () => ({ code: CONTENT, payload: bytes(body) }));
    const res = await nodeRequest(engine.port, "/big");
    assert.equal(res.payload.toString(), body);
    const szx = tap.outgoing.map((m) => m && blockOf(m, BLOCK2)?.szx);
    assert.deepEqual(szx, [6, 6, 6]);
  } finally {
    await engine.close();
  }
});

Deno.test("node-coap client: asking 64-byte Block2 blocks up front gets 64-byte blocks", async () => {
  const { engine, tap } = loopbackEngine();
  const body = text(700, 1);
  try {
    engine.handle("big", () => ({ code: CONTENT, payload: bytes(body) }));
    const res = await nodeRequest(engine.port, "/big", { block2Szx: 2 });
    assert.equal(res.payload.toString(), body);
    const blocks = tap.outgoing.map((m) => m && blockOf(m, BLOCK2));
    assert.equal(blocks.length, Math.ceil(700 / 64));
    assert.ok(blocks.every((b) => b?.szx === 2));
  } finally {
    await engine.close();
  }
});

Deno.test("node-coap client: a Block1 PUT is assembled into one body for the handler", async () => {
  const { engine, tap } = loopbackEngine();
  const body = text(2000, 2);
  const received: string[] = [];
  try {
    engine.handle("upload", ({ request }) => {
      received.push(str(request.payload));
      return { code: CHANGED };
    });
    const res = await nodeRequest(engine.port, "/upload", {
      method: "PUT",
      payload: body,
      block1Szx: 2,
    });
    assert.equal(res.code, "2.04");
    assert.deepEqual(received, [body]);
    assert.equal(tap.incoming.filter((m) => m && blockOf(m, BLOCK1)).length, Math.ceil(2000 / 64));
  } finally {
    await engine.close();
  }
});

Deno.test("node-coap client: an observation receives the notifications engine.notify sends", async () => {
  const observers: number[] = [];
  const { engine } = loopbackEngine({ onObserverAdded: (id) => observers.push(id) });
  const agent = new coap.Agent({ type: "udp4" });
  const got: string[] = [];
  let stream: { close(): void } | undefined;
  try {
    engine.handle("temp", () => ({ code: CONTENT, payload: bytes("t0") }));
    const req = coap.request({
      hostname: "127.0.0.1",
      port: engine.port,
      pathname: "/temp",
      observe: true,
      agent,
    });
    req.on("response", (res: NodeResponse & { close(): void }) => {
      stream = res;
      res.on("data", (chunk: Buffer) => got.push(chunk.toString()));
    });
    req.end();
    await waitFor(() => observers.length === 1 && got.length === 1, "the observation", 5000);
    for (let i = 1; i <= 3; i++) {
      engine.notify(observers[0], { code: CONTENT, payload: bytes(`t${i}`) }, i === 2);
      await waitFor(() => got.length === i + 1, `notification ${i}`, 5000);
    }
    assert.deepEqual(got, ["t0", "t1", "t2", "t3"]);
  } finally {
    stream?.close();
    await sleep(50);
    agent.close();
    await engine.close();
  }
});

// --- CoapEngine client -> node-coap server ------------------------------------------------------

/** A node-coap server on a free port, serving `handler`; closed after `fn`. */
async function withNodeServer(
  // deno-lint-ignore no-explicit-any
  handler: (req: any, res: any) => void,
  fn: (peer: string) => Promise<void>,
): Promise<void> {
  const port = freeUdpPort();
  const server = coap.createServer({ type: "udp4" });
  server.on("request", handler);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  try {
    await fn(`127.0.0.1:${port}`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

Deno.test("engine client: GET and POST to a node-coap server", async () => {
  const posted: string[] = [];
  // deno-lint-ignore no-explicit-any
  await withNodeServer((req: any, res: any) => {
    if (req.method === "POST") posted.push(req.payload.toString());
    res.code = req.method === "POST" ? "2.04" : "2.05";
    res.end(`${req.method} ${req.url}`);
  }, async (peer) => {
    const { engine } = loopbackEngine();
    try {
      const get = response(await engine.request(peer, { code: GET, options: uriOptions("a/b") }));
      assert.equal(get.code, CONTENT);
      assert.equal(str(get.payload), "GET /a/b");
      const post = response(
        await engine.request(peer, { code: POST, options: uriOptions("p"), payload: bytes("xyz") }),
      );
      assert.equal(post.code, CHANGED);
      assert.deepEqual(posted, ["xyz"]);
    } finally {
      await engine.close();
    }
  });
});

Deno.test("engine client: a large node-coap response is reassembled from Block2", async () => {
  const body = text(3000, 4);
  let calls = 0;
  // deno-lint-ignore no-explicit-any
  await withNodeServer((_req: any, res: any) => {
    calls++;
    res.end(body);
  }, async (peer) => {
    const { engine, tap } = loopbackEngine();
    try {
      const r = response(await engine.request(peer, { code: GET, options: uriOptions("big") }));
      assert.equal(str(r.payload), body);
      assert.equal(tap.incoming.filter((m) => m && blockOf(m, BLOCK2)).length, 3);
      assert.equal(calls, 1, "node-coap served the later blocks from its cache (keyed by token)");
    } finally {
      await engine.close();
    }
  });
});

Deno.test("engine client: a Block1 PUT is assembled by the node-coap server", async () => {
  const body = text(3000, 6);
  const received: string[] = [];
  // deno-lint-ignore no-explicit-any
  await withNodeServer((req: any, res: any) => {
    received.push(req.payload.toString());
    res.code = "2.04";
    res.end();
  }, async (peer) => {
    const { engine, tap } = loopbackEngine({ params: { blockSzx: 4 } });
    try {
      const r = response(
        await engine.request(peer, { code: PUT, options: uriOptions("fw"), payload: bytes(body) }),
      );
      assert.equal(r.code, CHANGED);
      assert.deepEqual(received, [body]);
      assert.equal(
        tap.outgoing.filter((m) => m && blockOf(m, BLOCK1)).length,
        Math.ceil(3000 / 256),
      );
    } finally {
      await engine.close();
    }
  });
});

Deno.test("engine client: observing a node-coap resource, then cancelling actively", async () => {
  // deno-lint-ignore no-explicit-any
  let stream: any = null;
  // deno-lint-ignore no-explicit-any
  await withNodeServer((req: any, res: any) => {
    if (req.headers.Observe !== 0) return res.end("not observed");
    stream = res;
    res.write("n0");
  }, async (peer) => {
    const { engine } = loopbackEngine();
    const got: string[] = [];
    try {
      const observation = await engine.observe(peer, { code: GET, options: uriOptions("temp") }, {
        onNotification: (n) => got.push(str(n.payload)),
      });
      assert.equal(observation.established, true);
      assert.equal(str(response(observation.result).payload), "n0");
      for (let i = 1; i <= 3; i++) {
        stream.write(`n${i}`);
        await waitFor(() => got.length === i, `notification ${i}`, 5000);
      }
      assert.deepEqual(got, ["n1", "n2", "n3"]);
      const cancel = await engine.cancelObservation(observation.requestId);
      assert.equal(cancel?.kind, "response");
    } finally {
      stream?.end();
      await engine.close();
    }
  });
});
