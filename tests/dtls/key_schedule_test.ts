/**
 * The TLS 1.2 PRF and the PSK key schedule (RFC 5246 §5, §6.3, §7.4.9, §8.1; RFC 4279 §2;
 * security.md §3.3): the premaster vector of security.md, the widely used P_SHA256 test vector,
 * and master secret / key block / verify_data values computed independently with Node's HMAC.
 */

import assert from "node:assert/strict";
import { fromHex, toHex } from "../../gateway/dtls/bytes.ts";
import { deriveKeyMaterial } from "../../gateway/dtls/cipher.ts";
import { TLS_PSK_WITH_AES_128_CCM_8 } from "../../gateway/dtls/constants.ts";
import { keyBlock, masterSecret, prf, pskPremaster, verifyData } from "../../gateway/dtls/prf.ts";
import { sha256 } from "../../gateway/dtls/sha256.ts";

Deno.test("pskPremaster of 01020304 is 0004 00000000 0004 01020304 (security.md §3.3)", () => {
  assert.equal(toHex(pskPremaster(fromHex("01020304"))), "000400000000000401020304");
});

Deno.test("prf matches the TLS 1.2 P_SHA256 test vector (100 bytes)", () => {
  const out = prf(
    fromHex("9bbe436ba940f017b17652849a71db35"),
    new TextEncoder().encode("test label"),
    fromHex("a0ba9f936cda311827a6f796ffd5198c"),
    100,
  );
  assert.equal(
    toHex(out),
    "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14ba" +
      "f9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a51" +
      "10fff70187347b66",
  );
});

Deno.test("master secret, key block and verify_data of a PSK session", () => {
  const clientRandom = new Uint8Array(32).fill(1);
  const serverRandom = new Uint8Array(32).fill(2);
  const master = masterSecret(pskPremaster(fromHex("01020304")), clientRandom, serverRandom);
  assert.equal(
    toHex(master),
    "d97705009d9ca84abf87f7cb509abb30047788d45e5ed982e723e2837ee69c065ac7d632ceab2971222520ec50012b7d",
  );
  const block = "331c69db8a31318d93444f2f3e422ede88bca973d6e49149c55aface37d1f3094776ef1fad05947a";
  assert.equal(toHex(keyBlock(master, clientRandom, serverRandom, 40)), block);
  const keys = deriveKeyMaterial(TLS_PSK_WITH_AES_128_CCM_8, master, clientRandom, serverRandom);
  assert.equal(toHex(keys.clientKey), block.slice(0, 32));
  assert.equal(toHex(keys.serverKey), block.slice(32, 64));
  assert.equal(toHex(keys.clientIv), block.slice(64, 72));
  assert.equal(toHex(keys.serverIv), block.slice(72, 80));
  const fin = verifyData(master, true, sha256(new TextEncoder().encode("x")));
  assert.equal(toHex(fin), "f24f6bcfeb872461aa2c3c63");
});
