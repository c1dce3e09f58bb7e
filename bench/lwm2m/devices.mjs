/**
 * Scripted LwM2M devices of the LwM2M server benchmark (issue 4), run under Node (node:dgram) so
 * that the device side is neither the Deno runtime nor the gateway code being measured (the same
 * reasoning as bench/coap_rtt/load_client.mjs). Raw CoAP, no client library:
 *
 *   node devices.mjs register --port P --count N [--warmup W] [--concurrency C] [--prefix NAME]
 *       [--host-base B] [--lt SEC] [--max-ms MS]
 *     W + N devices Register (CON POST /rd?ep=..&lt=..&lwm2m=1.1&b=U, link-format payload), at
 *     most C outstanding. Every device has its own loopback source address (127.B.x.y, port
 *     chosen by the kernel), so the gateway sees W + N distinct peers; its socket is closed once
 *     its 2.01 arrived (the gateway keeps the registration; nothing is sent to it afterwards). The
 *     first W are a warm-up, not timed. A missing answer is retransmitted with the same message
 *     id after 2, 4, 8 s (RFC 7252 timing, without jitter); after that the device counts as
 *     failed. Prints one JSON line: registrations/s over the N timed ones (first send to last
 *     2.01), latency percentiles (µs), failures, retransmissions, client CPU per registration.
 *
 *   node devices.mjs serve --port P --count K [--prefix NAME] [--max-ms MS]
 *     K devices on 127.0.0.1 (one socket each) register, print `{"ready":true,...}`, then answer
 *     every CON GET (from whoever sent it) with a pre-encoded piggybacked ACK 2.05, Content-Format text/plain, payload
 *     "ACME Corporation" (echoing message id and token), and anything else with 4.05. They serve
 *     until stdin closes (or --max-ms passes), then print one JSON line of counts and CPU time.
 *
 * Bounded: every wait has a deadline; the process exits by itself after --max-ms whatever happens.
 */

import { Buffer } from "node:buffer";
import dgram from "node:dgram";
import { performance } from "node:perf_hooks";
import process from "node:process";

const [mode, ...rest] = process.argv.slice(2);
const args = parseArgs(rest);
const PORT = Number(args.port);
const HOST = "127.0.0.1";
const PREFIX = String(args.prefix ?? "bench");
const LIFETIME = Number(args.lt ?? 86400);
const MAX_MS = Number(args["max-ms"] ?? 600_000);
/** The object list of a small LwM2M 1.1 device (the shape Wakaama/Anjay clients send). */
const PAYLOAD = String(
  args.payload ??
    '</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>,</4/0>,</5/0>,</6/0>,</3303/0>',
);
const TOKEN_LENGTH = 8;
const RETRANSMIT_MS = [2000, 4000, 8000];

if (!(PORT > 0) || (mode !== "register" && mode !== "serve")) {
  console.error(
    "usage: devices.mjs register|serve --port P --count N [...] (see the file comment)",
  );
  process.exit(2);
}

const hardStop = setTimeout(() => {
  console.error(`devices.mjs ${mode}: hard stop after ${MAX_MS} ms`);
  process.exit(3);
}, MAX_MS);

// ---------------------------------------------------------------------------------------------
// CoAP encoding (RFC 7252 §3)

function optionHeader(delta, length) {
  const nibble = (n) => (n < 13 ? n : n < 269 ? 13 : 14);
  const ext = (n) => n < 13 ? [] : n < 269 ? [n - 13] : [((n - 269) >> 8) & 0xff, (n - 269) & 0xff];
  return [(nibble(delta) << 4) | nibble(length), ...ext(delta), ...ext(length)];
}

/** options: [number, Buffer][] in ascending number order. */
function encodeMessage(type, code, messageId, token, options, payload) {
  const parts = [
    Buffer.from([0x40 | (type << 4) | token.length, code, messageId >> 8, messageId & 0xff]),
    token,
  ];
  let previous = 0;
  for (const [number, value] of options) {
    parts.push(Buffer.from(optionHeader(number - previous, value.length)), value);
    previous = number;
  }
  if (payload && payload.length > 0) parts.push(Buffer.from([0xff]), payload);
  return Buffer.concat(parts);
}

const CON = 0;
const ACK = 2;
const POST = 2;
const CREATED = 0x41; // 2.01
const CONTENT = 0x45; // 2.05
const METHOD_NOT_ALLOWED = 0x85; // 4.05

function registerRequest(endpoint, messageId, token) {
  const s = (x) => Buffer.from(x, "utf8");
  return encodeMessage(CON, POST, messageId, token, [
    [11, s("rd")],
    [12, Buffer.from([40])], // Content-Format: application/link-format
    [15, s(`ep=${endpoint}`)],
    [15, s(`lt=${LIFETIME}`)],
    [15, s("lwm2m=1.1")],
    [15, s("b=U")],
  ], s(PAYLOAD));
}

