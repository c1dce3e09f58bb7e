/**
 * A process for the queue-mode shutdown test (issue 4 "Queue mode"; DESIGN.md §6 SIGTERM: stop
 * accepting, flush, exit): starts a gateway in-process, lets a queue-mode scripted device fall
 * asleep, queues a request for it, stops the gateway and prints `stopped`. With nothing left
 * running, the process must then end by itself. Not a test file itself.
 */

import { path, registered, startTestGateway } from "./helpers.ts";

const t = await startTestGateway({ server: { queueWindowMs: 100 } });
await registered(t, "queued-at-stop", ["lt=300", "lwm2m=1.1", "Q"]);
await t.log.waitFor("sleeping", "queued-at-stop");
const result = await t.server.perform("queued-at-stop", { kind: "read", path: path("/3/0/9") });
console.log(`perform ${result.kind}`);
await t.stop();
console.log("stopped");
