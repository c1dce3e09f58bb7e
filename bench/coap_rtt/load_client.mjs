/**
 * Load client of the CoAP round-trip benchmark (issue 3), run under Node (node:dgram), so the
 * client is the same for every server under test and is not the Deno runtime being measured.
 *
 * `node load_client.mjs --port P --inflight N [--sockets K] --warmup MS --duration MS
 *   [--path bench] [--expect echo|coap] [--timeout MS]`
 *
 * N slots, each with exactly one CON GET outstanding at a time (closed loop), spread over K
 * connected UDP sockets on 127.0.0.1 (default K = N: N independent peers; K = 1: one peer with N
 * outstanding). Datagrams are pre-encoded once per slot; each send patches a fresh message id and
 * token in place (a slot's reply has arrived before its buffer is patched again). Replies are
 * matched by (socket, message id) and checked by token and code. A socket is retired for a new one
 * (a new peer) before its message ids wrap, so no peer reuses a message id within a run and the
 * server's deduplication never replays a stored reply. A request with no reply after --timeout is
 * counted as lost and its slot moves on with a new message id.
 *
 * Bounded: sends stop after warmup + duration; the process exits at most 2 s later whatever
 * happens. Prints one JSON line: round trips/s over the measured window, losses, bad replies,
 * round-trip time percentiles (µs) and the client's own CPU time per round trip.
 */

import { Buffer } from "node:buffer";
import dgram from "node:dgram";
import { performance } from "node:perf_hooks";
import process from "node:process";

const args = parseArgs(process.argv.slice(2));
const PORT = Number(args.port);
const INFLIGHT = Number(args.inflight ?? 1);
const SOCKETS = Number(args.sockets ?? INFLIGHT);
const WARMUP_MS = Number(args.warmup ?? 1000);
const DURATION_MS = Number(args.duration ?? 5000);
const PATH = String(args.path ?? "bench");
const EXPECT = String(args.expect ?? "coap");
const TIMEOUT_MS = Number(args.timeout ?? 500);
const HOST = "127.0.0.1";
/** Requests per socket before it is retired (message ids are 16-bit). */
const MIDS_PER_SOCKET = 60000;
const TOKEN_LENGTH = 8;
const MAX_SAMPLES = 4_000_000;

if (
  !(PORT > 0 && INFLIGHT >= 1 && INFLIGHT <= 1024 && SOCKETS >= 1 && SOCKETS <= INFLIGHT &&
    DURATION_MS > 0 && WARMUP_MS >= 0)
) {
  console.error(
    "usage: load_client.mjs --port P --inflight N [--sockets K] --warmup MS --duration MS",
  );
  process.exit(2);
}

/** CON GET with an 8-byte token and one Uri-Path option per segment (RFC 7252 §3). */
function encodeGet(path) {
  const segments = path.split("/").filter((s) => s !== "").map((s) => Buffer.from(s, "utf8"));
  const parts = [Buffer.from([0x40 | TOKEN_LENGTH, 0x01, 0, 0]), Buffer.alloc(TOKEN_LENGTH)];
  let previous = 0;
  for (const s of segments) {
    if (s.length > 12) throw new Error("segment too long for this tiny encoder");
    parts.push(Buffer.from([((11 - previous) << 4) | s.length]), s);
    previous = 11;
  }
  return Buffer.concat(parts);
}

const template = encodeGet(PATH);
const t0 = performance.now();
const measureFrom = t0 + WARMUP_MS;
const measureTo = measureFrom + DURATION_MS;
let stopping = false;
let completed = 0; // replies received inside the measured window
let total = 0; // all matched replies
let lost = 0;
let bad = 0;
let stale = 0;
let socketsOpened = 0;
let cpuAtStart = null;
const samples = new Float64Array(MAX_SAMPLES);
let sampleCount = 0;
let requestCounter = Math.floor(Math.random() * 0x7fffffff);
const allSockets = [];

/** One client endpoint (one peer as the server sees it): a connected socket and its message ids. */
class Peer {
  constructor() {
    this.socket = dgram.createSocket("udp4");
    this.mid = Math.floor(Math.random() * 0x10000);
    this.sent = 0;
    this.ready = false;
    this.waiting = [];
    /** message id -> the slot waiting for it */
    this.pending = new Array(0x10000).fill(null);
    socketsOpened++;
    allSockets.push(this.socket);
    this.socket.on("message", (msg) => this.onMessage(msg));
    this.socket.on("error", () => {});
    this.socket.bind(0, HOST, () =>
      this.socket.connect(PORT, HOST, () => {
        this.ready = true;
        for (const slot of this.waiting.splice(0)) slot.send();
      }));
  }

  get exhausted() {
    return this.sent >= MIDS_PER_SOCKET;
  }

