/**
 * The device list with 100,000 registrations (issue 9: "stays fast"): a real in-process gateway
 * whose registry is filled through Lwm2mServer.restoreRegistration (the path registrations take
 * when loaded from the store, so no 100,000 UDP exchanges are needed), and the dashboard in
 * headless Chromium: the first page shows quickly with the total, Next pages by cursor, a prefix
 * search narrows to ten, a 500-row page renders, and the browser never asks for more than one page.
 * Timings are printed. Skipped (visibly) without Chromium.
 */

import assert from "node:assert/strict";
import type { Registration } from "../../gateway/lwm2m/registration.ts";
import { liveGateway } from "../gateway/http/fleet_helpers.ts";
import {
  haveChromium,
  openBrowser,
  waitCount,
  waitText,
  warnIfSkipped,
} from "./browser_support.ts";

warnIfSkipped("tests/browser/devices_scale_browser_test.ts");

const COUNT = 100_000;

function registration(i: number, nowMs: number): Registration {
  const endpoint = `lamp-${String(i).padStart(6, "0")}`;
  return {
    endpoint,
    registrationId: `r${i.toString(36)}`,
    lwm2mVersion: "1.1",
    lifetimeSec: 3600,
    binding: "U",
    queueMode: false,
    address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:5683`,
    secure: false,
    rootPath: "/",
    objectLinks: [{ path: "/3/0", attributes: {} }, { path: "/3311/0", attributes: {} }],
    supportedFormats: [110],
    additionalAttributes: {},
    registeredAtMs: nowMs,
    updatedAtMs: nowMs,
    lastSeenAtMs: nowMs,
  };
}

Deno.test({
  name: "device list with 100,000 registrations: one page at a time, cursor paging, prefix search",
  ignore: !haveChromium,
  async fn() {
    const g = await liveGateway();
    const browser = await openBrowser();
    const { page } = browser;
    try {
      const now = Date.now();
      for (let i = 0; i < COUNT; i++) g.gateway.server!.restoreRegistration(registration(i, now));
      const limits: number[] = [];
      page.on("request", (r) => {
        const url = new URL(r.url());
        if (url.pathname === "/api/clients") limits.push(Number(url.searchParams.get("limit")));
      });

      const started = performance.now();
      await page.goto(`${g.base}/`);
      await waitCount(page, "#devices tr[data-endpoint]", 50);
      const firstPageMs = Math.round(performance.now() - started);
      await waitText(page, "#total", "100,000 registered");
      await browser.screenshot("dashboard-100k.png", false);
      assert.equal(
        await page.getAttribute("#devices tr:first-child", "data-endpoint"),
        "lamp-000000",
      );

      await page.click("#next");
      await waitText(page, "#page-info", "51–100");
      assert.equal(
        await page.getAttribute("#devices tr:first-child", "data-endpoint"),
        "lamp-000050",
      );
      await page.click("#prev");
      await waitText(page, "#page-info", "1–50");

      const searchStarted = performance.now();
      await page.fill("#search", "lamp-09999");
      await waitCount(page, "#devices tr[data-endpoint]", 10);
      const searchMs = Math.round(performance.now() - searchStarted);
      assert.equal(
        await page.getAttribute("#devices tr:last-child", "data-endpoint"),
        "lamp-099999",
      );
      assert.equal(await page.isDisabled("#next"), true);

      await page.fill("#search", "");
      await waitCount(page, "#devices tr[data-endpoint]", 50);
      const bigStarted = performance.now();
      await page.selectOption("#page-size", "500");
      await waitCount(page, "#devices tr[data-endpoint]", 500);
      const bigPageMs = Math.round(performance.now() - bigStarted);

      console.log(
        `100,000 registrations: first page ${firstPageMs} ms, prefix search ${searchMs} ms, ` +
          `500-row page ${bigPageMs} ms (including the debounce of 250 ms for search)`,
      );
      assert.ok(firstPageMs < 5000, `first page took ${firstPageMs} ms`);
      assert.ok(searchMs < 3000, `search took ${searchMs} ms`);
      assert.ok(bigPageMs < 3000, `a 500-row page took ${bigPageMs} ms`);
      assert.ok(limits.length > 0 && limits.every((l) => l <= 500), `limits asked: ${limits}`);
      assert.deepEqual(browser.blocked, []);
      assert.deepEqual(browser.errors, []);
    } finally {
      await browser.close();
      await g.stop();
    }
  },
});
