/**
 * Simulated devices of the SSE notification benchmark (issue 6), run under Node (node:dgram) so
 * the device side is neither the Deno runtime nor gateway code. Raw CoAP (RFC 7252 §3), no
 * library:
 *
 *   node devices.mjs --port P --count K [--prefix NAME] [--max-ms MS]
 *
 * K devices on 127.0.0.1 (one socket each) Register (CON POST /rd?ep=NAME-i&lt=86400&lwm2m=1.1
 * &b=U, payload `</3/0>`) and print `{"ready":true,"endpoints":[...]}`. They answer the gateway's
 * CON GET with Observe=0 (RFC 7641 §3.1) with a piggybacked 2.05, Observe=0, text/plain "0",
 * keeping the request's token; any other request gets 2.05 "0". A stdin line
 * `{"cmd":"blast","rate":R,"ms":D}` makes them send NON 2.05 notifications (Observe numbers
 * increasing per device, text/plain payload = that number) round-robin at R per second for D ms;
 * then they print `{"sent":N,"ms":T,"cpuMs":C,"observed":O}`. They exit when stdin closes or
 * after --max-ms.
 */

import { Buffer } from "node:buffer";
import dgram from "node:dgram";
import process from "node:process";
import readline from "node:readline";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
}
const PORT = Number(args.port);
const COUNT = Number(args.count ?? 16);
const PREFIX = String(args.prefix ?? "sse");
const MAX_MS = Number(args["max-ms"] ?? 300_000);
const HOST = "127.0.0.1";
if (!(PORT > 0) || !(COUNT > 0)) {
  console.error("usage: devices.mjs --port P --count K [--prefix NAME] [--max-ms MS]");
  process.exit(2);
}
setTimeout(() => process.exit(3), MAX_MS).unref();

/** RFC 7252 §12.1/§12.2 numbers. */
const CON = 0, NON = 1, ACK = 2;
const POST = 2, CREATED = 0x41, CONTENT = 0x45;
const OBSERVE = 6, URI_PATH = 11, CONTENT_FORMAT = 12, URI_QUERY = 15;
const LINK_FORMAT = 40;

function uint(n) {
  const bytes = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return Buffer.from(bytes);
}

function nibble(n) {
  return n < 13 ? [n, []] : n < 269 ? [13, [n - 13]] : [14, [(n - 269) >> 8, (n - 269) & 0xff]];
}

/** Encodes a message; `options` are [number, Buffer] pairs in ascending number order. */
function encode({ type, code, mid, token, options = [], payload }) {
  const parts = [
    Buffer.from([0x40 | (type << 4) | token.length, code, mid >> 8, mid & 0xff]),
    token,
  ];
  let last = 0;
  for (const [number, value] of options) {
    const [d, dx] = nibble(number - last);
    const [l, lx] = nibble(value.length);
    parts.push(Buffer.from([(d << 4) | l, ...dx, ...lx]), value);
    last = number;
  }
  if (payload && payload.length > 0) parts.push(Buffer.from([0xff]), payload);
  return Buffer.concat(parts);
}

/** Decodes what the devices need: type, code, mid, token, Observe. Null when malformed. */
function decode(b) {
  if (b.length < 4 || b[0] >> 6 !== 1) return null;
  const tkl = b[0] & 15;
  const m = {
    type: (b[0] >> 4) & 3,
    code: b[1],
    mid: (b[2] << 8) | b[3],
    token: b.subarray(4, 4 + tkl),
  };
  let i = 4 + tkl, number = 0;
  while (i < b.length && b[i] !== 0xff) {
    let d = b[i] >> 4, l = b[i] & 15;
    i++;
    if (d === 13) d = 13 + b[i++];
    else if (d === 14) (d = 269 + ((b[i] << 8) | b[i + 1])), (i += 2);
    if (l === 13) l = 13 + b[i++];
    else if (l === 14) (l = 269 + ((b[i] << 8) | b[i + 1])), (i += 2);
    number += d;
    if (number === OBSERVE) m.observe = l === 0 ? 0 : b.readUIntBE(i, l);
    i += l;
  }
  return m;
}

