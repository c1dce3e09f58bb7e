/**
 * Crypto primitives of the DTLS core (gateway/dtls): SHA-256 (FIPS 180-4 examples), HMAC-SHA256
 * (RFC 4231 case 2), AES-128 (FIPS 197 Appendix C.1), AES-CCM (RFC 3610 packet vectors 1 and 2,
 * M=8 L=2) and AES-128-CCM-8 with DTLS's 12-byte nonce (RFC 6655; vector computed by OpenSSL's
 * CCM under Node), plus differential checks against node:crypto for random inputs.
 */

import assert from "node:assert/strict";
import * as nodeCrypto from "node:crypto";
import { Aes128 } from "../../gateway/dtls/aes.ts";
import { fromHex, toHex } from "../../gateway/dtls/bytes.ts";
import { AesCcm } from "../../gateway/dtls/ccm.ts";
import { CbcSha256Cipher, Ccm8Cipher } from "../../gateway/dtls/cipher.ts";
import { HmacSha256 } from "../../gateway/dtls/hmac.ts";
import { Sha256, sha256 } from "../../gateway/dtls/sha256.ts";
import { seededRandom } from "./harness.ts";

const te = new TextEncoder();

Deno.test("sha256 matches the FIPS 180-4 examples, whole and in pieces", () => {
  assert.equal(
    toHex(sha256(te.encode("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  const two = te.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
  assert.equal(
    toHex(sha256(two)),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
  const s = new Sha256();
  for (const b of two) s.update(new Uint8Array([b]));
  const copy = s.clone();
  assert.equal(toHex(s.digest()), toHex(sha256(two)));
  assert.equal(toHex(copy.update(te.encode("x")).digest()), toHex(sha256(two, te.encode("x"))));
  assert.equal(
    toHex(sha256(new Uint8Array(0))),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});

Deno.test("HMAC-SHA256 matches RFC 4231 test case 2 and node:crypto", () => {
  const mac = new HmacSha256(te.encode("Jefe")).mac(te.encode("what do ya want for nothing?"));
  assert.equal(toHex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const random = seededRandom(7);
  for (const [keyLength, dataLength] of [[16, 0], [32, 55], [48, 64], [64, 100], [100, 1000]]) {
    const key = random(keyLength), data = random(dataLength);
    const expected = nodeCrypto.createHmac("sha256", key).update(data).digest("hex");
    assert.equal(
      toHex(new HmacSha256(key).mac(data)),
      expected,
      `key ${keyLength} data ${dataLength}`,
    );
  }
});

Deno.test("AES-128 matches FIPS 197 C.1 and node:crypto aes-128-ecb both ways", () => {
  const aes = new Aes128(fromHex("000102030405060708090a0b0c0d0e0f"));
  const block = fromHex("00112233445566778899aabbccddeeff");
  const out = new Uint8Array(16);
  aes.encryptBlock(block, 0, out, 0);
  assert.equal(toHex(out), "69c4e0d86a7b0430d8cdb78070b4c55a");
  aes.decryptBlock(out, 0, out, 0);
  assert.equal(toHex(out), toHex(block));
  const random = seededRandom(9);
  for (let i = 0; i < 20; i++) {
    const key = random(16), plain = random(16);
    const cipher = nodeCrypto.createCipheriv("aes-128-ecb", key, null);
    cipher.setAutoPadding(false);
    const expected = toHex(cipher.update(plain));
    new Aes128(key).encryptBlock(plain, 0, out, 0);
    assert.equal(toHex(out), expected);
  }
});

Deno.test("AES-CCM matches RFC 3610 packet vectors 1 and 2 (M=8, L=2) and refuses a bad tag", () => {
  const ccm = new AesCcm(new Aes128(fromHex("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf")), 8, 2);
  const cases = [
    [
      "00000003020100a0a1a2a3a4a5",
      31,
      "588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0",
    ],
    [
      "00000004030201a0a1a2a3a4a5",
      32,
      "72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3ba091d56e10400916",
    ],
  ] as const;
  for (const [nonce, length, expected] of cases) {
    const packet = Uint8Array.from({ length }, (_, i) => i);
    const sealed = ccm.seal(fromHex(nonce), packet.subarray(0, 8), packet.subarray(8));
    assert.equal(toHex(sealed), expected);
    assert.deepEqual(ccm.open(fromHex(nonce), packet.subarray(0, 8), sealed), packet.subarray(8));
    sealed[sealed.length - 1] ^= 1;
    assert.equal(ccm.open(fromHex(nonce), packet.subarray(0, 8), sealed), null);
  }
});

Deno.test("AES-128-CCM-8 with a 12-byte nonce matches OpenSSL (RFC 6655 record nonce and AAD)", () => {
  // Key, write IV a0a1a2a3, explicit nonce = epoch 1 ‖ seq 5, AAD of an application_data record.
  const ccm = new AesCcm(new Aes128(fromHex("000102030405060708090a0b0c0d0e0f")), 8, 3);
  const nonce = fromHex("a0a1a2a3" + "0001000000000005");
  const aad = fromHex("000100000000000517fefd0005");
  const sealed = ccm.seal(nonce, aad, te.encode("hello"));
  assert.equal(toHex(sealed), "4498625bc0bdfdedef2cbf7c99");
  const longAad = fromHex("000100000000000517fefd0028");
  assert.equal(
    toHex(ccm.seal(nonce, longAad, new Uint8Array(40))),
    "2cfd0e37afa6c4331c3757e5932a5def7e88550bcbd3ad69b2052ecd1a5a09453802debf99120c659c5a9ca67bdf006c",
  );
});

Deno.test("record ciphers round-trip and reject any flipped bit", () => {
  const random = seededRandom(11);
  const meta = { type: 23, version: 0xfefd, epoch: 1, seq: 42, cid: null };
  const ciphers = [
    [new Ccm8Cipher(random(16), random(4)), 16],
    [new CbcSha256Cipher(random(16), random(32), random), 0],
  ] as const;
  for (const [cipher] of ciphers) {
    for (const length of [0, 1, 15, 16, 17, 100]) {
      const plain = random(length);
      const fragment = cipher.seal(meta, plain);
      assert.deepEqual(cipher.open(meta, fragment), plain);
      assert.equal(cipher.open({ ...meta, seq: 43 }, fragment), null, "seq is authenticated");
      for (let i = 0; i < fragment.length; i += 7) {
        const bad = fragment.slice();
        bad[i] ^= 0x20;
        // The CBC IV's first block only changes the first plaintext block, which the MAC covers.
        assert.equal(cipher.open(meta, bad), null, `byte ${i} of ${fragment.length}`);
      }
      assert.equal(cipher.open(meta, fragment.subarray(0, fragment.length - 1)), null);
    }
  }
});

Deno.test("CBC_SHA256 record protection matches node:crypto AES-CBC and HMAC", () => {
  const random = seededRandom(13);
  const key = random(16), macKey = random(32);
  const cipher = new CbcSha256Cipher(key, macKey, random);
  const meta = { type: 23, version: 0xfefd, epoch: 1, seq: 7, cid: null };
  const plain = te.encode("a CoAP message of some length");
  const fragment = cipher.seal(meta, plain);
  const decipher = nodeCrypto.createDecipheriv("aes-128-cbc", key, fragment.subarray(0, 16));
  decipher.setAutoPadding(false);
  const dec = new Uint8Array([...decipher.update(fragment.subarray(16)), ...decipher.final()]);
  const pad = dec[dec.length - 1];
  const body = dec.subarray(0, dec.length - pad - 1);
  assert.deepEqual(body.subarray(0, plain.length), plain);
  const header = fromHex("000100000000000717fefd" + plain.length.toString(16).padStart(4, "0"));
  const mac = nodeCrypto.createHmac("sha256", macKey).update(header).update(plain).digest("hex");
  assert.equal(toHex(body.subarray(plain.length)), mac);
});
