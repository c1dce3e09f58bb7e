/**
 * The DTLS server core under hostile input (issue 8 "Negative"): replayed, truncated, garbage and
 * tampered records are refused without a crash and without state; a HelloVerifyRequest flood
 * from many spoofed source ports keeps no state (RFC 6347 §4.2.1); the handshake limits, the idle
 * timeout and the sequence-number reservation (persistence) behave as documented in docs/dtls.md.
 */

import assert from "node:assert/strict";
import { clientConnect } from "../../gateway/dtls/client.ts";
import { sealRecord } from "../../gateway/dtls/conn.ts";
import { encodeClientHello, encodeHandshake } from "../../gateway/dtls/messages.ts";
import { encodeRecord } from "../../gateway/dtls/record.ts";
import {
  serverConfirmReserve,
  serverReceive,
  serverSend,
  serverTick,
} from "../../gateway/dtls/server.ts";
import { exportSession, importSession } from "../../gateway/dtls/session_state.ts";
import {
  bytes,
  clientSends,
  connect,
  delivered,
  kinds,
  makeClient,
  makeServer,
  pair,
  pump,
  route,
  seededRandom,
} from "./harness.ts";

function established() {
  const p = pair(makeServer(), makeClient());
  connect(p);
  const e = p.serverEffects.find((x) => x.kind === "established");
  assert.ok(e && e.kind === "established");
  return { p, session: e.session };
}

Deno.test("a replayed application record is delivered once", () => {
  const { p } = established();
  clientSends(p, bytes("once"));
  const datagram = p.wire[0].data;
  pump(p, 1);
  for (let i = 0; i < 3; i++) serverReceive(p.server, p.clientAddress, datagram, 2);
  route(p, "server", serverReceive(p.server, p.clientAddress, datagram, 2));
  assert.deepEqual(delivered(p.serverEffects), ["once"]);
});

Deno.test("truncated, tampered and garbage records are dropped without effects or crash", () => {
  const { p, session } = established();
  clientSends(p, bytes("payload"));
  const good = p.wire.shift()!.data;
  const random = seededRandom(21);
  const inputs: Uint8Array[] = [new Uint8Array(0), new Uint8Array([0x17]), good.subarray(0, 12)];
  for (let n = 13; n < good.length; n += 3) inputs.push(good.subarray(0, n));
  for (let i = 0; i < good.length; i++) {
    const bad = good.slice();
    bad[i] ^= 0x01;
    inputs.push(bad);
  }
  for (let i = 0; i < 3000; i++) {
    const junk = random(1 + (i % 120));
    if (i % 3 === 0) junk[0] = 22 + (i % 4); // plausible content types
    if (i % 2 === 0) {
      junk[1] = 0xfe;
      junk[2] = 0xfd;
    }
    inputs.push(junk);
  }
  for (const data of inputs) {
    for (const address of [p.clientAddress, "10.9.9.9:9"]) {
      const effects = serverReceive(p.server, address, data, 3);
      // Garbage may at most earn a stateless HelloVerifyRequest, never a delivery.
      assert.ok(effects.every((e) => e.kind === "send"), kinds(effects).join());
    }
  }
  assert.equal(p.server.bySession.size, 1);
  assert.equal(p.server.handshaking.size, 0);
  assert.equal(p.server.bySession.get(session)!.phase, "established");
  route(p, "server", serverReceive(p.server, p.clientAddress, good, 4));
  assert.deepEqual(delivered(p.serverEffects), ["payload"], "the genuine record still counts");
});

Deno.test("plaintext alerts cannot end an established session", () => {
  const { p, session } = established();
  const fatal = encodeRecord(
    { type: 21, version: 0xfefd, epoch: 0, seq: 99, cid: null },
    new Uint8Array([2, 40]),
  );
  serverReceive(p.server, p.clientAddress, fatal, 5);
  assert.equal(p.server.bySession.get(session)?.phase, "established");
});

Deno.test("a HelloVerifyRequest flood from 5000 spoofed ports keeps no state", () => {
  const server = makeServer();
  const random = seededRandom(31);
  let hvrs = 0;
  for (let port = 1; port <= 5000; port++) {
    const hello = encodeClientHello({
      version: 0xfefd,
      random: random(32),
      sessionId: new Uint8Array(0),
      cookie: new Uint8Array(0),
      suites: [0xc0a8],
      compression: new Uint8Array([0]),
      extensions: [],
    });
    const record = encodeRecord(
      { type: 22, version: 0xfefd, epoch: 0, seq: 0, cid: null },
      encodeHandshake(1, 0, hello),
    );
    const out = serverReceive(server, `203.0.113.7:${port}`, record, port);
    hvrs += out.filter((e) => e.kind === "send").length;
  }
  assert.equal(hvrs, 5000);
  assert.equal(server.byAddress.size, 0);
  assert.equal(server.handshaking.size, 0);
  assert.equal(server.perIp.size, 0);
  assert.equal(server.stats.helloVerifyRequests, 5000);
});

