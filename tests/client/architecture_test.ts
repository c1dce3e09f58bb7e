/**
 * The client library's layering (DESIGN.md §2 "sans-IO core", §4 "files small and single-
 * purpose"): its protocol logic uses no clock, timer, randomness or `Deno.` API (only the shell
 * files do), and every file opens with a doc comment naming its role and spec section.
 */

import assert from "node:assert/strict";

const dir = new URL("../../gateway/client/", import.meta.url);
const files = [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".ts")).map((
  e,
) => e.name).sort();

/** The shell: sockets, timers, clock, files, process. */
const SHELL = new Set([
  "client.ts",
  "client_objects.ts",
  "host.ts",
  "sockets.ts",
  "scheduler.ts",
  "fleet.ts",
  "simulator.ts",
  "downloader.ts",
  "mod.ts",
]);

function code(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "").replace(
    /(["'`])(?:\\.|(?!\1)[^\\\n])*\1/g,
    '""',
  );
}

Deno.test("client: protocol logic is pure (no Deno., timers, clock or randomness)", () => {
  const apis = [
    /\bDeno\s*\./,
    /\bsetTimeout\b/,
    /\bsetInterval\b/,
    /\bDate\.now\b/,
    /\bnew\s+Date\s*\(\s*\)/,
    /\bperformance\.now\b/,
    /\bMath\.random\b/,
    /\bcrypto\./,
  ];
  const pure = files.filter((f) => !SHELL.has(f));
  assert.ok(
    pure.includes("notify_rules.ts") && pure.includes("firmware_machine.ts") &&
      pure.includes("registration_policy.ts"),
  );
  const violations = pure.flatMap((f) => {
    const c = code(Deno.readTextFileSync(new URL(f, dir)));
    return apis.filter((re) => re.test(c)).map((re) => `${f} uses ${re.source}`);
  });
  assert.deepEqual(violations, []);
});

Deno.test("client: every file starts with a doc comment naming a spec section, and stays small", () => {
  for (const f of files) {
    const src = Deno.readTextFileSync(new URL(f, dir));
    assert.ok(src.startsWith("/**"), `${f} starts with a doc comment`);
    const head = src.slice(0, src.indexOf("*/"));
    assert.match(head, /§|RFC \d+|Appendix [A-Z]/, `${f} names a spec section`);
    assert.ok(src.split("\n").length < 550, `${f} is ${src.split("\n").length} lines`);
  }
});
