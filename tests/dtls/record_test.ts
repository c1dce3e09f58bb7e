/**
 * The DTLS record layer (RFC 6347 §4.1): header encode/decode and several records per datagram,
 * the RFC 9146 tls12_cid record format checked byte by byte against a record assembled by hand
 * from RFC 9146 §4-§5 (header, additional data) with the ciphertext of an independent CCM
 * implementation (OpenSSL under Node), the 64-entry anti-replay window (§4.1.2.6), and the
 * stateless cookie (§4.2.1).
 */

import assert from "node:assert/strict";
import { fromHex, toHex } from "../../gateway/dtls/bytes.ts";
import { additionalData, Ccm8Cipher } from "../../gateway/dtls/cipher.ts";
import { newConn, sealRecord } from "../../gateway/dtls/conn.ts";
import {
  createCookieKeys,
  makeCookie,
  rotateCookieKeys,
  verifyCookie,
} from "../../gateway/dtls/cookie.ts";
import type { ClientHello } from "../../gateway/dtls/messages.ts";
import { encodeRecord, joinRecords, parseRecords } from "../../gateway/dtls/record.ts";
import { createReplayWindow, replayAccept, replayCheck } from "../../gateway/dtls/replay.ts";
import { seededRandom } from "./harness.ts";

Deno.test("records encode to the 13-byte header and several parse from one datagram", () => {
  const a = encodeRecord(
    { type: 22, version: 0xfefd, epoch: 0, seq: 0x0102030405, cid: null },
    fromHex("aabb"),
  );
  assert.equal(toHex(a), "16fefd0000000102030405" + "0002aabb");
  const b = encodeRecord(
    { type: 20, version: 0xfefd, epoch: 0, seq: 2 ** 48 - 1, cid: null },
    fromHex("01"),
  );
  const records = parseRecords(joinRecords([a, b]), 0);
  assert.equal(records.length, 2);
  assert.equal(records[0].seq, 0x0102030405);
  assert.equal(records[1].seq, 2 ** 48 - 1);
  assert.deepEqual(records[1].fragment, fromHex("01"));
});

Deno.test("parseRecords keeps the records before a truncated or non-DTLS one", () => {
  const a = encodeRecord({ type: 22, version: 0xfefd, epoch: 0, seq: 1, cid: null }, fromHex("aa"));
  assert.equal(parseRecords(joinRecords([a, a.subarray(0, 10)]), 0).length, 1);
  const lying = a.slice();
  lying[12] = 200; // length beyond the datagram
  assert.equal(parseRecords(lying, 0).length, 0);
  assert.equal(parseRecords(fromHex("1603030000"), 0).length, 0); // TLS, not DTLS
  assert.equal(parseRecords(new Uint8Array(0), 0).length, 0);
  // A CID record when no CID is expected is not parsed.
  const cid = encodeRecord(
    { type: 25, version: 0xfefd, epoch: 1, seq: 1, cid: fromHex("01") },
    fromHex("aa"),
  );
  assert.equal(parseRecords(cid, 0).length, 0);
  assert.equal(parseRecords(cid, 1).length, 1);
});

