import { testClient, waitEvent } from "./support.ts";
const c = await testClient({ endpoint: "rdtest", factory: { servers: [{ shortServerId: 1, uri: "coap://127.0.0.1:56831", lifetime: 60 }] }, onEvent: (e) => console.log(e) });
await new Promise((r) => setTimeout(r, 1500));
await c.stop({ deregister: false }); await c.host.close(); const p = new Deno.Command("coap-client-notls", { args: ["-m", "get", "-B", "3", "coap://127.0.0.1:56831/.well-known/core"] }).outputSync(); console.log(new TextDecoder().decode(p.stdout));