const text = (s) => Buffer.from(s, "utf8");
const devices = [];
let observed = 0;

for (let k = 0; k < COUNT; k++) {
  const socket = dgram.createSocket("udp4");
  const d = {
    socket,
    endpoint: `${PREFIX}-${k}`,
    mid: 1 + k * 97,
    token: null,
    seq: 0,
    registered: null,
  };
  socket.on("message", (buf) => {
    const m = decode(buf);
    if (!m) return;
    if (m.type === ACK && m.code === CREATED) d.registered?.();
    else if (m.type === CON && m.code >= 1 && m.code <= 31) {
      const observe = m.observe === 0;
      if (observe && !d.token) observed++;
      if (observe) d.token = Buffer.from(m.token);
      socket.send(
        encode({
          type: ACK,
          code: CONTENT,
          mid: m.mid,
          token: m.token,
          options: [...(observe ? [[OBSERVE, uint(0)]] : []), [CONTENT_FORMAT, uint(0)]],
          payload: text("0"),
        }),
        PORT,
        HOST,
      );
    }
  });
  await new Promise((resolve) => socket.bind(0, HOST, resolve));
  devices.push(d);
}

/** Register with retransmission (2, 4, 8 s) until the 2.01 arrives. */
async function register(d) {
  const query = [`ep=${d.endpoint}`, "lt=86400", "lwm2m=1.1", "b=U"];
  const message = encode({
    type: CON,
    code: POST,
    mid: d.mid++ & 0xffff,
    token: Buffer.from([0xbe, d.mid & 0xff, 0x01, 0x02]),
    options: [
      [URI_PATH, text("rd")],
      [CONTENT_FORMAT, uint(LINK_FORMAT)],
      ...query.map((q) => [URI_QUERY, text(q)]),
    ],
    payload: text("</3/0>"),
  });
  for (const wait of [2000, 4000, 8000]) {
    const done = new Promise((resolve) => (d.registered = () => resolve(true)));
    d.socket.send(message, PORT, HOST);
    const ok = await Promise.race([done, new Promise((r) => setTimeout(() => r(false), wait))]);
    if (ok) return;
  }
  throw new Error(`${d.endpoint} could not register`);
}

for (let i = 0; i < devices.length; i += 16) {
  await Promise.all(devices.slice(i, i + 16).map(register));
}
console.log(JSON.stringify({ ready: true, endpoints: devices.map((d) => d.endpoint) }));

function notification(d) {
  d.seq = (d.seq + 1) & 0xffffff; // RFC 7641 §3.4: 24-bit Observe sequence numbers
  d.mid = (d.mid + 1) & 0xffff;
  return encode({
    type: NON,
    code: CONTENT,
    mid: d.mid,
    token: d.token,
    options: [[OBSERVE, uint(d.seq)], [CONTENT_FORMAT, uint(0)]],
    payload: text(String(d.seq)),
  });
}

/** Sends `rate` notifications a second for `ms`, in 1 ms slices, round-robin over the devices. */
async function blast(rate, ms) {
  const live = devices.filter((d) => d.token);
  if (live.length === 0) return { sent: 0, ms: 0 };
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let sent = 0, next = 0;
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= ms) break;
    const due = Math.min(Math.floor((rate * elapsed) / 1000) - sent, 5000);
    for (let i = 0; i < due; i++) {
      const d = live[next++ % live.length];
      d.socket.send(notification(d), PORT, HOST);
      sent++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const cpu = process.cpuUsage(cpu0);
  return { sent, ms: performance.now() - start, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  const cmd = JSON.parse(line);
  if (cmd.cmd === "blast") {
    const r = await blast(Number(cmd.rate), Number(cmd.ms));
    console.log(JSON.stringify({ ...r, observed }));
  }
});
rl.on("close", () => {
  for (const d of devices) d.socket.close();
  process.exit(0);
});