function endpointName(i) {
  return `${PREFIX}-${String(i).padStart(6, "0")}`;
}

/** 127.B.x.y with y in 1..250: a distinct loopback address per device index. */
function deviceHost(base, i) {
  const block = Math.floor(i / 250);
  return `127.${base + (block >> 8)}.${block & 255}.${1 + (i % 250)}`;
}

// ---------------------------------------------------------------------------------------------
// register

function runRegister() {
  const COUNT = Number(args.count ?? 5000);
  const WARMUP = Number(args.warmup ?? 0);
  const CONCURRENCY = Number(args.concurrency ?? 64);
  const HOST_BASE = Number(args["host-base"] ?? 20);
  const total = WARMUP + COUNT;
  if (!(COUNT >= 1 && WARMUP >= 0 && CONCURRENCY >= 1 && total <= 4_000_000)) {
    console.error("register: bad --count/--warmup/--concurrency");
    process.exit(2);
  }
  let next = 0;
  let active = 0;
  let succeeded = 0;
  let failed = 0;
  let retransmissions = 0;
  let bindErrors = 0;
  let unexpected = 0;
  let timedStart = null;
  let timedEnd = 0;
  let cpuStart = null;
  const latencies = new Float64Array(COUNT);
  let latencyCount = 0;
  let warmupDoneAt = null;
  const t0 = performance.now();

  const launch = () => {
    while (active < CONCURRENCY && next < total) {
      const i = next++;
      if (i === WARMUP) {
        // the timed part starts once every warm-up device has its answer
        if (active > 0) {
          next--;
          return;
        }
        warmupDoneAt = performance.now();
      }
      active++;
      registerOne(i);
    }
    if (active === 0 && next >= total) finish();
  };

  const registerOne = (i) => {
    const timed = i >= WARMUP;
    const socket = dgram.createSocket("udp4");
    const messageId = Math.floor(Math.random() * 0x10000);
    const token = Buffer.allocUnsafe(TOKEN_LENGTH);
    token.writeUInt32BE(i >>> 0, 0);
    token.writeUInt32BE((Math.random() * 0x100000000) >>> 0, 4);
    const request = registerRequest(endpointName(i), messageId, token);
    let attempt = 0;
    let timer = null;
    let sentAt = 0;
    let done = false;
    const end = (ok) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // closed
      }
      if (ok) {
        succeeded++;
        if (timed) {
          const now = performance.now();
          timedEnd = now;
          latencies[latencyCount++] = now - sentAt;
        }
      } else failed++;
      active--;
      launch();
    };
    const send = () => {
      socket.send(request, PORT, HOST);
      timer = setTimeout(() => {
        if (attempt >= RETRANSMIT_MS.length) return end(false);
        retransmissions++;
        attempt++;
        send();
      }, RETRANSMIT_MS[attempt]);
    };
    socket.on("error", () => {
      bindErrors++;
      end(false);
    });
    socket.on("message", (msg) => {
      const type = (msg[0] >> 4) & 3;
      const tkl = msg[0] & 0x0f;
      const sameToken = tkl === TOKEN_LENGTH && msg.compare(token, 0, TOKEN_LENGTH, 4, 12) === 0;
      if (type === ACK && ((msg[2] << 8) | msg[3]) === messageId) {
        if (msg[1] === 0) return; // empty ACK: a separate response follows
        if (sameToken && msg[1] === CREATED) return end(true);
        unexpected++;
        return end(false);
      }
      if (type === CON && sameToken) {
        // separate response: acknowledge it
        socket.send(Buffer.from([0x60, 0, msg[2], msg[3]]), PORT, HOST);
        if (msg[1] === CREATED) return end(true);
        unexpected++;
        return end(false);
      }
      unexpected++;
    });
    socket.bind(0, deviceHost(HOST_BASE, i), () => {
      if (timed && timedStart === null) {
        timedStart = performance.now();
        cpuStart = process.cpuUsage();
      }
      sentAt = performance.now();
      send();
    });
  };

  const finish = () => {
    const cpu = cpuStart ? process.cpuUsage(cpuStart) : null;
    const seconds = timedStart === null ? 0 : (timedEnd - timedStart) / 1000;
    const timedOk = latencyCount;
    const sorted = latencies.subarray(0, latencyCount).sort();
    const pct = (p) =>
      latencyCount
        ? Math.round(sorted[Math.min(latencyCount - 1, Math.floor(p * latencyCount))] * 1000)
        : null;
    clearTimeout(hardStop);
    console.log(JSON.stringify({
      mode: "register",
      count: COUNT,
      warmup: WARMUP,
      concurrency: CONCURRENCY,
      succeeded,
      failed,
      timedOk,
      seconds: +seconds.toFixed(3),
      rate: seconds > 0 ? Math.round(timedOk / seconds) : null,
      warmupSeconds: warmupDoneAt === null ? 0 : +((warmupDoneAt - t0) / 1000).toFixed(3),
      retransmissions,
      bindErrors,
      unexpected,
      p50us: pct(0.5),
      p99us: pct(0.99),
      clientCpuUsPerReg: cpu && timedOk ? +((cpu.user + cpu.system) / timedOk).toFixed(1) : null,
    }));
  };

  launch();
}

