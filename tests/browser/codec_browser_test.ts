/**
 * The codec in a real browser (DESIGN.md §1 web developers, §3 runtime-agnostic wrapper):
 * bundles codec-wasm/mod.ts for the browser with `deno bundle`, serves it and build/codec.wasm
 * from a loopback Deno.serve, loads the page in Debian's headless Chromium through
 * playwright-core, and checks what the page decoded. Skipped (visibly) without /usr/bin/chromium.
 */

import assert from "node:assert/strict";

import { CHROMIUM, haveChromium, runPage } from "./browser_support.ts";

const root = new URL("../../", import.meta.url);

if (!haveChromium) {
  console.warn(
    `SKIPPED tests/browser/codec_browser_test.ts: ${CHROMIUM} not found (apt-get install chromium)`,
  );
}

/** Bundles codec-wasm/mod.ts into one browser ES module (deno bundle, esbuild underneath). */
async function bundleCodec(dir: string): Promise<string> {
  const out = `${dir}/codec.js`;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "browser", "--output", out, "codec-wasm/mod.ts"],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, `deno bundle failed: ${new TextDecoder().decode(stderr)}`);
  return await Deno.readTextFile(out);
}

// The page decodes CON GET /3/0/0 with Accept 11542 (RFC 7252 §3) and posts what it saw.
const PAGE = `<!doctype html>
<meta charset="utf-8"><title>codec browser test</title>
<script type="module">
  const report = (body) => fetch("/result", { method: "POST", body: JSON.stringify(body) });
  try {
    const { loadCodec } = await import("/codec.js");
    const codec = await loadCodec(fetch("/codec.wasm"));
    const hex = "41 01 12 34 7A B1 33 01 30 01 30 62 2D 16";
    const bytes = new Uint8Array(hex.split(" ").map((h) => parseInt(h, 16)));
    const m = codec.decodeCoap(bytes);
    await report({
      type: m.type,
      code: m.code,
      messageId: m.messageId,
      token: [...m.token],
      options: m.options.map((o) => ({ number: o.number, value: [...o.value] })),
      payloadLength: m.payload.length,
      roundTrip: [...codec.encodeCoap(m)],
      hasDeno: typeof Deno !== "undefined",
    });
  } catch (e) {
    await report({ error: String(e && e.stack || e) });
  }
</script>`;

Deno.test({
  name: "the codec decodes CON GET /3/0/0 inside headless Chromium",
  ignore: !haveChromium,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "codec_browser_" });
    const codecJs = await bundleCodec(dir);
    const wasm = await Deno.readFile(new URL("codec-wasm/build/codec.wasm", root));
    try {
      const { result: r, console: consoleLines } = await runPage(PAGE, {
        "/codec.js": { body: codecJs, type: "text/javascript" },
        "/codec.wasm": { body: wasm, type: "application/wasm" },
      });
      assert.equal(r.error, undefined, `page error: ${r.error}\n${consoleLines.join("\n")}`);
      assert.equal(r.hasDeno, false);
      assert.equal(r.type, 0); // CON
      assert.equal(r.code, 1); // 0.01 GET
      assert.equal(r.messageId, 0x1234);
      assert.deepEqual(r.token, [0x7a]);
      assert.deepEqual(r.options, [
        { number: 11, value: [0x33] }, // Uri-Path "3"
        { number: 11, value: [0x30] }, // Uri-Path "0"
        { number: 11, value: [0x30] }, // Uri-Path "0"
        { number: 17, value: [0x2d, 0x16] }, // Accept 11542 (LwM2M TLV)
      ]);
      assert.equal(r.payloadLength, 0);
      assert.deepEqual(r.roundTrip, [
        0x41,
        0x01,
        0x12,
        0x34,
        0x7a,
        0xb1,
        0x33,
        0x01,
        0x30,
        0x01,
        0x30,
        0x62,
        0x2d,
        0x16,
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