Deno.test("a tls12_cid record matches the one assembled by hand from RFC 9146", () => {
  const key = fromHex("000102030405060708090a0b0c0d0e0f");
  const iv = fromHex("a0a1a2a3");
  const cid = fromHex("c1c2c3c4c5c6");
  const conn = newConn("client", "server", 0);
  conn.writeCipher = new Ccm8Cipher(key, iv);
  conn.peerCid = cid;
  conn.seq1 = 5;
  const record = sealRecord(conn, 23, 1, new TextEncoder().encode("hello"));
  // RFC 9146 §4: type 25 | version | epoch | seq | cid (no length byte) | length | enc_content.
  // enc_content = explicit nonce (epoch ‖ seq) ‖ CCM(DTLSInnerPlaintext = "hello" ‖ 23) ‖ tag.
  const expected = "19" + "fefd" + "0001" + "000000000005" + "c1c2c3c4c5c6" + "0016" +
    "0001000000000005" + "4498625bc0b1a356e3858170528a";
  assert.equal(toHex(record), expected);
  // RFC 9146 §5 additional data: 8 × ff ‖ 25 ‖ cid_length ‖ 25 ‖ version ‖ epoch ‖ seq ‖ cid ‖
  // length of DTLSInnerPlaintext.
  const ad = additionalData({ type: 25, version: 0xfefd, epoch: 1, seq: 5, cid }, 6);
  assert.equal(
    toHex(ad),
    "ffffffffffffffff" + "19" + "06" + "19" + "fefd" + "0001" + "000000000005" + "c1c2c3c4c5c6" +
      "0006",
  );
  const [parsed] = parseRecords(record, 6);
  assert.deepEqual(parsed.cid, cid);
  const inner = new Ccm8Cipher(key, iv).open(parsed, parsed.fragment)!;
  assert.deepEqual(inner, new Uint8Array([...new TextEncoder().encode("hello"), 23]));
});

Deno.test("the replay window accepts each number once, in any order within 64", () => {
  const w = createReplayWindow();
  const accept = (seq: number) => {
    if (!replayCheck(w, seq)) return false;
    replayAccept(w, seq);
    return true;
  };
  assert.equal(accept(0), true);
  assert.equal(accept(0), false);
  assert.equal(accept(5), true);
  assert.equal(accept(3), true);
  assert.equal(accept(3), false);
  assert.equal(accept(100), true);
  assert.equal(accept(36), false, "100 - 36 = 64: outside the window");
  assert.equal(accept(37), true, "the oldest number still inside");
  assert.equal(accept(37), false);
  assert.equal(accept(68), true, "a number in the high half of the bitmap");
  assert.equal(accept(68), false);
  assert.equal(accept(2 ** 48 - 2), true, "a jump far ahead clears the window");
  assert.equal(accept(100), false);
  assert.equal(accept(2 ** 48 - 3), true);
  assert.equal(accept(2 ** 48 - 2), false);
  // Exhaustive: every shift amount keeps exactly the numbers seen.
  for (let shift = 1; shift <= 70; shift++) {
    const v = createReplayWindow();
    for (const s of [10, 11, 40]) replayAccept(v, s);
    replayAccept(v, 40 + shift);
    for (const s of [10, 11, 40, 40 + shift]) {
      assert.equal(replayCheck(v, s), false, `shift ${shift}: ${s} seen`);
    }
    for (const s of [12, 39, 41]) {
      if (40 + shift - s < 64 && s !== 40 + shift) {
        assert.equal(replayCheck(v, s), true, `shift ${shift}: ${s} new`);
      }
    }
  }
});

Deno.test("cookies verify for the same address and hello only, across one rotation", () => {
  const random = seededRandom(3);
  const keys = createCookieKeys(random(32), 0, 60_000);
  const hello: ClientHello = {
    version: 0xfefd,
    random: random(32),
    sessionId: new Uint8Array(0),
    cookie: new Uint8Array(0),
    suites: [0xc0a8],
    compression: new Uint8Array([0]),
    extensions: [],
  };
  const cookie = makeCookie(keys, "10.0.0.1:5000", hello);
  const withCookie = { ...hello, cookie };
  assert.equal(verifyCookie(keys, "10.0.0.1:5000", withCookie), true);
  assert.equal(verifyCookie(keys, "10.0.0.1:5001", withCookie), false, "another port");
  assert.equal(verifyCookie(keys, "10.0.0.1:5000", { ...withCookie, random: random(32) }), false);
  assert.equal(verifyCookie(keys, "10.0.0.1:5000", { ...withCookie, suites: [0x00ae] }), false);
  rotateCookieKeys(keys, random(32), 60_000, 60_000);
  assert.equal(verifyCookie(keys, "10.0.0.1:5000", withCookie), true, "previous secret");
  rotateCookieKeys(keys, random(32), 120_000, 60_000);
  assert.equal(verifyCookie(keys, "10.0.0.1:5000", withCookie), false, "two rotations later");
});
