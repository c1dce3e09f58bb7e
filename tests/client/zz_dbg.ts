import { Lwm2mPath } from "../../gateway/lwm2m/path.ts";
import { oneServer, testClient, testGateway, waitEvent } from "./support.ts";
const t = await testGateway();
const c = await testClient({ endpoint: "dbg", factory: oneServer(t.port), objects: [{ objectId: 3, instanceId: 0, values: new Map([[2, "S"]]) }], onEvent: (e) => console.log("ev", e.type, e.detail) });
await waitEvent(c, "registered");
const pool = c.host.pool; const orig = pool.send.bind(pool); pool.send = (peer, data) => { console.log("send", peer, [...data.slice(0, 6)]); orig(peer, data); };
console.log(await t.gw.server!.perform("dbg", { kind: "execute", path: Lwm2mPath.parse("/3/0/4") }));
await new Promise((r) => setTimeout(r, 2500));
await c.close(); await t.stop();
