/**
 * The dashboard in headless Chromium against a real gateway (in-process, memory store, ports
 * picked by the OS, API token "s3cret") with simulated SenML devices on loopback UDP
 * (ui_device.ts): the token is asked once, the device list shows the registrations and follows
 * them live, a Write from the device page reaches the device, an observed value updates on the
 * page and its chart, a light switched from the fleet view changes state (one tile, then all),
 * the inspector decodes a known message, and the provisioning and firmware screens work with
 * write-only keys. Screenshots go to test-artifacts/. Skipped (visibly) without Chromium.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { type LiveGateway, liveGateway } from "../gateway/http/fleet_helpers.ts";
import {
  haveChromium,
  openBrowser,
  tcpProxy,
  waitCount,
  waitText,
  warnIfSkipped,
} from "./browser_support.ts";
import { FirmwareDevice } from "../support/firmware_device.ts";
import { UiDevice } from "./ui_device.ts";

warnIfSkipped("tests/browser/dashboard_browser_test.ts");

const TOKEN = "s3cret";
const AUTH = { authorization: `Bearer ${TOKEN}` };

function lamp(on: boolean, temperature: number) {
  return {
    "/3/0/0": "Acme Lighting",
    "/3/0/9": 90,
    "/3303/0/5700": temperature,
    "/3303/0/5701": "Cel",
    "/3311/0/5850": on,
    "/3311/0/5851": 80,
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test({
  name: "dashboard: list, live status, write, observe with a chart, fleet switching, inspector",
  ignore: !haveChromium,
  async fn(t) {
    const g: LiveGateway = await liveGateway(["--api-token", TOKEN]);
    const devices: UiDevice[] = [];
    const proxy = tcpProxy(g.gateway.httpPort); // the browser goes through it: cuttable
    const base = proxy.base;
    const browser = await openBrowser();
    const { page } = browser;
    try {
      const coap = g.gateway.coapPort!;
      devices.push(await UiDevice.register(coap, "lamp-1", lamp(false, 21.5)));
      devices.push(await UiDevice.register(coap, "lamp-2", lamp(false, 19)));
      devices.push(
        await UiDevice.register(coap, "sensor-1", { "/3/0/0": "Acme", "/3303/0/5700": 5 }),
      );
      const [lamp1, lamp2] = devices;

      await t.step("the token is asked once and the list shows every device", async () => {
        await page.goto(`${base}/`);
        await page.waitForSelector("#token-dialog[open]");
        await page.fill("#token-input", TOKEN);
        await page.press("#token-input", "Enter");
        await waitCount(page, "#devices tr[data-endpoint]", 3);
        const endpoints = await page.$$eval(
          "#devices tr[data-endpoint]",
          (rows) => rows.map((r) => r.getAttribute("data-endpoint")),
        );
        assert.deepEqual(endpoints, ["lamp-1", "lamp-2", "sensor-1"]);
        await waitText(page, "#total", "3 registered");
        assert.match(
          await page.textContent("tr[data-endpoint='lamp-1'] .left") ?? "",
          /^[45]:\d\d$/,
        );
        await page.waitForSelector("#stream[data-state='live']");
        await page.fill("#search", "lamp");
        await waitCount(page, "#devices tr[data-endpoint]", 2);
        await page.fill("#search", "");
        await waitCount(page, "#devices tr[data-endpoint]", 3);
      });

      await t.step("registrations and de-registrations show up live", async () => {
        const extra = await UiDevice.register(g.gateway.coapPort!, "sensor-2", {
          "/3303/0/5700": 1,
        });
        devices.push(extra);
        await page.waitForSelector("#new-registrations:not([hidden])");
        assert.match(await page.textContent("#new-registrations") ?? "", /1 new registration/);
        await extra.deregister();
        await page.click("#new-registrations"); // reload: sensor-2 is gone again
        await page.waitForSelector("#new-registrations[hidden]", { state: "attached" });
        await waitCount(page, "#devices tr[data-endpoint]", 3);
        const sensor = devices[2];
        await sensor.deregister();
        await page.waitForSelector("tr[data-endpoint='sensor-1'].status-deregistered");
        await waitText(page, "#total", "2 registered");
        await browser.screenshot("dashboard-devices.png");
      });

      await t.step("a Write from the device page reaches the device", async () => {
        await page.click("a[href='#/device/lamp-1']");
        await page.waitForSelector(".node[data-path='/3311/0/5850'] button[data-op='write']");
        assert.equal(await page.textContent("#endpoint"), "lamp-1");
        await page.click(".node[data-path='/3311/0/5850'] button[data-op='read']");
        await waitText(page, ".node[data-path='/3311/0/5850'] .value", "false");
        await page.click(".node[data-path='/3311/0/5850'] button[data-op='write']");
        await page.selectOption("dialog[open] #f-value", "true");
        await page.click("dialog[open] button[type='submit']");
        await until("the write on lamp-1", () => lamp1.values.get("/3311/0/5850") === true);
        assert.deepEqual(lamp1.writes.at(-1), {
          path: "/3311/0/5850",
          values: { "/3311/0/5850": true },
        });
        await page.waitForSelector("#op-log li.ok:has-text('PUT')");
        // A numeric write through the same dialog: the dimmer.
        await page.click(".node[data-path='/3311/0/5851'] button[data-op='write']");
        await page.fill("dialog[open] #f-value", "35");
        await page.click("dialog[open] button[type='submit']");
        await until("the dimmer write", () => lamp1.values.get("/3311/0/5851") === 35);
      });

      await t.step("an observed value updates on the page and its chart", async () => {
        const node = ".node[data-path='/3303/0/5700']";
        await page.click(`${node} button[data-op='observe']`);
        await lamp1.waitObserved("/3303/0/5700");
        await waitText(page, `${node} .value`, "21.5");
        await page.waitForSelector(`${node}.observed`);
        lamp1.notify({ "/3303/0/5700": 23.25 });
        await waitText(page, `${node} .value`, "23.25");
        lamp1.notify({ "/3303/0/5700": 22 });
        await waitText(page, "[data-chart='/3303/0/5700'] .chart-count", "3 samples");
        assert.match(
          await page.textContent("[data-chart='/3303/0/5700'] .chart-current") ?? "",
          /^22$/,
        );
        assert.ok(
          await page.$("#events li[data-type='notification']"),
          "the notification is in the event log",
        );
        await browser.screenshot("dashboard-device.png");
      });

      await t.step(
        "after the event stream drops and reconnects, updates arrive again",
        async () => {
          proxy.dropAll(); // the browser sees its connections fail, the gateway runs on
          await page.waitForSelector("#stream[data-state='reconnecting']");
          await page.waitForSelector("#stream[data-state='live']", { timeout: 20_000 });
          lamp1.notify({ "/3303/0/5700": 30 });
          await waitText(page, ".node[data-path='/3303/0/5700'] .value", "30");
          await waitText(page, "[data-chart='/3303/0/5700'] .chart-count", "4 samples");
        },
      );

      await t.step(
        "Execute, Write-Attributes, Discover, Create and Delete buttons reach the device",
        async () => {
          const dialogSubmit = "dialog[open] button[type='submit']";
          await page.click(".node[data-path='/3/0/4'] button[data-op='execute']");
          await page.fill("dialog[open] #f-args", "0='now'");
          await page.click(dialogSubmit);
          await until("the Execute of /3/0/4", () => lamp1.executed.includes("/3/0/4"));
          await page.click(".node[data-path='/3303/0/5700'] button[data-op='attributes']");
          await page.fill("dialog[open] #f-pmin", "5");
          await page.fill("dialog[open] #f-gt", "25.5");
          await page.click(dialogSubmit);
          await until("the Write-Attributes", () => lamp1.attributes.has("/3303/0/5700"));
          assert.deepEqual(lamp1.attributes.get("/3303/0/5700"), ["pmin=5", "gt=25.5"]);
          await page.click(".node[data-path='/3303/0'] button[data-op='discover']");
          await waitText(page, ".node[data-path='/3303/0/5700'] .attrs", "pmin=5 gt=25.5");
          await page.click(".node[data-path='/3303'] button[data-op='create']");
          await page.fill("dialog[open] #f-instanceId", "1");
          await page.fill("dialog[open] #f-values", '{"5700": 1.5}');
          await page.click(dialogSubmit);
          await until("the Create of /3303/1", () => lamp1.values.get("/3303/1/5700") === 1.5);
          await page.waitForSelector("#op-log li.ok:has-text('/3303') .http-status:text-is('201')");
          await page.click(".node[data-path='/3303/0'] button[data-op='delete']");
          await page.click(dialogSubmit);
          await until("the Delete of /3303/0", () => !lamp1.values.has("/3303/0/5700"));
          assert.equal(await page.locator("#op-log li.failed").count(), 0);
        },
      );

      await t.step("a light switched from the fleet view changes state", async () => {
        const put = await g.http("PUT", "/api/groups/lamps", { match: "lamp-*" }, AUTH);
        assert.equal(put.status, 201);
        await page.goto(`${base}/#/fleet/lamps`);
        await page.waitForSelector(".tile[data-light='lamp-1/3311/0'][data-state='on']");
        await page.waitForSelector(".tile[data-light='lamp-2/3311/0'][data-state='off']");
        await page.click(".tile[data-light='lamp-2/3311/0']");
        await until("lamp-2 switched on", () => lamp2.values.get("/3311/0/5850") === true);
        await page.waitForSelector(".tile[data-light='lamp-2/3311/0'][data-state='on']");
        await page.click("#all-off");
        await until(
          "every lamp off",
          () => !lamp1.values.get("/3311/0/5850") && !lamp2.values.get("/3311/0/5850"),
        );
        await waitText(page, "#fleet-progress-text", /All off: 2 done/);
        await page.waitForSelector(".tile[data-light='lamp-1/3311/0'][data-state='off']");
        // Live: after Observe all, a light that changes by itself changes its tile.
        await page.click("#observe-all");
        await waitText(page, "#fleet-progress-text", /Observe: 2 done/);
        await lamp1.waitObserved("/3311");
        lamp1.notify({ "/3311/0/5850": true, "/3311/0/5851": 40 });
        await page.waitForSelector(".tile[data-light='lamp-1/3311/0'][data-state='on']");
        assert.equal(await page.textContent(".tile[data-light='lamp-1/3311/0'] .dim"), "40%");
        await browser.screenshot("dashboard-fleet.png");
      });

      await t.step(
        "the inspector decodes a known message, from ?hex= and from pasted hex",
        async () => {
          const notification =
            "52452a030b0e610c616eff5b7b22626e223a222f333330332f302f222c226e223a2235373030222c2276223a32322e357d2c7b226e223a2235373031222c227673223a2243656c227d5d";
          await page.goto(`${base}/inspector?hex=${notification}`);
          await page.waitForSelector("#values");
          assert.match(await page.textContent("#summary") ?? "", /NON 2\.05 Content/);
          assert.match(
            await page.textContent("#values") ?? "",
            /\/3303\/0\/5700\s*Sensor Value\s*22\.5/,
          );
          assert.match(await page.textContent("#options") ?? "", /Observe\s*12/);
          await page.fill("#hex", "41 01 12 34 7a b1 33 01 30 01 30 62 2d 16");
          await waitText(page, "#summary", /GET/);
          assert.match(await page.textContent("#summary") ?? "", /CON 0\.01 GET \/3\/0\/0/);
          assert.match(
            await page.textContent("#options") ?? "",
            /Accept\s*11542\s*application\/vnd\.oma\.lwm2m\+tlv/,
          );
          assert.equal(new URL(page.url()).searchParams.get("hex"), "410112347ab13301300130622d16");
          await browser.screenshot("inspector-gateway.png");
        },
      );

      await t.step(
        "provisioning keeps keys write-only; firmware uploads, pushes and shows progress",
        async () => {
          await page.goto(`${base}/#/provisioning`);
          await page.fill("#sec-endpoint", "lamp-1");
          await page.fill("#sec-identity", "lamp-1-id");
          await page.fill("#sec-key", "00112233445566778899aabbccddeeff");
          await page.click("#sec-save");
          await page.waitForSelector("#security-list tr[data-endpoint='lamp-1']");
          const stored = await g.http("GET", "/api/security/lamp-1", undefined, AUTH);
          assert.deepEqual(stored.json, {
            endpoint: "lamp-1",
            mode: "psk",
            identity: "lamp-1-id",
            hasKey: true,
          });
          assert.equal(await page.inputValue("#sec-key"), "");
          assert.doesNotMatch(await page.content(), /00112233445566778899/);
          await page.fill("#bs-endpoint", "lamp-9");
          await page.fill("#bs-uri", "coap://127.0.0.1:5683");
          await page.fill("#bs-delete", "/0,/1");
          await page.click("#bs-save");
          await page.waitForSelector("#bootstrap-list tr[data-endpoint='lamp-9']");
          const config = await g.http("GET", "/api/bootstrap/lamp-9", undefined, AUTH);
          assert.equal(config.json.servers[0].uri, "coap://127.0.0.1:5683");
          assert.deepEqual(config.json.delete, ["/0", "/1"]);
          await browser.screenshot("dashboard-provisioning.png");

          await page.goto(`${base}/#/firmware`);
          await page.setInputFiles("#fw-file", {
            name: "lamp-v2.bin",
            mimeType: "application/octet-stream",
            buffer: Buffer.alloc(4096, 7),
          });
          await page.fill("#fw-name", "v2");
          await page.click("#fw-upload");
          await page.waitForSelector("#fw-images tr[data-image]");
          const images = await g.http("GET", "/api/firmware", undefined, AUTH);
          assert.equal(images.json.images[0].name, "v2");
          assert.equal(images.json.images[0].size, 4096);
          // Push it to a device with a Firmware Update object and follow the job's progress bar.
          new FirmwareDevice(await g.register("fw-1", "</1/0>,</3/0>,</5/0>"));
          await page.fill("#fw-target", "fw-1");
          await page.selectOption("#fw-method", "push");
          await page.click("#fw-start");
          await page.waitForSelector("#fw-jobs tr[data-endpoint='fw-1'].succeeded", {
            timeout: 15_000,
          });
          assert.equal(
            await page.getAttribute("#fw-jobs tr[data-endpoint='fw-1'] progress", "value"),
            "100",
          );
          assert.match(
            await page.textContent("#fw-jobs tr[data-endpoint='fw-1']") ?? "",
            /push.*succeeded.*100%.*Firmware updated successfully/s,
          );
          await browser.screenshot("dashboard-firmware.png");
        },
      );

      assert.deepEqual(browser.blocked, [], "the pages loaded nothing from outside 127.0.0.1");
      // The cut connections of the reconnect step are logged by Chromium; nothing else may be.
      const cut =
        /ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_CONNECTION_(RESET|CLOSED|REFUSED)|ERR_EMPTY_RESPONSE/;
      assert.deepEqual(browser.errors.filter((e) => !cut.test(e)), []);
    } finally {
      await browser.close();
      await proxy.close();
      await g.stop();
      for (const d of devices) d.close();
    }
  },
});
