/**
 * Benchmark target of bench/dtls/run.ts (issue 8): one Deno process serving CoAP GET /bench on a
 * plain UDP CoapEngine and on a CoapEngine over the DTLS server transport (memory Store, so write
 * sequence reservations are part of the cost), answering 2.05 "ok". Any PSK identity starting
 * with `bench-` has the key 62656e63682d6b6579 ("bench-key"). Prints `ports plain=N dtls=N` and
 * runs until SIGTERM.
 */

import { loadCodec } from "../../codec-wasm/mod.ts";
import { CoapEngine } from "../../gateway/coap_engine.ts";
import { openStore } from "../../gateway/store/open.ts";
import { udpTransport } from "../../gateway/transport/datagram.ts";
import { startDtlsTransport } from "../../gateway/transport/dtls.ts";

const KEY = new TextEncoder().encode("bench-key");
const td = new TextDecoder();
const store = await openStore({ kind: "memory" });
const dtls = await startDtlsTransport({
  host: "127.0.0.1",
  port: 0,
  store,
  psk: (identity) =>
    td.decode(identity).startsWith("bench-")
      ? { key: KEY, endpoint: td.decode(identity), role: "server" }
      : undefined,
  limits: { maxHandshakes: 10_000, maxHandshakesPerIp: 10_000 },
});
const codec = await loadCodec();
const ok = new TextEncoder().encode("ok");
const engines = [
  new CoapEngine(codec, udpTransport("127.0.0.1", 0)),
  new CoapEngine(await loadCodec(), dtls),
];
for (const e of engines) e.handle("bench", () => ({ code: 69, payload: ok }));
console.log(`ports plain=${engines[0].port} dtls=${dtls.port}`);
Deno.addSignalListener("SIGTERM", async () => {
  for (const e of engines) await e.close();
  console.error(`server stats ${JSON.stringify(dtls.core.stats)}`);
  Deno.exit(0);
});
