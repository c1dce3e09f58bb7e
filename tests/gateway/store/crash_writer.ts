/**
 * Child process of the file store crash tests (file_store_test.ts): opens a FileStore, puts N
 * rich documents, then either prints "done" and waits to be SIGKILLed by the test (mode "wait"),
 * or SIGKILLs itself the moment the last put() has resolved (mode "self").
 * Usage: deno run --allow-read=DIR --allow-write=DIR crash_writer.ts PATH N wait|self
 */

import { openFileStore } from "../../../gateway/store/file.ts";
import { richDocument } from "./contract.ts";

const [path, count, mode] = Deno.args;
const store = await openFileStore(path);
for (let i = 0; i < Number(count); i++) {
  await store.put("registration", `ep-${i}`, richDocument(i));
}
if (mode === "self") Deno.kill(Deno.pid, "SIGKILL");
await Deno.stdout.write(new TextEncoder().encode("done\n"));
setInterval(() => {}, 60_000); // stay alive (store open, nothing flushed) until killed
