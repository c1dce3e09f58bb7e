/**
 * Our DTLS client transport (gateway/transport/dtls_client.ts) against the gateway over real
 * loopback UDP (issue 8): Register and Update over coaps; RFC 9146 CID: the client moves to a new
 * source port mid-session and keeps working without a new handshake; a HelloVerifyRequest flood
 * from many source ports leaves no state; and restarts: after a crash (SIGKILL) the restored
 * session answers without a new handshake, after a clean stop (SIGTERM, close_notify) the client
 * resumes with an abbreviated handshake and its Update is accepted (same peer, no re-Register).
 */

import assert from "node:assert/strict";
import { loadCodec } from "../../codec-wasm/mod.ts";
import { CoapEngine } from "../../gateway/coap_engine.ts";
import { encodeClientHello, encodeHandshake } from "../../gateway/dtls/messages.ts";
import { encodeRecord } from "../../gateway/dtls/record.ts";
import { dtlsClientTransport } from "../../gateway/transport/dtls_client.ts";
import { coapsGateway, locationOf, PSK, registerRequest, updateRequest } from "./dtls_helpers.ts";
import { sleep, waitFor } from "./helpers.ts";

const codec = await loadCodec();
const CREATED = 65, CHANGED = 68;

function client(port: number, identity: string, cid: boolean) {
  const transport = dtlsClientTransport("127.0.0.1", port, { identity, key: PSK, cid });
  const engine = new CoapEngine(codec, transport, {
    params: { ackTimeoutMs: 500, maxRetransmit: 2 },
  });
  const peer = `127.0.0.1:${port}`;
  return { transport, engine, peer };
}

async function request(c: ReturnType<typeof client>, req: Parameters<CoapEngine["request"]>[1]) {
  const r = await c.engine.request(c.peer, req, 5000);
  assert.equal(r.kind, "response", JSON.stringify(r));
  return r.kind === "response" ? r.response : (undefined as never);
}

Deno.test("our client registers and updates over coaps; with CID a new source port keeps the session", async () => {
  const { gateway, dtlsEvents } = await coapsGateway([{ endpoint: "lamp", identity: "lamp-id" }]);
  const c = client(gateway.coapsPort!, "lamp-id", true);
  try {
    const created = await request(c, registerRequest("lamp"));
    assert.equal(created.code, CREATED);
    const location = locationOf(created.options);
    const registration = gateway.server!.get("lamp")!;
    assert.equal(registration.secure, true);
    const firstPort = c.transport.port;
    await c.transport.rebind();
    assert.notEqual(c.transport.port, firstPort);
    const updated = await request(c, updateRequest(location));
    assert.equal(updated.code, CHANGED, "the Update from the new port is the same peer");
    assert.equal(c.transport.handshakes, 1, "no new handshake");
    assert.equal(gateway.dtls!.core.stats.handshakesCompleted, 1);
    const moved = dtlsEvents.find((e) => e.kind === "addressChanged");
    assert.equal(moved?.address, `127.0.0.1:${c.transport.port}`);
    assert.equal(gateway.dtls!.addressOf(registration.address), `127.0.0.1:${c.transport.port}`);
    // The server can still reach the device at its new address (a Read of /3/0).
    c.engine.handle("3", () => ({ code: 69, payload: new TextEncoder().encode("device") }));
    const read = await gateway.server!.engine.request(registration.address, {
      code: 1,
      options: [{ number: 11, value: new TextEncoder().encode("3") }],
    }, 5000);
    assert.equal(read.kind, "response");
  } finally {
    await c.engine.close();
    await gateway.stop();
  }
});

Deno.test("without CID a new source port needs a new session", async () => {
  const { gateway } = await coapsGateway([{ endpoint: "lamp", identity: "lamp-id" }]);
  const c = client(gateway.coapsPort!, "lamp-id", false);
  try {
    assert.equal((await request(c, registerRequest("lamp"))).code, CREATED);
    await c.transport.rebind();
    const r = await c.engine.request(c.peer, registerRequest("lamp"), 1500);
    assert.equal(r.kind, "timeout", "the server drops records from an unknown address");
  } finally {
    await c.engine.close();
    await gateway.stop();
  }
});

