/**
 * The content codecs in a real browser (DESIGN.md §1 web developers, §8 cbor-x): bundles them with
 * `deno bundle --platform browser` (cbor-x's pure-JavaScript entry, no native addon), serves the
 * bundle and codec.wasm on loopback, and checks in Debian's headless Chromium that SenML CBOR,
 * LwM2M CBOR, SenML JSON and TLV decode and encode as under Deno. Skipped (visibly) without
 * /usr/bin/chromium.
 */

import assert from "node:assert/strict";

import { CHROMIUM, haveChromium, runPage } from "../../../browser/browser_support.ts";

const root = new URL("../../../../", import.meta.url);
if (!haveChromium) {
  console.warn(`SKIPPED tests/gateway/lwm2m/content/browser_test.ts: ${CHROMIUM} not found`);
}

const PAGE = `<!doctype html>
<meta charset="utf-8"><title>content codecs</title>
<script type="module">
  const report = (body) => fetch("/result", { method: "POST", body: JSON.stringify(body) });
  const hex = (t) => new Uint8Array(t.split(" ").map((h) => parseInt(h, 16)));
  const flat = (m) => [...m].map(([k, v]) => [k, typeof v === "bigint" ? v + "n" : v instanceof Uint8Array ? [...v] : v]);
  try {
    const c = await import("/content.js");
    const codec = await c.loadCodec(fetch("/codec.wasm"));
    const models = c.coreModels();
    const P = (s) => c.Lwm2mPath.parse(s);
    await report({
      senmlCbor: flat(c.decodeContent(112, hex("81 A2 00 6C 2F 33 33 30 33 2F 30 2F 35 37 30 30 02 F9 4D A0"), P("/"), models)),
      lwm2mCbor: flat(c.decodeContent(11544, hex("A1 83 03 00 07 A2 00 19 0E D8 01 19 13 88"), P("/3/0/7"), models)),
      senmlJson: flat(c.decodeContent(110, new TextEncoder().encode('[{"n":"/1/0/5","v":9007199254740993},{"n":"/0/0/3","vd":"AQI"}]'), P("/"), models)),
      tlv: flat(c.decodeContent(11542, hex("88 07 08 42 00 0E D8 42 01 13 88"), P("/3/0/7"), models, codec)),
      half: [...c.encodeContent(60, new Map([["/3303/0/5700", 22.5]]), P("/3303/0/5700"), models)],
      json: c.toJson(2n ** 53n),
      hasDeno: typeof Deno !== "undefined",
    });
  } catch (e) {
    await report({ error: String(e && e.stack || e) });
  }
</script>`;

Deno.test({
  name: "the content codecs decode and encode inside headless Chromium",
  ignore: !haveChromium,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "content_browser_" });
    const out = `${dir}/content.js`;
    const bundled = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform",
        "browser",
        "--output",
        out,
        "tests/gateway/lwm2m/content/browser_entry.ts",
      ],
      cwd: root,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(bundled.code, 0, new TextDecoder().decode(bundled.stderr));
    const js = await Deno.readTextFile(out);
    assert.doesNotMatch(
      js,
      /cbor-extract|createRequire/,
      "the bundle must not reach the native addon",
    );
    const wasm = await Deno.readFile(new URL("codec-wasm/build/codec.wasm", root));
    try {
      const { result: r, console: lines } = await runPage(PAGE, {
        "/content.js": { body: js, type: "text/javascript" },
        "/codec.wasm": { body: wasm, type: "application/wasm" },
      });
      assert.equal(r.error, undefined, `page error: ${r.error}\n${lines.join("\n")}`);
      assert.equal(r.hasDeno, false);
      assert.deepEqual(r.senmlCbor, [["/3303/0/5700", 22.5]]);
      assert.deepEqual(r.lwm2mCbor, [["/3/0/7/0", 3800], ["/3/0/7/1", 5000]]);
      assert.deepEqual(r.senmlJson, [["/1/0/5", "9007199254740993n"], ["/0/0/3", [1, 2]]]);
      assert.deepEqual(r.tlv, [["/3/0/7/0", 3800], ["/3/0/7/1", 5000]]);
      assert.deepEqual(r.half, [0xf9, 0x4d, 0xa0]);
      assert.equal(r.json, "9007199254740992");
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
