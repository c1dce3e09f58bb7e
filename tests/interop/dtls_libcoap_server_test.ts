/**
 * Our DTLS client transport (gateway/transport/dtls_client.ts) against libcoap 4.3.1's
 * `coap-server-openssl` over loopback (issue 8): a PSK handshake with TLS_PSK_WITH_AES_128_CCM_8
 * and a CoAP GET /time answered 2.05; a wrong key fails the handshake (the OpenSSL server alerts).
 * libcoap's server opens coaps on its CoAP port + 1. Skips when the binary is missing.
 */

import assert from "node:assert/strict";
import { loadCodec } from "../../codec-wasm/mod.ts";
import { CoapEngine } from "../../gateway/coap_engine.ts";
import { dtlsClientTransport } from "../../gateway/transport/dtls_client.ts";
import { background, freeUdpPort, missing, sleep } from "./helpers.ts";

const SERVER = "coap-server-openssl";
const ignore = missing(SERVER, "our DTLS client against libcoap's server");
const codec = await loadCodec();
const te = new TextEncoder();

async function withServer(fn: (coapsPort: number) => Promise<void>): Promise<void> {
  let port = freeUdpPort();
  if (port === 65535) port = freeUdpPort();
  const server = background(SERVER, [
    "-A",
    "127.0.0.1",
    "-p",
    String(port),
    "-k",
    "libcoap-psk-01",
  ]);
  try {
    await sleep(400); // bounded start-up wait: the server binds both ports at once
    await fn(port + 1);
  } finally {
    await server.stop();
  }
}

Deno.test({
  name: "our DTLS client gets 2.05 for GET /time from coap-server-openssl",
  ignore,
  async fn() {
    await withServer(async (coapsPort) => {
      const events: string[] = [];
      const transport = dtlsClientTransport("127.0.0.1", coapsPort, {
        identity: "our-client",
        key: te.encode("libcoap-psk-01"),
        onEvent: (e) => events.push(e.kind),
      });
      const engine = new CoapEngine(codec, transport);
      try {
        const r = await engine.request(`127.0.0.1:${coapsPort}`, {
          code: 1,
          options: [{ number: 11, value: te.encode("time") }],
        }, 10_000);
        assert.equal(r.kind, "response", JSON.stringify(r));
        if (r.kind === "response") {
          assert.equal(r.response.code, 69);
          assert.ok(r.response.payload.length > 0);
        }
        assert.deepEqual(events, ["established"]);
      } finally {
        await engine.close();
      }
    });
  },
});

Deno.test({
  name: "our DTLS client with a wrong key is refused by coap-server-openssl",
  ignore,
  async fn() {
    await withServer(async (coapsPort) => {
      const transport = dtlsClientTransport("127.0.0.1", coapsPort, {
        identity: "our-client",
        key: te.encode("wrong-psk"),
        timing: { maxRetransmits: 1 },
      });
      transport.start(() => {});
      try {
        await assert.rejects(transport.connected(), /DTLS handshake failed/);
      } finally {
        await transport.close();
      }
    });
  },
});
