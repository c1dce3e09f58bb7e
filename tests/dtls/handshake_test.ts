/**
 * The DTLS 1.2 PSK handshake between our client and server cores in memory with literal times
 * (RFC 6347 §4.2; security.md §3.2): cookie exchange, both cipher suites and the server's CCM_8
 * preference, application data both ways, flight retransmission on timeout and on demand,
 * session resumption (RFC 5246 §7.3), wrong key and unknown identity, an identity with both a
 * server and a bootstrap key, close_notify and refused renegotiation.
 */

import assert from "node:assert/strict";
import {
  clientClose,
  clientConnect,
  clientSession,
  createDtlsClient,
} from "../../gateway/dtls/client.ts";
import { clientSend } from "../../gateway/dtls/client.ts";
import {
  TLS_PSK_WITH_AES_128_CBC_SHA256,
  TLS_PSK_WITH_AES_128_CCM_8,
} from "../../gateway/dtls/constants.ts";
import { sealRecord } from "../../gateway/dtls/conn.ts";
import { encodeClientHello, encodeHandshake } from "../../gateway/dtls/messages.ts";
import { parseRecords } from "../../gateway/dtls/record.ts";
import { serverReceive, sessionInfo } from "../../gateway/dtls/server.ts";
import {
  bytes,
  clientSends,
  connect,
  delivered,
  KEY,
  kinds,
  makeClient,
  makeServer,
  pair,
  pskTable,
  pump,
  route,
  seededRandom,
  serverSends,
  ticks,
} from "./harness.ts";

function sessionOf(p: ReturnType<typeof pair>): string {
  const e = p.serverEffects.find((x) => x.kind === "established");
  assert.ok(e && e.kind === "established", `no session: ${kinds(p.serverEffects)}`);
  return e.session;
}

Deno.test("a full handshake starts with a HelloVerifyRequest and carries data both ways", () => {
  const p = pair(makeServer(), makeClient());
  route(p, "client", clientConnect(p.client, 0));
  pump(p, 0, () => false, 1); // only the first ClientHello
  assert.equal(p.wire.length, 1);
  const [hvr] = parseRecords(p.wire[0].data, 0);
  assert.equal(hvr.fragment[0], 3, "HelloVerifyRequest");
  assert.equal(p.server.byAddress.size, 0, "no state before the cookie");
  pump(p, 0);
  assert.equal(p.client.conn.phase, "established");
  const session = sessionOf(p);
  assert.equal(p.client.conn.session, session);
  assert.equal(p.client.conn.suite, TLS_PSK_WITH_AES_128_CCM_8, "CCM_8 preferred");
  assert.equal(p.client.conn.ems, true, "extended master secret");
  const info = sessionInfo(p.server, session)!;
  assert.equal(info.endpoint, "ep1");
  assert.equal(info.role, "server");
  assert.equal(new TextDecoder().decode(info.identity), "dev1");
  clientSends(p, bytes("up"));
  serverSends(p, session, bytes("down"));
  pump(p, 1);
  assert.deepEqual(delivered(p.serverEffects), ["up"]);
  assert.deepEqual(delivered(p.clientEffects), ["down"]);
});

Deno.test("TLS_PSK_WITH_AES_128_CBC_SHA256 works when it is all the client offers", () => {
  const p = pair(
    makeServer(),
    makeClient({ suites: [TLS_PSK_WITH_AES_128_CBC_SHA256], ems: false }),
  );
  connect(p);
  assert.equal(p.client.conn.suite, TLS_PSK_WITH_AES_128_CBC_SHA256);
  assert.equal(p.client.conn.ems, false);
  const session = sessionOf(p);
  for (let i = 0; i < 5; i++) clientSends(p, bytes(`m${i}`.repeat(i * 7)));
  serverSends(p, session, bytes("ok"));
  pump(p, 1);
  assert.equal(delivered(p.serverEffects).length, 5);
  assert.deepEqual(delivered(p.clientEffects), ["ok"]);
});

Deno.test("data sent before the handshake ends waits and then goes out", () => {
  const p = pair(makeServer(), makeClient());
  route(p, "client", clientConnect(p.client, 0));
  clientSends(p, bytes("early"));
  pump(p, 0);
  assert.deepEqual(delivered(p.serverEffects), ["early"]);
});

