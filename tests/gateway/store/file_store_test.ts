/**
 * FileStore (gateway/store/file.ts), the embedded default: the shared Store contract on a temp
 * file, plus what only a file can show: reopening keeps data, a SIGKILLed writer loses nothing
 * that put() had resolved, flush() empties the WAL, and openStore (gateway/store/open.ts) works
 * under exactly the permission flags the `start` task grants.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { parseConfig } from "../../../gateway/config.ts";
import { openFileStore } from "../../../gateway/store/file.ts";
import { openStore } from "../../../gateway/store/open.ts";
import { richDocument, storeContract } from "./contract.ts";

const REPO = new URL("../../../", import.meta.url);

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "store_test_" });
}

storeContract("file", {
  async open() {
    const dir = await tempDir();
    const store = await openFileStore(`${dir}/gateway.db`);
    return { store, dispose: () => Deno.remove(dir, { recursive: true }) };
  },
});

function withDir(name: string, body: (dir: string) => Promise<void>) {
  Deno.test(`file store: ${name}`, async () => {
    const dir = await tempDir();
    try {
      await body(dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

withDir("creates parent directories and keeps data across reopen", async (dir) => {
  const path = `${dir}/a/b/gateway.db`;
  let store = await openFileStore(path);
  for (let i = 0; i < 20; i++) await store.put("registration", `ep-${i}`, richDocument(i));
  await store.put("observation", "ep-1|o1", { path: "/3/0" });
  await store.delete("registration", "ep-5");
  await store.close();
  store = await openFileStore(path);
  assert.deepEqual(await store.get("registration", "ep-3"), richDocument(3));
  assert.equal(await store.get("registration", "ep-5"), undefined);
  assert.equal((await store.list("registration")).length, 19);
  assert.deepEqual(await store.list("observation"), [{ key: "ep-1|o1", value: { path: "/3/0" } }]);
  await store.close();
});

withDir("flush() checkpoints the WAL into the database file", async (dir) => {
  const path = `${dir}/gateway.db`;
  const store = await openFileStore(path, { synchronous: "full" });
  for (let i = 0; i < 50; i++) await store.put("registration", `ep-${i}`, richDocument(i));
  assert.ok((await Deno.stat(`${path}-wal`)).size > 0);
  await store.flush();
  assert.equal((await Deno.stat(`${path}-wal`)).size, 0);
  assert.equal((await store.list("registration")).length, 50);
  await store.close();
});

withDir("a store file with a newer schema is refused", async (dir) => {
  const path = `${dir}/gateway.db`;
  const db = new DatabaseSync(path);
  db.exec("PRAGMA user_version = 99");
  db.close();
  await assert.rejects(openFileStore(path), /schema 99 is newer than 1/);
});

for (const mode of ["wait", "self"] as const) {
  const how = mode === "wait" ? "killed by the test after" : "killing itself right after";
  withDir(`a writer SIGKILLed (${how} its puts) loses nothing`, async (dir) => {
    const path = `${dir}/gateway.db`;
    const count = 500;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        new URL("crash_writer.ts", import.meta.url).pathname,
        path,
        String(count),
        mode,
      ],
      cwd: REPO,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const watchdog = setTimeout(() => child.kill("SIGKILL"), 60_000);
    try {
      if (mode === "wait") {
        let output = "";
        const decoder = new TextDecoder();
        for await (const chunk of child.stdout) {
          output += decoder.decode(chunk, { stream: true });
          if (output.includes("done\n")) break; // leaving the loop releases the stream
        }
        assert.equal(output, "done\n");
        child.kill("SIGKILL");
      } else await child.stdout.cancel();
      const status = await child.status;
      assert.equal(status.signal, "SIGKILL");
    } finally {
      clearTimeout(watchdog);
    }
    // The documents were never checkpointed: they live only in the WAL left by the dead process.
    assert.ok((await Deno.stat(`${path}-wal`)).size > 0, "expected a WAL left behind");
    const store = await openFileStore(path);
    const all = await store.list("registration");
    assert.equal(all.length, count);
    for (const i of [0, 1, 250, count - 1]) {
      assert.deepEqual(await store.get("registration", `ep-${i}`), richDocument(i));
    }
    await store.close();
  });
}

withDir("openStore runs under the start task's flags with --store file:./data/...", async (dir) => {
  const script = `${dir}/probe.ts`;
  const open = new URL("../../../gateway/store/open.ts", import.meta.url).href;
  const config = new URL("../../../gateway/config.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { openStore } from "${open}";\nimport { parseConfig } from "${config}";\n` +
      `const r = parseConfig([], {});\nif (r.kind !== "config") throw new Error(r.kind);\n` +
      `const s = await openStore(r.config.store);\nawait s.put("registration", "ep", 1);\n` +
      `await s.flush();\nawait s.close();\nconsole.log(r.config.store.path);\n`,
  );
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-config",
      "--allow-read=./codec-wasm/build,./data",
      "--allow-write=./data",
      script,
    ],
    cwd: dir,
    stdin: "null",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.equal(new TextDecoder().decode(stdout), "./data/gateway.db\n");
  const store = await openFileStore(`${dir}/data/gateway.db`);
  assert.equal(await store.get("registration", "ep"), 1);
  await store.close();
});

Deno.test("openStore: a memory store, and an unreachable redis fails fast hiding the password", async () => {
  const memory = await openStore({ kind: "memory" });
  assert.equal(memory.kind, "memory");
  await memory.close();
  const parsed = parseConfig(["--store", "redis://:secret@127.0.0.1:1/2"], {});
  assert.ok(parsed.kind === "config");
  const started = Date.now();
  await assert.rejects(openStore(parsed.config.store), (e: Error) => {
    assert.match(e.message, /--store redis:\/\/:\*\*\*@127\.0\.0\.1:1\/2/);
    assert.ok(!e.message.includes("secret"), e.message);
    return true;
  });
  assert.ok(Date.now() - started < 5000, "a bad --store fails fast");
});
