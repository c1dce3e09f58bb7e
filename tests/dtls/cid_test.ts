/**
 * RFC 9146 Connection ID in the cores: negotiation through the connection_id extension, records
 * of type tls12_cid routed by CID instead of address, the peer address updated only after a newer
 * record authenticated (§6), and without a CID an address change loses the association
 * (security.md §4).
 */

import assert from "node:assert/strict";
import { parseRecords } from "../../gateway/dtls/record.ts";
import { serverReceive } from "../../gateway/dtls/server.ts";
import {
  bytes,
  clientSends,
  connect,
  delivered,
  makeClient,
  makeServer,
  pair,
  pump,
  route,
  serverSends,
} from "./harness.ts";

Deno.test("CID is negotiated and client records use the tls12_cid type", () => {
  const p = pair(makeServer(), makeClient({ cid: true }));
  connect(p);
  assert.equal(p.client.conn.peerCid?.length, 6, "the server's CID");
  assert.equal(p.client.conn.ownCid, null, "the client asked for none");
  clientSends(p, bytes("x"));
  const [record] = parseRecords(p.wire[0].data, 6);
  assert.equal(record.type, 25);
  assert.deepEqual(record.cid, p.client.conn.peerCid);
});

Deno.test("a client that moves keeps its session: routed by CID, address updated", () => {
  const p = pair(makeServer(), makeClient({ cid: true }));
  connect(p);
  const e = p.serverEffects.find((x) => x.kind === "established");
  assert.ok(e && e.kind === "established");
  p.clientAddress = "192.0.2.50:61000"; // the NAT picked a new port
  clientSends(p, bytes("from the new address"));
  pump(p, 1);
  assert.deepEqual(delivered(p.serverEffects), ["from the new address"]);
  assert.ok(
    p.serverEffects.some((x) =>
      x.kind === "addressChanged" && x.session === e.session && x.address === "192.0.2.50:61000"
    ),
  );
  assert.equal(p.server.stats.handshakesCompleted, 1, "no new handshake");
  const sends: string[] = [];
  for (const x of serverSendsCapture(p, e.session)) sends.push(x);
  assert.deepEqual(sends, ["192.0.2.50:61000"], "replies go to the new address");
});

function serverSendsCapture(p: ReturnType<typeof pair>, session: string): string[] {
  const before = p.serverEffects.length;
  serverSends(p, session, bytes("reply"));
  return p.serverEffects.slice(before).flatMap((x) => x.kind === "send" ? [x.address] : []);
}

Deno.test("an older record from a new address does not move the session (RFC 9146 §6)", () => {
  const p = pair(makeServer(), makeClient({ cid: true }));
  connect(p);
  clientSends(p, bytes("first"));
  const older = p.wire.shift()!.data;
  clientSends(p, bytes("second"));
  pump(p, 1);
  route(p, "server", serverReceive(p.server, "198.51.100.1:1", older, 2));
  assert.deepEqual(delivered(p.serverEffects), ["second", "first"]);
  assert.ok(!p.serverEffects.some((x) => x.kind === "addressChanged"));
});

Deno.test("a tampered CID record from a new address neither delivers nor moves the session", () => {
  const p = pair(makeServer(), makeClient({ cid: true }));
  connect(p);
  clientSends(p, bytes("x"));
  const bad = p.wire.shift()!.data.slice();
  bad[bad.length - 1] ^= 1;
  route(p, "server", serverReceive(p.server, "198.51.100.1:1", bad, 2));
  assert.deepEqual(delivered(p.serverEffects), []);
  assert.ok(!p.serverEffects.some((x) => x.kind === "addressChanged"));
});

Deno.test("without CID, records from a new address are dropped (the association is lost)", () => {
  const p = pair(makeServer(), makeClient({ cid: false }));
  connect(p);
  assert.equal(p.client.conn.peerCid, null);
  p.clientAddress = "192.0.2.50:61000";
  clientSends(p, bytes("lost"));
  pump(p, 1);
  assert.deepEqual(delivered(p.serverEffects), []);
});

Deno.test("a server with CID disabled ignores the extension", () => {
  const p = pair(makeServer({ cidLength: 0 }), makeClient({ cid: true }));
  connect(p);
  assert.equal(p.client.conn.phase, "established");
  assert.equal(p.client.conn.peerCid, null);
  clientSends(p, bytes("plain"));
  pump(p, 1);
  assert.deepEqual(delivered(p.serverEffects), ["plain"]);
});
