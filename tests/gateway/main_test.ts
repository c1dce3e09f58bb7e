/**
 * End-to-end tests of the gateway CLI gateway/main.ts as a real process: run with the exact
 * permissions of the `start` task in deno.json, wait for the `listening ...` line, talk to its
 * sockets on loopback, and stop it with a signal (DESIGN.md §6 CLI contract).
 */

import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);

/** The `--allow-*` flags of the `start` task, so this test proves they are sufficient. */
async function startPermissions(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const start: string = config.tasks.start;
  return start.split(/\s+/).filter((t) => t.replaceAll("'", "").startsWith("--allow"))
    .map((t) => t.replaceAll("'", ""));
}

interface Gateway {
  child: Deno.ChildProcess;
  listening: string;
  stderr: () => string;
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

async function startGateway(args: string[], env: Record<string, string> = {}): Promise<Gateway> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...await startPermissions(), "gateway/main.ts", ...args],
    cwd: root,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let err = "";
  const errDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (err += chunk) }),
  );
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
  while (!out.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) break;
    out += value;
  }
  clearTimeout(deadline);
  const drain = (async () => {
    while (!(await lines.read()).done) { /* the gateway prints nothing more on stdout */ }
  })();
  const listening = out.split("\n")[0];
  return {
    child,
    listening,
    stderr: () => err,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* already exited */ }
      const status = await child.status;
      await Promise.all([drain, errDone]);
      return status;
    },
  };
}

function ports(listening: string): { coap: number; coaps: number | null; http: number } {
  const m = listening.match(/^listening coap=(\d+) coaps=(\d+|off) http=(\d+)$/);
  assert.ok(m, `unexpected first line: ${JSON.stringify(listening)}`);
  return { coap: Number(m[1]), coaps: m[2] === "off" ? null : Number(m[2]), http: Number(m[3]) };
}

async function metric(http: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
  const m = text.match(new RegExp(`^${name} (\\S+)$`, "m"));
  assert.ok(m, `${name} missing from /metrics`);
  return Number(m[1]);
}

// RFC 7252 §3: CON GET /3/0/0, MID 0x1234, token 7a, Accept 11542 (LwM2M TLV).
const CON_GET_3_0_0 = new Uint8Array([
  0x41,
  0x01,
  0x12,
  0x34,
  0x7a,
  0xb1,
  0x33,
  0x01,
  0x30,
  0x01,
  0x30,
  0x62,
  0x2d,
  0x16,
]);

Deno.test("gateway binds port 0 sockets, serves /healthz and /metrics, counts datagrams", async () => {
  const gw = await startGateway(
    ["--coap-port", "0", "--http-port", "0", "--host", "127.0.0.1", "--log-level", "debug"],
    { LWM2M_STORE: "memory", LWM2M_COAPS_PORT: "0" },
  );
  try {
    const { coap, coaps, http } = ports(gw.listening);
    assert.ok(coap > 0 && http > 0 && coaps !== null && coaps > 0 && coaps !== coap);

    const health = await fetch(`http://127.0.0.1:${http}/healthz`);
    assert.deepEqual(await health.json(), { status: "ok" });
    assert.equal(await metric(http, "lwm2m_coap_datagrams_received_total"), 0);

    const udp = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    try {
      await udp.send(CON_GET_3_0_0, { transport: "udp", hostname: "127.0.0.1", port: coap });
      await udp.send(new Uint8Array([0xff]), {
        transport: "udp",
        hostname: "127.0.0.1",
        port: coap,
      });
    } finally {
      udp.close();
    }
    let received = 0;
    for (let i = 0; i < 100 && received < 2; i++) {
      received = await metric(http, "lwm2m_coap_datagrams_received_total");
      if (received < 2) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(received, 2);
    assert.equal(await metric(http, "lwm2m_coap_datagrams_undecodable_total"), 1);
    assert.ok(await metric(http, "lwm2m_process_uptime_seconds") >= 0);
  } finally {
    const status = await gw.stop("SIGTERM");
    assert.equal(status.code, 0, gw.stderr());
  }
  assert.match(gw.stderr(), /debug coap rx 127\.0\.0\.1:\d+ 14B CON GET mid=4660 token=7a/);
  assert.match(gw.stderr(), /undecodable: ERR_TRUNCATED_HEADER/);
  assert.doesNotMatch(gw.stderr(), /no --api-token/);
});

Deno.test("gateway exits 0 on SIGINT and honours coap-port off from env", async () => {
  const gw = await startGateway(["--http-port", "0", "--host", "::1", "--store", "memory"], {
    LWM2M_COAP_PORT: "off",
    LWM2M_COAPS_PORT: "off",
  });
  const status = await gw.stop("SIGINT");
  assert.match(gw.listening, /^listening coap=off coaps=off http=\d+$/);
  assert.equal(status.code, 0, gw.stderr());
});

Deno.test("gateway warns when bound beyond loopback without an API token", async () => {
  const gw = await startGateway(
    ["--coap-port", "off", "--coaps-port", "off", "--http-port", "0", "--host", "0.0.0.0"]
      .concat(["--store", "memory"]),
  );
  const status = await gw.stop();
  assert.match(gw.listening, /^listening coap=off coaps=off http=\d+$/);
  assert.equal(status.code, 0);
  assert.match(gw.stderr(), /warn .*no --api-token/);

  const withToken = await startGateway(
    ["--coap-port=off", "--coaps-port=off", "--http-port=0", "--host=0.0.0.0", "--store=memory"]
      .concat(["--api-token=x"]),
  );
  assert.equal((await withToken.stop()).code, 0);
  assert.doesNotMatch(withToken.stderr(), /no --api-token/);
});

Deno.test("gateway exits 2 with a message on a bad flag", async () => {
  const gw = await startGateway(["--http-port", "http"]);
  const status = await gw.stop();
  assert.equal(status.code, 2);
  assert.equal(gw.listening, "");
  assert.match(gw.stderr(), /error: --http-port: expected a port/);
});

Deno.test("gateway exits 1 when the CoAP port is taken", async () => {
  const taken = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    const gw = await startGateway(
      ["--coap-port", String(port), "--coaps-port", "0", "--http-port", "0", "--host", "127.0.0.1"]
        .concat(["--store", "memory"]),
    );
    const status = await gw.stop();
    assert.equal(status.code, 1);
    assert.equal(gw.listening, "");
    assert.match(gw.stderr(), /error cannot bind/);
  } finally {
    taken.close();
  }
});
