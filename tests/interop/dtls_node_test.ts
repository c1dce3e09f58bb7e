/**
 * Interop with npm `node-dtls-client` 2.0.3 under Node (issue 8; DESIGN.md §7: it needs Node's
 * AES-CCM): the client connects to the gateway's coaps port with each PSK suite
 * (TLS_PSK_WITH_AES_128_CCM_8 and TLS_PSK_WITH_AES_128_CBC_SHA256) and exchanges a CoAP message
 * (Register -> 2.01). Its peer script and pinned package live in tests/interop/node_dtls/ (npm
 * installs it there on first use: deno cannot resolve its optional native dependency). Skips with
 * a message when node or the package is not available.
 */

import assert from "node:assert/strict";
import { findBinary, run } from "./helpers.ts";
import { coapsGateway, PSK_TEXT } from "./dtls_helpers.ts";
import { loadCodec } from "../../codec-wasm/mod.ts";

const dir = decodeURIComponent(new URL("./node_dtls/", import.meta.url).pathname);

async function ready(): Promise<string | null> {
  if (findBinary("node") === null) return "node is not on PATH";
  try {
    Deno.statSync(`${dir}node_modules/node-dtls-client/package.json`);
    return null;
  } catch { /* not installed yet */ }
  if (findBinary("npm") === null) return "npm is not on PATH";
  const r = await run("npm", [
    "install",
    "--prefix",
    dir,
    "--no-audit",
    "--no-fund",
    "--omit=optional",
  ], 120_000);
  return r.code === 0 ? null : `npm install failed: ${r.stderr.slice(0, 300)}`;
}

const why = await ready();
if (why) console.log(`SKIP node-dtls-client interop: ${why}`);
const codec = await loadCodec();

for (const suite of ["TLS_PSK_WITH_AES_128_CCM_8", "TLS_PSK_WITH_AES_128_CBC_SHA256"]) {
  Deno.test({
    name: `node-dtls-client registers over coaps with ${suite}`,
    ignore: why !== null,
    async fn() {
      const { gateway, dtlsEvents } = await coapsGateway([{
        endpoint: "node-1",
        identity: "node-id",
      }]);
      try {
        const register = codec.encodeCoap({
          type: 0,
          code: 2,
          messageId: 0x1234,
          token: new Uint8Array([1, 2]),
          options: [
            { number: 11, value: new TextEncoder().encode("rd") },
            { number: 15, value: new TextEncoder().encode("ep=node-1") },
          ],
          payload: new TextEncoder().encode("</3/0>"),
        });
        const hex = Array.from(register, (b) => b.toString(16).padStart(2, "0")).join("");
        const r = await run(
          "node",
          [`${dir}client.mjs`, String(gateway.coapsPort), "node-id", PSK_TEXT, suite, hex, "8000"],
          20_000,
        );
        const result = JSON.parse(r.stdout.trim().split("\n").pop() || "{}");
        assert.equal(result.connected, true, r.stdout + r.stderr);
        const reply = codec.decodeCoap(Uint8Array.fromHex(result.reply));
        assert.equal(reply.code, 65, "2.01 Created");
        assert.equal(reply.messageId, 0x1234);
        assert.equal(gateway.server!.get("node-1")?.secure, true);
        const suiteNumber = suite.endsWith("CCM_8") ? 0xc0a8 : 0x00ae;
        assert.equal(dtlsEvents.find((e) => e.kind === "established")?.suite, suiteNumber);
      } finally {
        await gateway.stop();
      }
    },
  });
}