// ---------------------------------------------------------------------------------------------
// serve

function runServe() {
  const COUNT = Number(args.count ?? 128);
  if (!(COUNT >= 1 && COUNT <= 4096)) {
    console.error("serve: --count must be 1..4096");
    process.exit(2);
  }
  const payload = Buffer.from("ACME Corporation", "utf8");
  let answered = 0;
  let other = 0;
  let registered = 0;
  let failed = 0;
  let cpuAtReady = null;
  const sockets = [];

  /** 2.05 piggybacked on the ACK, Content-Format 0 (a zero-length uint), the same token. */
  const reply = (msg) => {
    const tkl = msg[0] & 0x0f;
    const out = Buffer.allocUnsafe(4 + tkl + 2 + payload.length);
    out[0] = 0x60 | tkl;
    out[1] = CONTENT;
    out[2] = msg[2];
    out[3] = msg[3];
    msg.copy(out, 4, 4, 4 + tkl);
    out[4 + tkl] = 0xc0; // option delta 12 (Content-Format), length 0
    out[5 + tkl] = 0xff;
    payload.copy(out, 6 + tkl);
    return out;
  };

  const reject = (msg) => {
    const tkl = msg[0] & 0x0f;
    const out = Buffer.from(msg.subarray(0, 4 + tkl));
    out[0] = 0x60 | tkl;
    out[1] = METHOD_NOT_ALLOWED;
    return out;
  };

  const startDevice = (i) => {
    const socket = dgram.createSocket("udp4");
    sockets.push(socket);
    const messageId = Math.floor(Math.random() * 0x10000);
    const token = Buffer.allocUnsafe(TOKEN_LENGTH);
    token.writeUInt32BE(i >>> 0, 0);
    token.writeUInt32BE((Math.random() * 0x100000000) >>> 0, 4);
    const request = registerRequest(endpointName(i), messageId, token);
    let isRegistered = false;
    let attempt = 0;
    let timer = null;
    socket.on("error", () => {});
    socket.on("message", (msg, from) => {
      const type = (msg[0] >> 4) & 3;
      const code = msg[1];
      if (type === CON && code >= 1 && code <= 31) {
        if (code === 1) {
          answered++;
          socket.send(reply(msg), from.port, from.address);
        } else {
          other++;
          socket.send(reject(msg), from.port, from.address);
        }
        return;
      }
      if (!isRegistered && type === ACK && ((msg[2] << 8) | msg[3]) === messageId) {
        if (code === 0) return;
        clearTimeout(timer);
        isRegistered = true;
        if (code === CREATED) registered++;
        else failed++;
        if (registered + failed === COUNT) ready();
      }
    });
    const send = () => {
      socket.send(request, PORT, HOST);
      timer = setTimeout(() => {
        if (attempt >= RETRANSMIT_MS.length) {
          failed++;
          isRegistered = true;
          if (registered + failed === COUNT) ready();
          return;
        }
        attempt++;
        send();
      }, RETRANSMIT_MS[attempt]);
    };
    socket.bind(0, HOST, send);
  };

  const ready = () => {
    cpuAtReady = process.cpuUsage();
    console.log(JSON.stringify({ ready: true, registered, failed, pid: process.pid }));
  };

  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    const cpu = cpuAtReady ? process.cpuUsage(cpuAtReady) : null;
    for (const s of sockets) {
      try {
        s.close();
      } catch {
        // closed
      }
    }
    clearTimeout(hardStop);
    console.log(JSON.stringify({
      done: true,
      mode: "serve",
      count: COUNT,
      registered,
      failed,
      answered,
      other,
      cpuUs: cpu ? cpu.user + cpu.system : null,
    }));
  };

  process.stdin.on("data", () => {});
  process.stdin.on("end", finish);
  process.stdin.on("close", finish);
  for (let i = 0; i < COUNT; i++) startDevice(i);
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i + 1 < argv.length; i += 2) {
    if (!argv[i].startsWith("--")) throw new Error(`unexpected argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  return out;
}

if (mode === "register") runRegister();
else runServe();
