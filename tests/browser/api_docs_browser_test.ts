/**
 * The readable API page `GET /api/docs` (gateway/http/docs_page.ts) in headless Chromium: served
 * by the real HTTP app on loopback, with every non-loopback request blocked (it must work
 * offline), it renders the operations of /api/openapi.json; with a token configured it asks for
 * the token and then renders. Skipped (visibly) without /usr/bin/chromium.
 */

import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { createHttpApp } from "../../gateway/http/app.ts";
import { createMetrics } from "../../gateway/metrics.ts";
import { EventBus } from "../../gateway/server/events.ts";
import { MemoryStore } from "../../gateway/store/memory.ts";
import { coreModels } from "../../objects/mod.ts";

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const haveChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!haveChromium) console.warn(`SKIPPED tests/browser/api_docs_browser_test.ts: no ${CHROMIUM}`);

Deno.test({
  name: "/api/docs renders every operation offline, asking for the token when one is needed",
  ignore: !haveChromium,
  async fn() {
    const app = createHttpApp({
      server: null,
      models: coreModels(),
      events: new EventBus(),
      store: new MemoryStore(),
      metrics: createMetrics(0),
      nowMs: () => 0,
      apiToken: "s3cret",
    });
    const spec = await (await app.request("/api/openapi.json", {
      headers: { authorization: "Bearer s3cret" },
    })).json();
    const operations = Object.values(spec.paths as Record<string, object>)
      .reduce((n, methods) => n + Object.keys(methods).length, 0);
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    const dir = await Deno.makeTempDir({ prefix: "api_docs_browser_" });
    const browser = await chromium.launchPersistentContext(`${dir}/profile`, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    const blocked: string[] = [];
    const errors: string[] = [];
    try {
      const page = await browser.newPage();
      await page.route("**/*", (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === "127.0.0.1") return route.continue();
        blocked.push(url.href);
        return route.abort();
      });
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${server.addr.port}/api/docs`);
      await page.waitForSelector("#token:not([hidden])", { timeout: 10_000 });
      await page.fill("#token", "s3cret");
      await page.press("#token", "Enter");
      await page.waitForFunction(
        "/operations$/.test(document.getElementById('status').textContent)",
        undefined,
        { timeout: 10_000 },
      );
      assert.equal(await page.textContent("#status"), `${operations} operations`);
      const summaries = await page.$$eval(
        "details summary",
        (els) => els.map((e) => e.textContent),
      );
      assert.ok(summaries.some((s) => /GET\s*\/api\/events/.test(s ?? "")), summaries.join("\n"));
      assert.ok(summaries.some((s) => /PUT\s*\/api\/clients\/\{ep\}\/\{path\}/.test(s ?? "")));
      await page.click("details:has(code:text-is('/api/events')) summary");
      assert.match(await page.textContent("details[open]") ?? "", /endpoint[\s\S]*type/);
      assert.deepEqual(blocked, []);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
