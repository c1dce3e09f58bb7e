/**
 * The committed browser bundles (gateway/ui/static/codec/mod.js, mod.d.ts, inspect.js) are what
 * `bin/deno task build:ui` makes from their TypeScript sources today: a change to codec-wasm/ or
 * the inspector's modules without a rebuild fails here (CI runs it), naming the stale files.
 */

import assert from "node:assert/strict";
import { BUNDLES, staleFiles } from "../../../gateway/ui/build.ts";

Deno.test("the committed codec and inspector bundles are up to date (bin/deno task build:ui)", async () => {
  assert.equal(BUNDLES.length, 2);
  const stale = await staleFiles();
  assert.deepEqual(stale, [], `stale: ${stale.join(", ")}; run bin/deno task build:ui`);
});

Deno.test("the codec bundle is browser code: no Deno API, no Node built-ins, its types beside it", async () => {
  const js = await Deno.readTextFile(
    new URL("../../../gateway/ui/static/codec/mod.js", import.meta.url),
  );
  assert.doesNotMatch(js, /\bDeno\.|require\(|node:/);
  assert.match(js, /export \{[\s\S]*loadCodec[\s\S]*\}/);
  assert.match(js, /@ts-self-types="\.\/mod\.d\.ts"/);
  const inspect = await Deno.readTextFile(
    new URL("../../../gateway/ui/static/codec/inspect.js", import.meta.url),
  );
  assert.doesNotMatch(inspect, /\bDeno\.|createRequire|cbor-extract/);
});