Deno.test("a HelloVerifyRequest flood from 300 source ports leaves no handshake state", async () => {
  const { gateway } = await coapsGateway([]);
  const sockets: Deno.DatagramConn[] = [];
  try {
    for (let i = 0; i < 300; i++) {
      sockets.push(Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 }));
    }
    const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: gateway.coapsPort! };
    const core = gateway.dtls!.core;
    for (const [i, s] of sockets.entries()) {
      // In bursts of 25 the kernel's receive buffer does not drop any.
      if (i % 25 === 0) {
        await waitFor(() => core.stats.helloVerifyRequests >= i, `${i} HVRs`, 10_000);
      }
      const hello = encodeClientHello({
        version: 0xfefd,
        random: crypto.getRandomValues(new Uint8Array(32)),
        sessionId: new Uint8Array(0),
        cookie: new Uint8Array(0),
        suites: [0xc0a8],
        compression: new Uint8Array([0]),
        extensions: [],
      });
      await s.send(
        encodeRecord(
          { type: 22, version: 0xfefd, epoch: 0, seq: i, cid: null },
          encodeHandshake(1, 0, hello),
        ),
        to,
      );
    }
    await waitFor(() => core.stats.helloVerifyRequests >= 300, "300 HelloVerifyRequests", 10_000);
    const [reply] = await sockets[299].receive();
    assert.equal(reply[13], 3, "a HelloVerifyRequest");
    assert.equal(core.byAddress.size, 0);
    assert.equal(core.handshaking.size, 0);
    assert.equal(core.perIp.size, 0);
    // A legitimate client still gets in.
    await gateway.security.put("lamp", { mode: "psk", identity: "lamp-id", key: PSK });
    const c = client(gateway.coapsPort!, "lamp-id", false);
    try {
      assert.equal((await request(c, registerRequest("lamp"))).code, CREATED);
    } finally {
      await c.engine.close();
    }
  } finally {
    for (const s of sockets) s.close();
    await gateway.stop();
  }
});

/** A gateway child process; resolves once it printed its ports. */
async function child(args: string[]) {
  const script = new URL("./dtls_gateway_child.ts", import.meta.url).pathname;
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  const deadline = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  clearTimeout(deadline);
  const m = out.match(/coaps=(\d+)/);
  assert.ok(m, `no listening line: ${out}`);
  return {
    port: Number(m[1]),
    async stop(signal: Deno.Signal) {
      proc.kill(signal);
      await proc.status;
      await reader.cancel().catch(() => {});
    },
  };
}

Deno.test("a gateway restart keeps DTLS sessions: no handshake after a crash, resumption after a stop", async () => {
  const dir = await Deno.makeTempDir();
  const args = (port: number) => [
    "--coap-port",
    "off",
    "--coaps-port",
    String(port),
    "--http-port",
    "0",
    "--host",
    "127.0.0.1",
    "--store",
    `file:${dir}/gw.db`,
  ];
  let gw = await child(args(0));
  const port = gw.port;
  const c = client(port, "lamp-id", true);
  try {
    const created = await request(c, registerRequest("lamp", 600));
    assert.equal(created.code, CREATED);
    const location = locationOf(created.options);
    await sleep(200); // let the store write the session
    await gw.stop("SIGKILL"); // a crash: no close_notify, nothing flushed on purpose
    gw = await child(args(port));
    const updated = await request(c, updateRequest(location));
    assert.equal(updated.code, CHANGED, "restored session and registration");
    assert.equal(c.transport.handshakes, 1, "no new handshake after the crash");

    await gw.stop("SIGTERM"); // a clean stop sends close_notify
    await waitFor(() => c.transport.handshakes === 1 && !c.transport.resumed, "close_notify", 2000)
      .catch(() => {});
    gw = await child(args(port));
    const again = await request(c, updateRequest(location));
    assert.equal(again.code, CHANGED, "the resumed session is the same peer: Update accepted");
    assert.equal(c.transport.handshakes, 2);
    assert.equal(c.transport.resumed, true, "abbreviated handshake");
  } finally {
    await c.engine.close();
    await gw.stop("SIGTERM");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a bootstrap PSK may not Register, and a server PSK may not bootstrap (roles kept apart)", async () => {
  const { gateway } = await coapsGateway([
    { endpoint: "bs-only", identity: "bs-only-id", role: "bootstrap" },
    { endpoint: "srv-only", identity: "srv-only-id", role: "server" },
  ]);
  const bs = client(gateway.coapsPort!, "bs-only-id", false);
  const srv = client(gateway.coapsPort!, "srv-only-id", false);
  try {
    const refused = await request(bs, registerRequest("bs-only"));
    assert.equal(refused.code, 128, "4.00 for a Register over a bootstrap session");
    assert.equal(gateway.server!.get("bs-only"), undefined);
    const te = new TextEncoder();
    const bootstrap = await request(srv, {
      code: 2,
      options: [{ number: 11, value: te.encode("bs") }, {
        number: 15,
        value: te.encode("ep=srv-only"),
      }],
    });
    assert.equal(bootstrap.code, 128, "4.00 for a Bootstrap-Request over a server session");
  } finally {
    await bs.engine.close();
    await srv.engine.close();
    await gateway.stop();
  }
});
