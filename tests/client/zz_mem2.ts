import { ClientHost } from "../../gateway/client/host.ts";
import { Lwm2mClient } from "../../gateway/client/client.ts";
import { streetlightDefinitions, streetlightFactory, streetlightObjects } from "../../gateway/client/streetlight.ts";
const n = 10000; const mode = Deno.args[0];
const gc = (globalThis as unknown as { gc: () => void }).gc;
const host = await ClientHost.open({ bindHost: "127.0.0.1", clientsPerSocket: 100 });
const shared = { endpoint: "", definitions: streetlightDefinitions(), factory: streetlightFactory({ server: "coap://127.0.0.1:9", lifetimeSec: 300, queue: false }), objects: (e: string) => streetlightObjects(e), requestTimeoutMs: 600000 };
gc(); await new Promise((r) => setTimeout(r, 200)); gc();
const m0 = Deno.memoryUsage();
const cs = [];
for (let k = 0; k < n; k++) { const c = new Lwm2mClient(host, shared, "x" + k); cs.push(c); if (mode === "start") c.start(); if (mode === "build") { (c as any).start.call; } }
await new Promise((r) => setTimeout(r, 3000));
gc(); await new Promise((r) => setTimeout(r, 200)); gc();
const m1 = Deno.memoryUsage();
console.log(mode, "heap", ((m1.heapUsed - m0.heapUsed) / n).toFixed(0), "rss", ((m1.rss - m0.rss) / n).toFixed(0), "sockets", host.pool.size, "engine clients", host.engine.state.clients.size, "timers", host.engine.state.timers.size);
Deno.exit(0);
