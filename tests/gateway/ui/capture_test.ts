/**
 * The inspector's file reader (gateway/ui/capture.ts): libpcap in both byte orders and with
 * nanosecond stamps, pcapng with an Interface Description and Enhanced/Simple Packet blocks,
 * Ethernet with an 802.1Q tag, Linux cooked and raw IPv6 links, hex text and raw bytes; cut-short
 * files end with a note instead of a throw.
 */

import assert from "node:assert/strict";
import { parseCapture, parseHexText } from "../../../gateway/ui/capture.ts";

const COAP = new Uint8Array([0x41, 0x01, 0x12, 0x34, 0x7a, 0xb1, 0x33]);

function udp(payload: Uint8Array, sport = 5683, dport = 40000): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint16(4, out.length);
  out.set(payload, 8);
  return out;
}

function ipv4(udpBytes: Uint8Array, protocol = 17): Uint8Array {
  const out = new Uint8Array(20 + udpBytes.length);
  out.set([0x45, 0, 0, out.length, 0, 0, 0x40, 0, 64, protocol, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
  out.set(udpBytes, 20);
  return out;
}

function ipv6(udpBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(40 + udpBytes.length);
  out[0] = 0x60;
  out[5] = udpBytes.length;
  out[6] = 17;
  out[23] = 1; // ::1
  out[39] = 1;
  out.set(udpBytes, 40);
  return out;
}

function ethernet(ip: Uint8Array, vlan = false): Uint8Array {
  const head = vlan ? [0x81, 0x00, 0, 7, 0x08, 0x00] : [0x08, 0x00];
  const out = new Uint8Array(12 + head.length + ip.length);
  out.set(head, 12);
  out.set(ip, 12 + head.length);
  return out;
}

function pcap(linkType: number, frames: Uint8Array[], le = true, nanos = false): Uint8Array {
  const out = new Uint8Array(24 + frames.reduce((n, f) => n + 16 + f.length, 0));
  const v = new DataView(out.buffer);
  v.setUint32(0, nanos ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint32(20, linkType, le);
  let at = 24;
  for (const f of frames) {
    v.setUint32(at, 1_700_000_000, le);
    v.setUint32(at + 4, nanos ? 500_000_000 : 500_000, le);
    v.setUint32(at + 8, f.length, le);
    v.setUint32(at + 12, f.length, le);
    out.set(f, at + 16);
    at += 16 + f.length;
  }
  return out;
}

Deno.test("parseCapture reads UDP datagrams from libpcap (both byte orders, µs and ns)", () => {
  for (const [le, nanos] of [[true, false], [false, false], [true, true]]) {
    const file = pcap(1, [ethernet(ipv4(udp(COAP))), ethernet(ipv4(udp(COAP), 6))], le, nanos);
    const c = parseCapture(file);
    assert.equal(c.kind, "pcap");
    assert.equal(c.skipped, 1, "the TCP frame is skipped");
    assert.equal(c.datagrams.length, 1);
    const [d] = c.datagrams;
    assert.deepEqual(d.bytes, COAP);
    assert.equal(d.source, "10.0.0.1:5683");
    assert.equal(d.destination, "10.0.0.2:40000");
    assert.equal(d.timeMs, 1_700_000_000_500);
    assert.equal(d.frame, 1);
  }
});

Deno.test("parseCapture handles 802.1Q tags, Linux cooked and raw IPv6 links", () => {
  assert.deepEqual(
    parseCapture(pcap(1, [ethernet(ipv4(udp(COAP)), true)])).datagrams[0].bytes,
    COAP,
  );
  const sll = new Uint8Array(16 + 20 + 8 + COAP.length);
  sll.set([0x08, 0x00], 14);
  sll.set(ipv4(udp(COAP)), 16);
  assert.deepEqual(parseCapture(pcap(113, [sll])).datagrams[0].bytes, COAP);
  const v6 = parseCapture(pcap(101, [ipv6(udp(COAP, 5684, 5683))])).datagrams[0];
  assert.deepEqual(v6.bytes, COAP);
  assert.equal(v6.source, "[::1]:5684");
});

Deno.test("parseCapture reads pcapng Enhanced and Simple Packet blocks", () => {
  const blocks: number[] = [];
  const block = (type: number, body: Uint8Array) => {
    const length = 12 + Math.ceil(body.length / 4) * 4;
    const b = new Uint8Array(length);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, true);
    v.setUint32(4, length, true);
    b.set(body, 8);
    v.setUint32(length - 4, length, true);
    blocks.push(...b);
  };
  const shb = new Uint8Array(16);
  new DataView(shb.buffer).setUint32(0, 0x1a2b3c4d, true);
  block(0x0a0d0d0a, shb);
  const idb = new Uint8Array(8);
  new DataView(idb.buffer).setUint16(0, 1, true); // Ethernet
  block(1, idb);
  const frame = ethernet(ipv4(udp(COAP)));
  const epb = new Uint8Array(20 + frame.length);
  const v = new DataView(epb.buffer);
  v.setUint32(4, 0, true);
  v.setUint32(8, 1_000_000, true); // 1 s in µs
  v.setUint32(12, frame.length, true);
  v.setUint32(16, frame.length, true);
  epb.set(frame, 20);
  block(6, epb);
  const spb = new Uint8Array(4 + frame.length);
  new DataView(spb.buffer).setUint32(0, frame.length, true);
  spb.set(frame, 4);
  block(3, spb);
  const c = parseCapture(new Uint8Array(blocks));
  assert.equal(c.kind, "pcapng");
  assert.equal(c.datagrams.length, 2);
  assert.deepEqual(c.datagrams.map((d) => d.bytes), [COAP, COAP]);
  assert.equal(c.datagrams[0].timeMs, 1000);
  assert.equal(c.datagrams[1].timeMs, undefined);
});

Deno.test("parseCapture takes hex text (also C-style 0x41, 0x01) and raw bytes as one datagram; cut files get a note", () => {
  const text = new TextEncoder().encode("41 01 12 34\n7a:b1:33\n");
  assert.deepEqual(parseCapture(text), {
    kind: "hex",
    datagrams: [{ frame: 1, bytes: COAP }],
    skipped: 0,
  });
  assert.deepEqual(parseCapture(COAP).datagrams[0].bytes, COAP);
  assert.equal(parseCapture(COAP).kind, "raw");
  const cut = pcap(1, [ethernet(ipv4(udp(COAP)))]).subarray(0, 50);
  const c = parseCapture(cut);
  assert.equal(c.datagrams.length, 0);
  assert.match(c.note ?? "", /cut short/);
  assert.deepEqual(parseHexText("{0x41, 0x01}".slice(1, -1)), new Uint8Array([0x41, 0x01]));
  assert.deepEqual(parseHexText("0x4101"), new Uint8Array([0x41, 0x01]));
  assert.equal(parseHexText("4"), null);
  assert.equal(parseHexText("zz"), null);
});