  onMessage(msg) {
    if (msg.length < 4 + TOKEN_LENGTH) return void stale++;
    const mid = (msg[2] << 8) | msg[3];
    const slot = this.pending[mid];
    if (!slot) return void stale++;
    this.pending[mid] = null;
    slot.onReply(msg);
  }
}

const peers = [];
for (let i = 0; i < SOCKETS; i++) peers.push(new Peer());

class Slot {
  constructor(index) {
    this.index = index;
    this.peerIndex = index % SOCKETS;
    this.buffer = Buffer.from(template);
    this.token = Buffer.alloc(TOKEN_LENGTH);
    this.peer = null;
    this.mid = -1;
    this.outstanding = false;
    this.sentAt = 0;
  }

  send() {
    if (stopping) return;
    let peer = peers[this.peerIndex];
    if (peer.exhausted) {
      peer = peers[this.peerIndex] = new Peer(); // a fresh peer; the old one keeps its replies
    }
    if (!peer.ready) {
      peer.waiting.push(this);
      return;
    }
    const b = this.buffer;
    const mid = peer.mid = (peer.mid + 1) & 0xffff;
    peer.sent++;
    b[2] = mid >> 8;
    b[3] = mid & 0xff;
    requestCounter = (requestCounter + 1) >>> 0;
    b.writeUInt16BE(this.index, 4);
    b.writeUInt32BE(requestCounter, 6);
    b.writeUInt16BE(peer.sent & 0xffff, 10);
    b.copy(this.token, 0, 4, 4 + TOKEN_LENGTH);
    this.peer = peer;
    this.mid = mid;
    peer.pending[mid] = this;
    this.outstanding = true;
    this.sentAt = performance.now();
    peer.socket.send(b);
  }

  onReply(msg) {
    const now = performance.now();
    this.outstanding = false;
    total++;
    if (!replyOk(msg, this.token)) bad++;
    if (now >= measureFrom && now < measureTo) {
      if (cpuAtStart === null) cpuAtStart = process.cpuUsage();
      completed++;
      if (sampleCount < MAX_SAMPLES) samples[sampleCount++] = now - this.sentAt;
    }
    this.send();
  }

  checkTimeout(now) {
    if (this.outstanding && now - this.sentAt > TIMEOUT_MS) {
      this.outstanding = false;
      this.peer.pending[this.mid] = null;
      lost++;
      this.send();
    }
  }
}

/** An echo returns our request; a CoAP server a piggybacked 2.xx ACK with our token. */
function replyOk(msg, token) {
  const tkl = msg[0] & 0x0f;
  if (tkl !== TOKEN_LENGTH || msg.compare(token, 0, TOKEN_LENGTH, 4, 4 + TOKEN_LENGTH) !== 0) {
    return false;
  }
  if (EXPECT === "echo") return msg[1] === 0x01;
  return ((msg[0] >> 4) & 3) === 2 && (msg[1] >> 5) === 2;
}

const slots = [];
for (let i = 0; i < INFLIGHT; i++) slots.push(new Slot(i));
for (const s of slots) s.send();

let cpuAtEnd = null;
const watchdog = setInterval(() => {
  const now = performance.now();
  for (const s of slots) s.checkTimeout(now);
  if (now >= measureTo && !stopping) {
    stopping = true;
    cpuAtEnd = process.cpuUsage();
    setTimeout(finish, Math.min(TIMEOUT_MS, 300));
  }
}, 20);
const hardStop = setTimeout(() => {
  console.error("load_client: hard stop");
  process.exit(3);
}, WARMUP_MS + DURATION_MS + 2000);

function finish() {
  clearInterval(watchdog);
  clearTimeout(hardStop);
  for (const s of allSockets) s.close();
  const rtt = samples.subarray(0, sampleCount).sort();
  const pct = (p) =>
    sampleCount
      ? Math.round(rtt[Math.min(sampleCount - 1, Math.floor(p * sampleCount))] * 1000)
      : null;
  const cpu = cpuAtStart && cpuAtEnd
    ? (cpuAtEnd.user + cpuAtEnd.system - cpuAtStart.user - cpuAtStart.system)
    : null;
  console.log(JSON.stringify({
    inflight: INFLIGHT,
    sockets: SOCKETS,
    seconds: DURATION_MS / 1000,
    completed,
    rate: Math.round(completed / (DURATION_MS / 1000)),
    total,
    lost,
    bad,
    stale,
    socketsOpened,
    p50us: pct(0.5),
    p99us: pct(0.99),
    clientCpuUsPerRt: cpu !== null && completed > 0 ? +(cpu / completed).toFixed(2) : null,
  }));
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i + 1 < argv.length; i += 2) {
    if (!argv[i].startsWith("--")) throw new Error(`unexpected argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  return out;
}
