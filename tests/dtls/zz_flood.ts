import { coapsGateway } from "../interop/dtls_helpers.ts";
import { encodeClientHello, encodeHandshake } from "../../gateway/dtls/messages.ts";
import { encodeRecord } from "../../gateway/dtls/record.ts";
const { gateway } = await coapsGateway([]);
const hello = encodeClientHello({ version: 0xfefd, random: crypto.getRandomValues(new Uint8Array(32)), sessionId: new Uint8Array(0), cookie: new Uint8Array(0), suites: [0xc0a8], compression: new Uint8Array([0]), extensions: [] });
const socks = [];
for (let i = 0; i < Number(Deno.args[0]); i++) socks.push(Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 }));
for (let i = 0; i < Number(Deno.args[0]); i++) { const s = socks[i];
await s.send(encodeRecord({ type: 22, version: 0xfefd, epoch: 0, seq: i, cid: null }, encodeHandshake(1, 0, hello)), { transport: "udp", hostname: "127.0.0.1", port: gateway.coapsPort! });
}
await new Promise(r => setTimeout(r, 500));
console.log("stats", gateway.dtls!.core.stats.helloVerifyRequests);
for (const s of socks) s.close(); await gateway.stop();