Deno.test("lost flights are retransmitted on timeout (RFC 6347 §4.2.4)", () => {
  const p = pair(makeServer(), makeClient());
  route(p, "client", clientConnect(p.client, 0));
  let dropped = 0;
  // Drop the server's ServerHello flight once.
  pump(p, 0, (d) => {
    const [r] = parseRecords(d.data, 0);
    if (r?.type === 22 && r.fragment[0] === 2 && dropped === 0) return ++dropped > 0;
    return false;
  });
  assert.equal(dropped, 1);
  assert.equal(p.client.conn.phase, "handshake");
  ticks(p, 999);
  assert.equal(p.wire.length, 0, "nothing before the 1 s timer");
  ticks(p, 1000); // both sides time out: the client repeats its hello, the server its flight
  assert.equal(p.wire.length, 2);
  pump(p, 1000);
  assert.equal(p.client.conn.phase, "established");
  assert.ok(sessionOf(p));
});

Deno.test("a lost final flight is repeated when the client repeats its Finished flight", () => {
  const p = pair(makeServer(), makeClient());
  route(p, "client", clientConnect(p.client, 0));
  let dropped = false;
  pump(p, 0, (d) => {
    const [r] = parseRecords(d.data, 0);
    if (d.to === "client" && r?.type === 20 && !dropped) return dropped = true; // CCS+Finished
    return false;
  });
  assert.equal(p.server.bySession.size, 1, "the server is done");
  assert.equal(p.client.conn.phase, "handshake");
  ticks(p, 1000);
  pump(p, 1000);
  assert.equal(p.client.conn.phase, "established");
});

Deno.test("a handshake whose peer stays silent is abandoned after the retransmissions", () => {
  const p = pair(
    makeServer({ timing: { maxRetransmits: 2 } }),
    makeClient({ timing: { maxRetransmits: 2 } }),
  );
  route(p, "client", clientConnect(p.client, 0));
  p.wire.length = 0;
  // Timers double: 1 s, then 2 s, then the handshake is given up after the second repeat.
  for (const [t, sends] of [[999, 0], [1000, 1], [2999, 0], [3000, 1], [6999, 0]] as const) {
    ticks(p, t);
    assert.equal(p.wire.length, sends, `at ${t} ms`);
    p.wire.length = 0;
  }
  ticks(p, 7000);
  assert.equal(p.client.conn.phase, "closed");
  assert.match(p.client.endReason ?? "", /timed out/);
  assert.deepEqual(kinds(p.clientEffects).filter((k) => k !== "send"), ["failed"]);
});

Deno.test("a session is resumed with an abbreviated handshake and keeps its id", () => {
  const server = makeServer();
  const first = pair(server, makeClient());
  connect(first);
  const session = sessionOf(first);
  const saved = clientSession(first.client)!;
  const again = pair(
    server,
    makeClient({ resume: saved, random: seededRandom(99) }),
    "10.0.0.9:1234",
  );
  connect(again, 5);
  assert.equal(again.client.conn.phase, "established");
  assert.equal(again.client.resumed, true);
  const e = again.serverEffects.find((x) => x.kind === "established");
  assert.deepEqual(e, { kind: "established", session, resumed: true });
  assert.equal(server.stats.resumptions, 1);
  // The old connection gave the session up: one owner at a time.
  assert.ok(again.serverEffects.some((x) => x.kind === "closed" && x.reason === "superseded"));
  assert.equal(server.bySession.get(session)!.address, "10.0.0.9:1234");
  clientSends(again, bytes("after resume"));
  pump(again, 6);
  assert.deepEqual(delivered(again.serverEffects), ["after resume"]);
});

Deno.test("resumption is refused (full handshake) once the identity's key changed", () => {
  let key = KEY;
  const server = makeServer({
    psk: (id) =>
      new TextDecoder().decode(id) === "dev1"
        ? { key, endpoint: "ep1", role: "server" }
        : undefined,
  });
  const first = pair(server, makeClient());
  connect(first);
  const saved = clientSession(first.client)!;
  key = Uint8Array.fromHex("ffeeddccbbaa99887766554433221100");
  const again = pair(server, makeClient({ resume: saved, psk: key }), "10.0.0.9:1234");
  connect(again);
  assert.equal(again.client.conn.phase, "established");
  assert.equal(again.client.resumed, false);
});

