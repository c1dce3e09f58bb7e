/**
 * A gateway process for the DTLS restart tests (tests/interop/dtls_gateway_test.ts): starts the
 * gateway with the given CLI flags, provisions PSK identity `lamp-id` -> endpoint `lamp` (key
 * `secret-psk-0001`), prints `listening coap=N coaps=N http=N` and runs until killed (SIGTERM: the
 * gateway's own stop with close_notify; SIGKILL: a crash). Not a test file itself.
 */

import { parseConfig } from "../../gateway/config.ts";
import { startGateway } from "../../gateway/gateway.ts";
import { createLogger } from "../../gateway/log.ts";

const parsed = parseConfig(Deno.args, {});
if (parsed.kind !== "config") {
  console.error(`dtls_gateway_child: bad arguments ${Deno.args.join(" ")}`);
  Deno.exit(2);
}
const gateway = await startGateway(parsed.config, createLogger("warn"));
await gateway.security.put("lamp", {
  mode: "psk",
  identity: "lamp-id",
  key: new TextEncoder().encode("secret-psk-0001"),
});
Deno.addSignalListener("SIGTERM", async () => {
  await gateway.stop();
  Deno.exit(0);
});
console.log(
  `listening coap=${gateway.coapPort ?? "off"} coaps=${gateway.coapsPort} http=${gateway.httpPort}`,
);
