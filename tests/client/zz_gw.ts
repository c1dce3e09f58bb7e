import { startGateway } from "/work/main/gateway/gateway.ts";
import { parseConfig } from "/work/main/gateway/config.ts";
import { createLogger } from "/work/main/gateway/log.ts";
const parsed = parseConfig(["--coap-port", Deno.args[0] ?? "0", "--http-port", "0", "--store", "memory", "--host", "127.0.0.1"], {});
if (parsed.kind !== "config") throw new Error("cfg");
const gw = await startGateway(parsed.config, createLogger("warn"));
console.log("coap", gw.coapPort);
Deno.addSignalListener("SIGTERM", async () => { await gw.stop(); Deno.exit(0); });
