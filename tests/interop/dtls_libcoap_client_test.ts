/**
 * Interop over loopback (issue 8): Debian libcoap 4.3.1's `coap-client-openssl` and
 * `coap-client-gnutls` with `-u identity -k key` complete a DTLS PSK handshake with the gateway's
 * coaps port and Register (2.01, LwM2M Core §6.2.1). A wrong key, an unknown identity and an `ep`
 * that is not the identity's endpoint are refused. libcoap exits 0 even when the handshake fails,
 * so the tests read its output (`-v 6` prints the response line). Skips when a binary is missing.
 */

import assert from "node:assert/strict";
import { missing, run } from "./helpers.ts";
import { coapsGateway, PSK_TEXT } from "./dtls_helpers.ts";

for (const client of ["coap-client-openssl", "coap-client-gnutls"]) {
  const ignore = missing(client, `DTLS interop with ${client}`);
  const register = (port: number, identity: string, key: string, ep: string) =>
    run(client, [
      "-v",
      "6",
      "-B",
      "10",
      "-m",
      "post",
      "-u",
      identity,
      "-k",
      key,
      "-t",
      "40",
      "-e",
      "</3/0>",
      `coaps://127.0.0.1:${port}/rd?ep=${ep}&lt=60`,
    ], 20_000);

  Deno.test({
    name: `${client} registers over coaps with its PSK and gets 2.01`,
    ignore,
    async fn() {
      const { gateway, events, dtlsEvents } = await coapsGateway([
        { endpoint: "lamp-1", identity: "lamp-1-id" },
      ]);
      try {
        const r = await register(gateway.coapsPort!, "lamp-1-id", PSK_TEXT, "lamp-1");
        assert.equal(r.timedOut, false);
        assert.match(r.stdout, /t:ACK c:2\.01 .*Location-Path:rd/, r.stdout + r.stderr);
        const registered = events.find((e) => e.type === "registered");
        assert.ok(registered, "registered event");
        const registration = gateway.server!.get("lamp-1")!;
        assert.equal(registration.secure, true);
        assert.match(registration.address, /^dtls:[0-9a-f]{32}$/);
        const established = dtlsEvents.find((e) => e.kind === "established");
        assert.equal(established?.suite, 0xc0a8, "TLS_PSK_WITH_AES_128_CCM_8");
        assert.equal(established?.endpoint, "lamp-1");
        assert.equal(established?.peer, registration.address);
      } finally {
        await gateway.stop();
      }
    },
  });

  Deno.test({
    name: `${client} with a wrong key, an unknown identity or another ep is refused`,
    ignore,
    async fn() {
      const { gateway, events } = await coapsGateway([
        { endpoint: "lamp-1", identity: "lamp-1-id" },
        { endpoint: "lamp-2", identity: "lamp-2-id" },
      ]);
      try {
        const port = gateway.coapsPort!;
        const wrongKey = await register(port, "lamp-1-id", "not-the-key", "lamp-1");
        assert.equal(wrongKey.code, 0, "libcoap exits 0 even so");
        assert.doesNotMatch(wrongKey.stdout, /c:2\.01/);
        assert.match(wrongKey.stdout + wrongKey.stderr, /decrypt|Alert '51'|alert/i);
        const unknown = await register(port, "nobody", PSK_TEXT, "lamp-1");
        assert.doesNotMatch(unknown.stdout, /c:2\.01/);
        assert.match(unknown.stdout + unknown.stderr, /unknown psk identity|Alert '115'|alert/i);
        const otherEp = await register(port, "lamp-1-id", PSK_TEXT, "lamp-2");
        assert.match(otherEp.stdout, /t:ACK c:4\.00 .*ep does not match the DTLS identity/);
        assert.deepEqual(events.filter((e) => e.type === "registered"), []);
        assert.equal(gateway.server!.get("lamp-1"), undefined);
        assert.equal(gateway.server!.get("lamp-2"), undefined);
      } finally {
        await gateway.stop();
      }
    },
  });
}
