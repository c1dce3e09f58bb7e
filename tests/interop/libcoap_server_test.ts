/**
 * Interop over real loopback UDP: our CoapEngine client (gateway/coap_engine.ts) against libcoap's
 * `coap-server-notls -A 127.0.0.1 -p PORT` (Debian libcoap3-bin 4.3.1). Covers RFC 7959 (a PUT
 * larger than one block to /example_data goes out with Block1 and comes back with Block2, at the
 * default and at a smaller block size), RFC 7641 (observing /time for a few notifications, then
 * an active cancel) and RFC 7252 §5.9 (4.04 for an unknown path). Skips, with a message, when
 * the binary is missing.
 */

import assert from "node:assert/strict";
import type { CoapMessage } from "../../codec-wasm/types.ts";
import type { CoapEngine } from "../../gateway/coap_engine.ts";
import { uriOptions } from "../../gateway/coap/wire.ts";
import type { RequestResult } from "../../gateway/coap/mod.ts";
import {
  background,
  BLOCK1,
  BLOCK2,
  blockOf,
  bytes,
  CHANGED,
  CONTENT,
  CREATED,
  freeUdpPort,
  GET,
  loopbackEngine,
  missing,
  NOT_FOUND,
  PUT,
  str,
  text,
  waitFor,
} from "./helpers.ts";

const SERVER = "coap-server-notls";
const ignore = missing(SERVER, "libcoap server interop tests");

const FAST = { ackTimeoutMs: 200, maxRetransmit: 3, requestTimeoutMs: 10_000 };

/** Starts coap-server-notls on a free port and waits until it answers a GET /. */
async function withServer(fn: (peer: string) => Promise<void>): Promise<void> {
  const port = freeUdpPort();
  const server = background(SERVER, ["-A", "127.0.0.1", "-p", String(port)]);
  const peer = `127.0.0.1:${port}`;
  const { engine } = loopbackEngine({ params: { ackTimeoutMs: 50, maxRetransmit: 1 } });
  try {
    let ready = false;
    for (let attempt = 0; attempt < 40 && !ready; attempt++) {
      const r = await engine.request(peer, { code: GET, options: [] });
      ready = r.kind === "response";
    }
    assert.ok(ready, `${SERVER} did not answer on ${peer}`);
    await fn(peer);
  } finally {
    await engine.close();
    await server.stop();
  }
}

function response(result: RequestResult): CoapMessage {
  assert.equal(result.kind, "response", JSON.stringify(result));
  return (result as { kind: "response"; response: CoapMessage }).response;
}

async function putAndGetBack(engine: CoapEngine, peer: string, body: string) {
  const put = response(
    await engine.request(peer, {
      code: PUT,
      options: uriOptions("example_data"),
      payload: bytes(body),
    }),
  );
  assert.ok(put.code === CREATED || put.code === CHANGED, `PUT answered ${put.code}`);
  const get = response(
    await engine.request(peer, { code: GET, options: uriOptions("example_data") }),
  );
  assert.equal(get.code, CONTENT);
  assert.equal(str(get.payload), body);
}

Deno.test({
  name: "libcoap server: a 3000-byte PUT to /example_data (Block1) reads back equal (Block2)",
  ignore,
  async fn() {
    await withServer(async (peer) => {
      const { engine, tap } = loopbackEngine({ params: FAST });
      try {
        await putAndGetBack(engine, peer, text(3000));
        const sentBlocks = tap.outgoing.flatMap((m) =>
          m && blockOf(m, BLOCK1) ? [blockOf(m, BLOCK1)!] : []
        );
        assert.deepEqual(sentBlocks.map((b) => [b.num, b.more, b.szx]), [
          [0, true, 6],
          [1, true, 6],
          [2, false, 6],
        ]);
        const gotBlocks = tap.incoming.flatMap((m) =>
          m && blockOf(m, BLOCK2) ? [blockOf(m, BLOCK2)!] : []
        );
        assert.equal(gotBlocks.length, 3, "the 3000 bytes came back in three Block2 blocks");
      } finally {
        await engine.close();
      }
    });
  },
});

Deno.test({
  name: "libcoap server: Block1 with 64-byte blocks (blockSzx 2) reads back equal",
  ignore,
  async fn() {
    await withServer(async (peer) => {
      const { engine, tap } = loopbackEngine({ params: { ...FAST, blockSzx: 2 } });
      try {
        await putAndGetBack(engine, peer, text(1500, 5));
        const sent = tap.outgoing.filter((m) => m && blockOf(m, BLOCK1)).length;
        assert.equal(sent, Math.ceil(1500 / 64));
      } finally {
        await engine.close();
      }
    });
  },
});

Deno.test({
  name: "libcoap server: observing /time delivers notifications until an active cancel",
  ignore,
  async fn() {
    await withServer(async (peer) => {
      const { engine, tap } = loopbackEngine({ params: FAST });
      const notifications: string[] = [];
      let ended: string | null = null;
      try {
        const observation = await engine.observe(peer, { code: GET, options: uriOptions("time") }, {
          onNotification: (n) => notifications.push(str(n.payload)),
          onEnd: (reason) => ended = reason,
        });
        assert.equal(observation.established, true);
        assert.ok(str(response(observation.result).payload).length > 0);
        await waitFor(() => notifications.length >= 2, "two notifications of /time", 10_000);
        const cancel = response((await engine.cancelObservation(observation.requestId))!);
        assert.equal(cancel.code, CONTENT);
        assert.equal(ended, "cancelled");
        const cancelGet = tap.outgoing.filter((m) => m?.code === GET).at(-1)!;
        assert.deepEqual(cancelGet.options.find((o) => o.number === 6)?.value, new Uint8Array([1]));
      } finally {
        await engine.close();
      }
    });
  },
});

Deno.test({
  name: "libcoap server: an unknown path answers 4.04",
  ignore,
  async fn() {
    await withServer(async (peer) => {
      const { engine } = loopbackEngine({ params: FAST });
      try {
        const r = response(
          await engine.request(peer, { code: GET, options: uriOptions("no/such/path") }),
        );
        assert.equal(r.code, NOT_FOUND);
      } finally {
        await engine.close();
      }
    });
  },
});
