/**
 * Loss over real loopback UDP (RFC 7252 §4.2 retransmission, §4.5 deduplication): a small UDP
 * proxy on 127.0.0.1 drops a share of the datagrams in both directions, decided by a seeded PRNG,
 * between a CoapEngine client and a CoapEngine server. Every CON exchange still completes through
 * retransmission, and a counter in a non-idempotent POST handler equals the number of requests
 * exactly: a retransmitted request whose first copy arrived (its reply was lost) is answered from
 * the dedup cache, never handled twice. Block-wise transfers survive the same loss.
 *
 * ACK_TIMEOUT is shortened to 50 ms. MAX_RETRANSMIT is raised from 4 to 8: with 20% loss each way
 * an attempt fails with probability 1 - 0.8^2 = 0.36, so all 5 attempts of an exchange fail with
 * probability 0.36^5 ~ 0.6%, about one legitimate give-up in 200 exchanges; with 9 attempts it is
 * 0.36^9 ~ 1e-4. Correctness only: no timing assertions.
 */

import assert from "node:assert/strict";
import { uriOptions } from "../../gateway/coap/wire.ts";
import { bytes, CHANGED, loopbackEngine, POST, PUT, str, text } from "./helpers.ts";

/** mulberry32: a small seeded PRNG giving numbers in [0, 1). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A UDP proxy for one client: datagrams to `port` go to `target` from a second socket, replies go
 * back to the last client address; each direction drops a `lossShare` of datagrams.
 */
class LossyProxy {
  readonly #front = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  readonly #back = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  readonly #loops: Promise<void>[];
  #client: Deno.NetAddr | null = null;
  readonly forwarded = { up: 0, down: 0 };
  readonly dropped = { up: 0, down: 0 };

  constructor(target: number, lossShare: number, random: () => number) {
    const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: target };
    const pump = async (
      from: Deno.DatagramConn,
      out: Deno.DatagramConn,
      direction: "up" | "down",
    ) => {
      try {
        for await (const [data, addr] of from) {
          if (direction === "up") this.#client = addr as Deno.NetAddr;
          if (random() < lossShare) {
            this.dropped[direction]++;
            continue;
          }
          const dest = direction === "up" ? to : this.#client;
          if (!dest) continue;
          this.forwarded[direction]++;
          await out.send(data, dest).catch(() => {});
        }
      } catch {
        // socket closed
      }
    };
    this.#loops = [pump(this.#front, this.#back, "up"), pump(this.#back, this.#front, "down")];
  }

  get port(): number {
    return (this.#front.addr as Deno.NetAddr).port;
  }

  async close(): Promise<void> {
    this.#front.close();
    this.#back.close();
    await Promise.all(this.#loops);
  }
}

const LOSSY = { ackTimeoutMs: 50, maxRetransmit: 8, requestTimeoutMs: 120_000 };

async function withLossyPair(
  lossShare: number,
  seed: number,
  clientParams: Record<string, number>,
  fn: (ctx: {
    client: ReturnType<typeof loopbackEngine>["engine"];
    server: ReturnType<typeof loopbackEngine>["engine"];
    peer: string;
    proxy: LossyProxy;
  }) => Promise<void>,
): Promise<void> {
  const { engine: server } = loopbackEngine({ params: LOSSY });
  const proxy = new LossyProxy(server.port, lossShare, seeded(seed));
  const { engine: client } = loopbackEngine({ params: { ...LOSSY, ...clientParams } });
  try {
    await fn({ client, server, peer: `127.0.0.1:${proxy.port}`, proxy });
  } finally {
    await client.close();
    await proxy.close();
    await server.close();
  }
}

Deno.test("loss: 200 CON POSTs through a proxy dropping 20% each way all complete, each handled once", async () => {
  const N = 200;
  await withLossyPair(0.2, 0xc0a9, { nstart: 8 }, async ({ client, server, peer, proxy }) => {
    let counter = 0;
    server.handle("counter", () => {
      counter++;
      return { code: CHANGED, payload: bytes(String(counter)) };
    });
    // Eight workers share the N requests; NSTART 8 lets them be in flight together.
    let next = 0;
    const answers: string[] = [];
    const failures: string[] = [];
    const worker = async () => {
      while (next < N) {
        next++;
        const r = await client.request(peer, { code: POST, options: uriOptions("counter") });
        if (r.kind === "response" && r.response.code === CHANGED) {
          answers.push(str(r.response.payload));
        } else failures.push(JSON.stringify(r));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.deepEqual(failures, []);
    assert.equal(answers.length, N);
    assert.equal(counter, N, "the non-idempotent handler ran exactly once per request");
    assert.deepEqual(
      answers.map(Number).sort((a, b) => a - b),
      Array.from({ length: N }, (_, i) => i + 1),
      "each request got its own count",
    );
    assert.ok(proxy.dropped.up > 0 && proxy.dropped.down > 0, "datagrams were lost both ways");
    assert.ok((server.drops.get("duplicate") ?? 0) > 0, "some retransmissions were duplicates");
  });
});

Deno.test("loss: block-wise PUTs and large responses survive 20% loss each way", async () => {
  await withLossyPair(0.2, 0x5eed, { blockSzx: 4 }, async ({ client, server, peer, proxy }) => {
    const stored: string[] = [];
    server.handle("fw", ({ request }) => {
      stored.push(str(request.payload));
      return { code: CHANGED, payload: request.payload };
    });
    for (let i = 0; i < 3; i++) {
      const body = text(4000, i);
      const r = await client.request(peer, {
        code: PUT,
        options: uriOptions("fw"),
        payload: bytes(body),
      });
      assert.equal(r.kind, "response", JSON.stringify(r));
      if (r.kind === "response") assert.equal(str(r.response.payload), body);
      assert.equal(stored.at(-1), body);
    }
    assert.equal(stored.length, 3, "each body reached the handler once");
    assert.ok(proxy.dropped.up + proxy.dropped.down > 0);
  });
});
