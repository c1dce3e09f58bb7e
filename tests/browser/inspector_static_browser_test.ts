/**
 * The packet inspector with no gateway behind it: a tiny Deno.serve file server serves only
 * gateway/ui/static/ (inspector.html, ui/*.js, codec/inspect.js and the codec.wasm link), and
 * headless Chromium decodes in the page: a TLV response from `?hex=&target=` (values typed by the
 * object models), a malformed datagram (named codec status and offset), a libpcap capture opened
 * as a file (UDP datagrams listed, non-UDP frames skipped), and the SenML CBOR example. Nothing is
 * requested from an API or from outside 127.0.0.1. Skipped (visibly) without Chromium.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  haveChromium,
  openBrowser,
  waitCount,
  waitText,
  warnIfSkipped,
} from "./browser_support.ts";

warnIfSkipped("tests/browser/inspector_static_browser_test.ts");

const STATIC = new URL("../../gateway/ui/static/", import.meta.url);
const TYPES: Record<string, string> = {
  html: "text/html",
  js: "text/javascript",
  css: "text/css",
  wasm: "application/wasm",
};

/** Serves files under gateway/ui/static/ only, recording every path asked for. */
function staticServer(requested: string[]) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    requested.push(path);
    if (path.includes("..")) return new Response("no", { status: 400 });
    try {
      const body = await Deno.readFile(new URL(`.${path}`, STATIC));
      const type = TYPES[path.split(".").pop() ?? ""] ?? "application/octet-stream";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

const hex = (s: string) => new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));

/** An Ethernet + IPv4 + UDP frame carrying `payload` (checksums are not checked by readers). */
function udpFrame(
  payload: Uint8Array,
  [src, sport]: [number[], number],
  [dst, dport]: [number[], number],
): Uint8Array {
  const udpLength = 8 + payload.length;
  const ipLength = 20 + udpLength;
  const frame = new Uint8Array(14 + ipLength);
  const v = new DataView(frame.buffer);
  v.setUint16(12, 0x0800); // EtherType IPv4
  frame.set([0x45, 0, ipLength >> 8, ipLength & 0xff, 0, 0, 0x40, 0, 64, 17, 0, 0], 14);
  frame.set([...src, ...dst], 26);
  v.setUint16(34, sport);
  v.setUint16(36, dport);
  v.setUint16(38, udpLength);
  frame.set(payload, 42);
  return frame;
}

/** A little-endian microsecond libpcap file (LINKTYPE_ETHERNET) of `frames`. */
function pcap(frames: Uint8Array[]): Uint8Array {
  const size = 24 + frames.reduce((n, f) => n + 16 + f.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, 65535, true);
  v.setUint32(20, 1, true);
  let at = 24;
  frames.forEach((f, i) => {
    v.setUint32(at, 1_764_000_000 + i, true);
    v.setUint32(at + 8, f.length, true);
    v.setUint32(at + 12, f.length, true);
    out.set(f, at + 16);
    at += 16 + f.length;
  });
  return out;
}

const GATEWAY = [127, 0, 0, 1];
const DEVICE = [127, 0, 0, 2];
const GET_3_0 = "410112347ab1330130622d16";
const TLV_3_0 =
  "61452a027ac22d16ffc800144f70656e204d6f62696c6520416c6c69616e6365c801164c69676874776569676874204d324d20436c69656e74c1095788070842000ed842011388";

Deno.test({
  name: "inspector from a static file server: ?hex=, errors, a pcap capture, the examples",
  ignore: !haveChromium,
  async fn(t) {
    const requested: string[] = [];
    const server = staticServer(requested);
    const base = `http://127.0.0.1:${server.addr.port}`;
    const browser = await openBrowser();
    const { page } = browser;
    try {
      await t.step(
        "a TLV response from ?hex= with the request path, typed by the models",
        async () => {
          await page.goto(`${base}/inspector.html?hex=${TLV_3_0}&target=/3/0`);
          await page.waitForSelector("#values");
          assert.match(await page.textContent("#summary") ?? "", /ACK 2\.05 Content/);
          const values = await page.textContent("#values") ?? "";
          assert.match(values, /\/3\/0\/0\s*Manufacturer\s*Open Mobile Alliance/);
          assert.match(values, /\/3\/0\/9\s*Battery Level\s*87/);
          assert.match(values, /\/3\/0\/7\/1\s*Power Source Voltage\s*5000/);
          assert.match(
            await page.textContent("#payload-format") ?? "",
            /application\/vnd\.oma\.lwm2m\+tlv/,
          );
          assert.match(await page.textContent("#codec-state") ?? "", /codec ready/);
          await browser.screenshot("inspector-static.png");
        },
      );

      await t.step("a malformed datagram names the codec status and offset", async () => {
        await page.fill("#target", "");
        await page.fill("#hex", "49 01 12 34 01 02 03 04 05 06 07 08 09");
        await waitText(page, "#decode-error", /ERR_TOKEN_LENGTH \(-3\) at byte 0/);
        await page.waitForSelector("#hexdump .p-error");
      });

      await t.step(
        "a pcap capture: UDP datagrams listed, other frames skipped, each decodable",
        async () => {
          const arp = new Uint8Array(42);
          arp.set([0x08, 0x06], 12);
          const file = pcap([
            udpFrame(hex(GET_3_0), [GATEWAY, 5683], [DEVICE, 56830]), // a Read of /3/0, token 7a
            arp,
            udpFrame(hex(TLV_3_0), [DEVICE, 56830], [GATEWAY, 5683]), // its answer, token 7a
          ]);
          await page.setInputFiles("#file", {
            name: "lwm2m.pcap",
            mimeType: "application/vnd.tcpdump.pcap",
            buffer: Buffer.from(file),
          });
          await waitText(page, "#capture-info", /pcap, 2 UDP datagrams, 1 other frames skipped/);
          await waitCount(page, "tr.frame", 2);
          assert.match(
            await page.textContent("tr.frame[data-frame='1']") ?? "",
            /127\.0\.0\.1:5683 → 127\.0\.0\.2:56830\s*12\s*CON 0\.01/,
          );
          await waitText(page, "#summary", /CON 0\.01 GET \/3\/0/);
          await page.click("tr.frame[data-frame='3']");
          await waitText(page, "#summary", /ACK 2\.05 Content/);
          assert.equal(await page.inputValue("#hex"), TLV_3_0);
          // The response's request (same token, other direction) gives the path to type the TLV.
          assert.equal(await page.inputValue("#target"), "/3/0");
          await waitText(page, "#values", /\/3\/0\/0\s*Manufacturer\s*Open Mobile Alliance/);
          await browser.screenshot("inspector-capture.png");
        },
      );

      await t.step("the SenML CBOR example decodes to records and values", async () => {
        await page.selectOption("#examples", { label: "2.05 Content, SenML CBOR" });
        await waitText(page, "#values", /\/3311\/0\/5850\s*On\/Off\s*true/);
        assert.match(await page.textContent("#values") ?? "", /\/3311\/0\/5851\s*Dimmer\s*80/);
        assert.match(await page.textContent("#payload-tree") ?? "", /bn:\s*"\/3311\/0\/"/);
        assert.equal(
          new URL(page.url()).searchParams.get("hex"),
          "61452a0411c170ff82a321682f333331312f302f00643538353004f5a2006435383531021850",
        );
      });

      assert.deepEqual(requested.filter((p) => p.startsWith("/api")), [], "no API behind it");
      assert.ok(requested.includes("/codec/codec.wasm") && requested.includes("/codec/inspect.js"));
      assert.deepEqual(browser.blocked, []);
      assert.deepEqual(browser.errors, []);
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
