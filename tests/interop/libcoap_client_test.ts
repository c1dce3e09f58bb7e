/**
 * Interop over real loopback UDP: libcoap's `coap-client-notls` (Debian libcoap3-bin 4.3.1) as the
 * client against a CoapEngine server (gateway/coap_engine.ts on gateway/transport/datagram.ts).
 * Covers RFC 7252 §5 (GET, POST with payload, piggybacked responses), RFC 7959 (a Block2 response
 * fetched in 64-byte blocks with `-b 64`, a Block1 PUT) and RFC 7641 (`-s 5` observation with
 * notifications triggered by engine.notify, ended by libcoap's GET Observe=1). Skips, with a
 * message, when the binary is missing.
 */

import assert from "node:assert/strict";
import {
  BLOCK1,
  BLOCK2,
  blockOf,
  bytes,
  CHANGED,
  CONTENT,
  loopbackEngine,
  missing,
  run,
  sleep,
  str,
  text,
  waitFor,
} from "./helpers.ts";

const CLIENT = "coap-client-notls";
const ignore = missing(CLIENT, "libcoap client interop tests");

Deno.test({
  name: "libcoap client: GET gets the handler's piggybacked 2.05",
  ignore,
  async fn() {
    const { engine } = loopbackEngine();
    try {
      engine.handle("hello", ({ request }) => ({
        code: CONTENT,
        payload: bytes(`hello ${request.code}`),
      }));
      const r = await run(CLIENT, ["-B", "10", `coap://127.0.0.1:${engine.port}/hello`], 15_000);
      assert.equal(r.timedOut, false, r.stderr);
      assert.equal(r.stdout.trim(), "hello 1");
    } finally {
      await engine.close();
    }
  },
});

Deno.test({
  name: "libcoap client: POST delivers its payload to the handler once",
  ignore,
  async fn() {
    const { engine } = loopbackEngine();
    const received: string[] = [];
    try {
      engine.handle("echo", ({ request }) => {
        received.push(str(request.payload));
        return { code: CHANGED, payload: bytes(`got ${str(request.payload)}`) };
      });
      const r = await run(
        CLIENT,
        ["-B", "10", "-m", "post", "-e", "payload-123", `coap://127.0.0.1:${engine.port}/echo`],
        15_000,
      );
      assert.equal(r.timedOut, false, r.stderr);
      assert.equal(r.stdout.trim(), "got payload-123");
      assert.deepEqual(received, ["payload-123"]);
    } finally {
      await engine.close();
    }
  },
});

Deno.test({
  name: "libcoap client: a path without handler gets 4.04",
  ignore,
  async fn() {
    const { engine, tap } = loopbackEngine();
    try {
      engine.handle("hello", () => ({ code: CONTENT }));
      const r = await run(CLIENT, ["-B", "10", `coap://127.0.0.1:${engine.port}/missing`], 15_000);
      assert.equal(r.timedOut, false, r.stderr);
      assert.deepEqual(tap.outgoing.map((m) => m?.code), [132]);
    } finally {
      await engine.close();
    }
  },
});

Deno.test({
  name: "libcoap client: a 3000-byte response is fetched block-wise with -b 64 (Block2)",
  ignore,
  async fn() {
    const { engine, tap } = loopbackEngine();
    const body = text(3000);
    let calls = 0;
    try {
      engine.handle("big", () => {
        calls++;
        return { code: CONTENT, payload: bytes(body) };
      });
      const r = await run(
        CLIENT,
        ["-B", "20", "-b", "64", `coap://127.0.0.1:${engine.port}/big`],
        30_000,
      );
      assert.equal(r.timedOut, false, r.stderr);
      assert.equal(r.stdout.trim(), body);
      assert.equal(calls, 1, "the handler ran once; later blocks came from the cache");
      const blocks = tap.outgoing.flatMap((m) => m ? [blockOf(m, BLOCK2)] : []);
      assert.equal(blocks.length, Math.ceil(3000 / 64));
      assert.ok(blocks.every((b) => b?.szx === 2), "every block is 64 bytes (SZX 2)");
      assert.equal(blocks.at(-1)?.more, false);
    } finally {
      await engine.close();
    }
  },
});

Deno.test({
  name: "libcoap client: a 2000-byte PUT arrives block-wise (Block1) as one body",
  ignore,
  async fn() {
    const { engine, tap } = loopbackEngine();
    const body = text(2000, 3);
    const file = await Deno.makeTempFile({ suffix: ".txt" });
    const received: string[] = [];
    try {
      await Deno.writeTextFile(file, body);
      engine.handle("upload", ({ request }) => {
        received.push(str(request.payload));
        return { code: CHANGED, payload: bytes(`stored ${request.payload.length}`) };
      });
      const r = await run(
        CLIENT,
        ["-B", "20", "-b", "64", "-m", "put", "-f", file, `coap://127.0.0.1:${engine.port}/upload`],
        30_000,
      );
      assert.equal(r.timedOut, false, r.stderr);
      assert.equal(r.stdout.trim(), "stored 2000");
      assert.deepEqual(received, [body]);
      const block1 = tap.incoming.flatMap((m) => m && blockOf(m, BLOCK1) ? [m] : []);
      assert.equal(block1.length, Math.ceil(2000 / 64));
      const continues = tap.outgoing.filter((m) => m?.code === 95).length;
      assert.equal(continues, block1.length - 1, "every block but the last got 2.31 Continue");
    } finally {
      await engine.close();
      await Deno.remove(file);
    }
  },
});

Deno.test({
  name: "libcoap client: -s 5 observes and prints every notification the engine sends",
  ignore,
  async fn() {
    const observers: number[] = [];
    const removed: string[] = [];
    const { engine } = loopbackEngine({
      onObserverAdded: (id) => observers.push(id),
      onObserverRemoved: (_id, _peer, reason) => removed.push(reason),
    });
    try {
      engine.handle("temp", ({ observe }) => ({
        code: CONTENT,
        payload: bytes(observe === 0 ? "t0" : "plain"),
      }));
      const client = run(
        CLIENT,
        ["-w", "-B", "15", "-s", "5", `coap://127.0.0.1:${engine.port}/temp`],
        30_000,
      );
      await waitFor(() => observers.length === 1, "libcoap's observe registration", 10_000);
      for (let i = 1; i <= 4; i++) {
        engine.notify(observers[0], { code: CONTENT, payload: bytes(`t${i}`) }, i % 2 === 0);
        await sleep(300);
      }
      const r = await client;
      assert.equal(r.timedOut, false, r.stderr);
      const lines = r.stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "");
      assert.deepEqual(lines.filter((l) => l.startsWith("t")), ["t0", "t1", "t2", "t3", "t4"]);
      assert.deepEqual(removed, ["deregistered"], "libcoap cancels with GET Observe=1 at the end");
    } finally {
      await engine.close();
    }
  },
});