Deno.test("a wrong key fails the handshake with decrypt_error on both sides", () => {
  const p = pair(
    makeServer(),
    makeClient({ psk: Uint8Array.fromHex("00112233445566778899aabbccddeefe") }),
  );
  connect(p);
  assert.equal(p.client.conn.phase, "closed");
  assert.equal(p.client.endReason, "fatal alert 51 from the peer");
  const failed = p.serverEffects.find((e) => e.kind === "failed");
  assert.ok(failed && failed.kind === "failed" && /wrong PSK/.test(failed.reason));
  assert.equal(p.server.byAddress.size, 0);
  assert.equal(p.server.handshaking.size, 0);
});

Deno.test("an unknown identity fails with unknown_psk_identity", () => {
  const p = pair(makeServer(), makeClient({ identity: bytes("nobody") }));
  connect(p);
  assert.equal(p.client.endReason, "fatal alert 115 from the peer");
  assert.equal(p.server.stats.handshakesFailed, 1);
});

Deno.test("an identity with a server and a bootstrap key authenticates with either", () => {
  const bootstrapKey = Uint8Array.fromHex("0102030405060708090a0b0c0d0e0f10");
  const psk = pskTable({
    dev1: [
      { key: KEY, endpoint: "ep1", role: "server" },
      { key: bootstrapKey, endpoint: "ep1", role: "bootstrap" },
    ],
  });
  for (const [key, role] of [[KEY, "server"], [bootstrapKey, "bootstrap"]] as const) {
    const p = pair(makeServer({ psk }), makeClient({ psk: key }));
    connect(p);
    assert.equal(p.client.conn.phase, "established", role);
    assert.equal(sessionInfo(p.server, sessionOf(p))!.role, role);
  }
});

Deno.test("close_notify ends the session on both sides", () => {
  const p = pair(makeServer(), makeClient());
  connect(p);
  const session = sessionOf(p);
  route(p, "client", clientClose(p.client, 1));
  pump(p, 1);
  assert.ok(
    p.serverEffects.some((e) =>
      e.kind === "closed" && e.session === session && e.reason === "close_notify"
    ),
  );
  assert.equal(p.server.bySession.size, 0);
});

Deno.test("renegotiation is refused with a no_renegotiation warning; the session stays", () => {
  const p = pair(makeServer(), makeClient());
  connect(p);
  const session = sessionOf(p);
  p.serverEffects.length = 0;
  // A ClientHello inside the session (epoch 1).
  const hello = encodeClientHello({
    version: 0xfefd,
    random: new Uint8Array(32),
    sessionId: new Uint8Array(0),
    cookie: new Uint8Array(0),
    suites: [0xc0a8],
    compression: new Uint8Array([0]),
    extensions: [],
  });
  const record = sealRecord(p.client.conn, 22, 1, encodeHandshake(1, 10, hello));
  route(p, "server", serverReceive(p.server, p.clientAddress, record, 2));
  assert.equal(p.wire.length, 1, "one alert");
  const [alert] = parseRecords(p.wire[0].data, 0);
  assert.equal(alert.type, 21);
  const plain = p.client.conn.readCipher!.open(alert, alert.fragment)!;
  assert.deepEqual([...plain], [1, 100], "warning no_renegotiation");
  pump(p, 2);
  assert.equal(p.client.conn.phase, "established");
  assert.equal(p.server.bySession.get(session)!.phase, "established");
});

Deno.test("the client refuses a suite it did not offer", () => {
  // A server that only speaks CBC, a client that only offers CCM_8: no common suite.
  const p = pair(
    makeServer({ suites: [TLS_PSK_WITH_AES_128_CBC_SHA256] }),
    makeClient({ suites: [TLS_PSK_WITH_AES_128_CCM_8] }),
  );
  connect(p);
  assert.equal(p.client.endReason, "fatal alert 40 from the peer");
});

Deno.test("the client core can be created and used with literal times only", () => {
  const c = createDtlsClient({ identity: bytes("a"), psk: KEY, random: seededRandom(5) }, "s:1", 0);
  const out = clientConnect(c, 0);
  assert.deepEqual(kinds(out), ["send"]);
  assert.deepEqual(kinds(clientSend(c, bytes("x"), 0)), []);
});