Deno.test("handshakes beyond the total or per-IP limit are refused silently", () => {
  const server = makeServer({ limits: { maxHandshakes: 3, maxHandshakesPerIp: 2 } });
  const started = (address: string, seed: number) => {
    const p = pair(server, makeClient({ random: seededRandom(seed) }), address);
    route(p, "client", clientConnect(p.client, 0));
    // Deliver hello, HVR, hello with cookie; stop before the client's key exchange.
    pump(p, 0, () => false, 3);
    return p;
  };
  started("10.0.0.1:1", 1);
  started("10.0.0.1:2", 2);
  const third = started("10.0.0.1:3", 3);
  assert.equal(server.handshaking.size, 2, "per-IP limit");
  assert.equal(third.wire.length, 0, "no ServerHello for the third");
  started("10.0.0.2:1", 4);
  started("10.0.0.3:1", 5);
  assert.equal(server.handshaking.size, 3, "total limit");
  assert.equal(server.stats.refusedByLimit, 2);
});

Deno.test("an idle session is forgotten after the idle timeout", () => {
  const p = pair(makeServer({ limits: { idleTimeoutMs: 60_000 } }), makeClient());
  connect(p);
  assert.deepEqual(kinds(serverTick(p.server, 30_000)).filter((k) => k === "closed"), []);
  const out = serverTick(p.server, 70_000);
  assert.ok(out.some((e) => e.kind === "closed" && e.reason === "idle"));
  assert.equal(p.server.bySession.size, 0);
});

Deno.test("write sequence numbers wait for their reservation; the next block is asked early", () => {
  const p = pair(makeServer({ reserveBlock: 10 }), makeClient());
  connect(p);
  const e = p.serverEffects.find((x) => x.kind === "established");
  assert.ok(e && e.kind === "established");
  const conn = p.server.bySession.get(e.session)!;
  assert.equal(conn.reservedUpTo, conn.seq1 + 10, "the first block comes with the session");
  const reserves: number[] = [];
  let sent = 0;
  for (let i = 0; i < 15; i++) {
    for (const x of serverSend(p.server, e.session, bytes(`m${i}`), 1)) {
      if (x.kind === "reserve") reserves.push(x.upTo);
      if (x.kind === "send") sent++;
    }
  }
  assert.equal(sent, 10, "seq 1..10 (seq 0 carried the Finished)");
  assert.deepEqual(reserves, [21], "asked once, at half the block");
  assert.equal(conn.queue.length, 5);
  const after = serverConfirmReserve(p.server, e.session, 21, 2);
  assert.equal(after.filter((x) => x.kind === "send").length, 5);
  assert.equal(conn.seq1, 16);
});

Deno.test("an exported session is restored above its reservation and keeps working", () => {
  const server = makeServer({ reserveBlock: 100 });
  const p = pair(server, makeClient({ cid: true }));
  connect(p);
  const e = p.serverEffects.find((x) => x.kind === "established");
  assert.ok(e && e.kind === "established");
  const conn = server.bySession.get(e.session)!;
  const stored = structuredClone(exportSession(conn, conn.reservedUpTo, "owner-1"));
  assert.equal(stored.reservedUpTo, 101, "seq 0 (Finished) + one block");

  const restarted = makeServer({ reserveBlock: 100, random: seededRandom(77) });
  const restored = importSession(restarted, stored, 10)!;
  assert.equal(restored.seq1, 101, "resumes at the stored reservation");
  assert.equal(restored.reservedUpTo, 201);
  const q = pair(restarted, p.client, p.clientAddress);
  clientSends(q, bytes("after restart"));
  pump(q, 11);
  assert.deepEqual(delivered(q.serverEffects), ["after restart"]);
  // The reply uses sequence number 101: never one the old process may have used.
  route(q, "server", serverSend(restarted, e.session, bytes("reply"), 12));
  pump(q, 12);
  assert.deepEqual(delivered(q.clientEffects), ["reply"]);
  assert.equal(p.client.conn.replay1.max, 101);
  // A record the old process had already received is refused by the restored window.
  const replayed = p.client.conn.seq1;
  p.client.conn.seq1 = stored.readMax;
  const old = sealRecord(p.client.conn, 23, 1, bytes("replayed"));
  p.client.conn.seq1 = replayed;
  assert.deepEqual(delivered(serverReceive(restarted, p.clientAddress, old, 13)), []);
});
