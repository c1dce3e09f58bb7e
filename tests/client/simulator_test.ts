/**
 * The fleet simulator (gateway/client/fleet.ts, simulator.ts; DESIGN.md §6 flags): 50 streetlights
 * register with the in-process gateway, one socket each and multiplexed ten to a socket with
 * alternate root paths; random changes reach the gateway as notifications; stopping de-registers
 * every one. The `deno task simulate` CLI runs as a subprocess and de-registers on SIGINT.
 */

import assert from "node:assert/strict";
import { Fleet, FLEET_DEFAULTS } from "../../gateway/client/fleet.ts";
import { parseSimulatorArgs, progressLine, summaryLines } from "../../gateway/client/simulator.ts";
import { randomChange } from "../../gateway/client/streetlight.ts";
import { Lwm2mPath } from "../../gateway/lwm2m/path.ts";
import { FAST_COAP, testGateway, waitFor } from "./support.ts";

Deno.test("parseSimulatorArgs: DESIGN §6 flags, defaults, errors (exit 2)", () => {
  const r = parseSimulatorArgs([
    "--server",
    "coap://127.0.0.1:5683",
    "--count",
    "10",
    "--prefix",
    "streetlight-",
    "--rate",
    "50/s",
    "--lifetime=120",
    "--queue",
  ]);
  assert.equal(r.kind, "run");
  if (r.kind !== "run") return;
  assert.deepEqual(
    [
      r.fleet.server,
      r.fleet.count,
      r.fleet.prefix,
      r.fleet.ratePerSec,
      r.fleet.lifetimeSec,
      r.fleet.queue,
      r.fleet.clientsPerSocket,
      r.durationSec,
    ],
    ["coap://127.0.0.1:5683", 10, "streetlight-", 50, 120, true, 1, null],
  );
  assert.deepEqual(parseSimulatorArgs(["--psk-key", "00ff", "--server", "coap://h"]), {
    kind: "error",
    message: "--psk-key: DTLS arrives with issue 8",
    exitCode: 2,
  });
  for (
    const bad of [
      [],
      ["--count", "1"],
      ["--server", "http://h"],
      ["--server", "coap://h", "--count", "x"],
      ["--server", "coap://h", "--nope", "1"],
      ["--server"],
    ]
  ) {
    assert.equal(parseSimulatorArgs(bad).kind, "error", bad.join(" "));
  }
  assert.equal(parseSimulatorArgs(["--help"]).kind, "help");
  assert.equal(parseSimulatorArgs(["--bootstrap", "coap://h", "--per-socket", "2"]).kind, "error");
  const bs = parseSimulatorArgs(["--bootstrap", "coap://127.0.0.1:5685", "--count", "2"]);
  assert.equal(bs.kind === "run" && bs.fleet.bootstrap, "coap://127.0.0.1:5685");
  assert.match(
    progressLine({ started: 10, registered: 7, failed: 1, elapsedMs: 1000 }, 20),
    /7\/20 registered, 1 failed, 2 pending, 7\/s/,
  );
  const lines = summaryLines({
    started: 2,
    registered: 2,
    failed: 0,
    elapsedMs: 500,
    count: 2,
    ratePerSec: 4,
    rssBytes: 1 << 20,
    baselineRssBytes: 0,
    heapUsedBytes: 0,
    bytesPerClient: 2048,
    heapBytesPerClient: 1000,
    marginalBytesPerClient: 1024,
    sockets: 1,
  }, 2);
  assert.match(lines[1], /2\.0 KB per client, 1\.0 KB marginal/);
});

for (const perSocket of [1, 10]) {
  Deno.test(`simulator: 50 streetlights (${perSocket} per socket) register, notify, de-register`, async () => {
    const t = await testGateway();
    const fleet = await Fleet.open({
      ...FLEET_DEFAULTS,
      server: `coap://127.0.0.1:${t.port}`,
      count: 50,
      prefix: `sim${perSocket}-`,
      clientsPerSocket: perSocket,
      bindHost: "127.0.0.1",
      concurrency: 16,
      coapParams: FAST_COAP,
      requestTimeoutMs: 3000,
      changeIntervalSec: 1,
    });
    try {
      const summary = await fleet.run(20_000);
      assert.equal(summary.registered, 50);
      assert.equal(summary.failed, 0);
      assert.equal(summary.sockets, Math.ceil(50 / perSocket));
      assert.equal(t.gw.server!.list(`sim${perSocket}-`, 100).registrations.length, 50);
      const reg = t.gw.server!.get(`sim${perSocket}-7`)!;
      assert.equal(reg.rootPath, perSocket > 1 ? reg.rootPath : "/");
      if (perSocket > 1) assert.match(reg.rootPath, /^\/c/);
      const read = await t.gw.server!.perform(`sim${perSocket}-7`, {
        kind: "read",
        path: Lwm2mPath.parse("/3/0/2"),
      });
      assert.deepEqual(read.kind === "content" && [...read.values.values()], [`sim${perSocket}-7`]);
      const obs = await t.gw.server!.observations.observe(`sim${perSocket}-3`, [
        Lwm2mPath.parse("/3311/0"),
      ], false);
      assert.equal(obs.result.kind, "content");
      const light = fleet.clients[3];
      let k = 0;
      const random = () => [0.3, 0.9, 0.4][k++ % 3];
      randomChange(light, random);
      await waitFor(
        () =>
          t.events.find((e) => e.type === "notification" && e.observationId === obs.observationId),
        3000,
        "a notification",
      );
      fleet.startChanges();
      await new Promise((r) => setTimeout(r, 1200));
    } finally {
      await fleet.stop({ timeoutMs: 3000 });
    }
    assert.equal(fleet.deregistered, 50);
    assert.equal(t.gw.server!.list(`sim${perSocket}-`, 100).registrations.length, 0);
    await t.stop();
  });
}

Deno.test("simulator CLI: `deno task simulate` registers, prints the summary, de-registers on SIGINT", async () => {
  const t = await testGateway();
  const root = new URL("../../", import.meta.url);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "task",
      "simulate",
      "--server",
      `coap://127.0.0.1:${t.port}`,
      "--count",
      "5",
      "--prefix",
      "cli-",
      "--bind",
      "127.0.0.1",
      "--change-interval",
      "1",
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out: string[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const errText = new Response(child.stderr).text();
  try {
    const deadline = Date.now() + 30_000;
    while (!out.join("").includes("memory:") && Date.now() < deadline) {
      const r = await Promise.race([
        reader.read(),
        new Promise<null>((res) => setTimeout(() => res(null), 1000)),
      ]);
      if (r && !r.done) out.push(r.value);
      if (r?.done) break;
    }
    const text = out.join("");
    assert.match(text, /registered 5\/5 clients in .* s \(.*\/s\); 0 failed/);
    assert.match(text, /memory: .* per client/);
    assert.equal(t.gw.server!.list("cli-").registrations.length, 5);
    child.kill("SIGINT");
    const status = await child.status;
    assert.equal(status.code, 0, await errText);
    assert.match(await errText, /de-registered 5 clients/);
    assert.equal(t.gw.server!.list("cli-").registrations.length, 0);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await reader.cancel().catch(() => {});
    await errText.catch(() => {});
    await t.stop();
  }
});

Deno.test("simulator CLI: --psk-key exits 2 with the DTLS note", async () => {
  const root = new URL("../../", import.meta.url);
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["task", "simulate", "--server", "coap://127.0.0.1:1", "--psk-key", "0011"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(r.code, 2);
  assert.match(new TextDecoder().decode(r.stderr), /DTLS arrives with issue 8/);
});
