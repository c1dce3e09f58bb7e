/**
 * The client shell (gateway/client/client.ts, registrations.ts, observations.ts) with its clock
 * injected: a ManualScheduler and a fake link stand in for the host, so registration retries
 * (LwM2M Core §6.2.1.1), Update timing, queue-mode sleep (lwm2m-interfaces.md §2.5) and
 * notification periods (§4.4) are checked at literal milliseconds.
 */

import assert from "node:assert/strict";
import { OPTION } from "../../codec-wasm/coap_registry.ts";
import type { CoapMessage } from "../../codec-wasm/types.ts";
import type { OutgoingRequest, OutgoingResponse, RequestResult } from "../../gateway/coap/state.ts";
import type { IncomingRequest } from "../../gateway/coap_engine.ts";
import { Lwm2mClient, type Lwm2mClientOptions } from "../../gateway/client/client.ts";
import type { ClientHost, ClientLink } from "../../gateway/client/host.ts";
import { ManualScheduler } from "../../gateway/client/scheduler.ts";
import { codec, option, pathOptions } from "./support.ts";

const td = new TextDecoder();
const SERVER = "0@127.0.0.1:5683";

interface Sent {
  atMs: number;
  code: number;
  path: string;
  query: string[];
}

class FakeLink implements ClientLink {
  readonly socket = 0;
  readonly rootPath = "/";
  readonly localPort = 40000;
  readonly codec = codec;
  readonly sent: Sent[] = [];
  readonly notifications: { atMs: number; observerId: number; response: OutgoingResponse }[] = [];
  answer: (request: OutgoingRequest) => RequestResult = () => ({ kind: "timeout" });
  constructor(readonly scheduler: ManualScheduler) {}
  peerFor(remote: string): string {
    return `0@${remote}`;
  }
  resolve(host: string, port: number): Promise<string> {
    return Promise.resolve(`${host}:${port}`);
  }
  request(_peer: string, request: OutgoingRequest): Promise<RequestResult> {
    const strings = (n: number) =>
      request.options.filter((o) => o.number === n).map((o) => td.decode(o.value));
    this.sent.push({
      atMs: this.scheduler.nowMs(),
      code: request.code,
      path: "/" + strings(OPTION.URI_PATH).join("/"),
      query: strings(OPTION.URI_QUERY),
    });
    return Promise.resolve(this.answer(request));
  }
  notify(observerId: number, response: OutgoingResponse): void {
    this.notifications.push({ atMs: this.scheduler.nowMs(), observerId, response });
  }
  detach(): void {}
}

function response(code: number, locationPath: string[] = []): RequestResult {
  return {
    kind: "response",
    response: {
      type: 2,
      code,
      messageId: 1,
      token: new Uint8Array(0),
      options: locationPath.map((s) => option(OPTION.LOCATION_PATH, s)),
      payload: new Uint8Array(0),
    },
  };
}

/** Registers succeed (2.01 rd/1), Updates 2.04, unless overridden. */
function serverAnswers(request: OutgoingRequest): RequestResult {
  const path = request.options.filter((o) => o.number === OPTION.URI_PATH).map((o) =>
    td.decode(o.value)
  );
  if (path.length === 1 && path[0] === "rd") return response(65, ["rd", "1"]);
  return response(path[0] === "rd" ? 68 : 68);
}

function setup(options: Partial<Lwm2mClientOptions> & { server?: Record<string, unknown> } = {}) {
  const scheduler = new ManualScheduler(0);
  const link = new FakeLink(scheduler);
  const host = { scheduler, codec, attach: () => link } as unknown as ClientHost;
  const events: { atMs: number; type: string; detail?: string }[] = [];
  const client = new Lwm2mClient(host, {
    endpoint: "shell",
    factory: {
      servers: [
        {
          shortServerId: 1,
          uri: "coap://127.0.0.1:5683",
          lifetime: 100,
          ...options.server,
        } as never,
      ],
    },
    onEvent: (e) => events.push({ atMs: scheduler.nowMs(), type: e.type, detail: e.detail }),
    ...options,
  });
  /** Runs the clock to `ms`, letting promise chains settle after each timer. */
  const runTo = async (ms: number) => {
    await settle();
    for (
      let next = scheduler.nextAtMs();
      next !== null && next <= ms;
      next = scheduler.nextAtMs()
    ) {
      scheduler.runUntil(next);
      await settle();
    }
    scheduler.runUntil(ms);
    await settle();
  };
  return { scheduler, link, client, events, runTo };
}

async function settle(): Promise<void> {
  for (let k = 0; k < 5; k++) await new Promise((r) => setTimeout(r, 0));
}

Deno.test("shell: Register retries at 0, 60 s, 180 s (timer x 2^(n-1)), then gives up", async () => {
  const { link, client, events, runTo } = setup({
    server: { retryCount: 3, bootstrapOnRegistrationFailure: false },
  });
  client.start();
  await runTo(10 * 60_000);
  assert.deepEqual(link.sent.filter((s) => s.path === "/rd").map((s) => s.atMs), [
    0,
    60_000,
    180_000,
  ]);
  assert.deepEqual(events.filter((e) => e.type === "registrationGaveUp").map((e) => e.atMs), [
    180_000,
  ]);
});

Deno.test("shell: Initial Registration Delay, Updates before the lifetime ends, re-Register on 4.04", async () => {
  const { link, client, events, runTo } = setup({
    server: { initialRegistrationDelay: 30, lifetime: 100 },
  });
  link.answer = serverAnswers;
  client.start();
  await runTo(30_000 + 90_000 * 2 + 1000);
  assert.deepEqual(link.sent.map((s) => `${s.atMs} ${s.code} ${s.path}`), [
    "30000 2 /rd",
    "120000 2 /rd/1",
    "210000 2 /rd/1",
  ]);
  assert.deepEqual(link.sent[0].query, ["ep=shell", "lt=100", "lwm2m=1.1", "b=U"]);
  assert.deepEqual(link.sent[1].query, []);
  // The lifetime changes: an Update carries only lt.
  client.set("/1/0/1", 200);
  await runTo(211_000);
  assert.deepEqual(link.sent.at(-1)!.query, ["lt=200"]);
  // The server forgot us: 4.04 to the Update, so Register again at once.
  link.answer = (r) =>
    r.options.filter((o) => o.number === OPTION.URI_PATH).length === 2
      ? response(132)
      : serverAnswers(r);
  client.registrations.update(1);
  await runTo(212_000);
  assert.deepEqual(link.sent.slice(-2).map((s) => s.path), ["/rd/1", "/rd"]);
  assert.equal(events.filter((e) => e.type === "registered").length, 2);
});

Deno.test("shell: queue mode sleeps after the awake window and wakes for the Update", async () => {
  const { link, client, events, runTo } = setup({
    server: { binding: "UQ", lifetime: 100 },
    queueAwakeMs: 10_000,
  });
  link.answer = serverAnswers;
  client.start();
  await runTo(5000);
  assert.deepEqual(link.sent[0].query, ["ep=shell", "lt=100", "lwm2m=1.1", "b=U", "Q"]);
  assert.equal(client.listening, true);
  await runTo(10_001);
  assert.equal(client.listening, false);
  await runTo(90_000);
  assert.equal(client.listening, true, "awake for the Update at 90 s");
  await runTo(100_001);
  assert.equal(client.listening, false);
  assert.deepEqual(
    events.filter((e) => e.type === "sleeping" || e.type === "awake").map((e) =>
      `${e.atMs} ${e.type}`
    ),
    [
      "10000 sleeping",
      "90000 awake",
      "100000 sleeping",
    ],
  );
});

function incoming(
  code: number,
  path: string,
  options: ReturnType<typeof option>[] = [],
  observe: 0 | 1 | null = null,
  token = 7,
): IncomingRequest {
  const request: CoapMessage = {
    type: 0,
    code,
    messageId: token,
    token: new Uint8Array([token]),
    options: [...pathOptions(path), ...options].sort((a, b) => a.number - b.number),
    payload: new Uint8Array(0),
  };
  return { peer: SERVER, request, observe, exchangeId: token };
}

Deno.test("shell: notifications honour pmin and pmax at literal times", async () => {
  const { link, client, runTo } = setup({
    objects: [{ objectId: 3311, instanceId: 0, values: new Map([[5851, 10]]) }],
  });
  link.answer = serverAnswers;
  client.start();
  await runTo(1000);
  const wa = await client.handleRequest(
    incoming(3, "/3311/0/5851", [
      option(OPTION.URI_QUERY, "pmin=10"),
      option(OPTION.URI_QUERY, "pmax=60"),
    ]),
    ["3311", "0", "5851"],
  );
  assert.equal(wa.code, 68);
  wa.afterSend?.();
  const observe = incoming(1, "/3311/0/5851", [option(OPTION.ACCEPT, 0)], 0, 9);
  const first = await client.handleRequest(observe, ["3311", "0", "5851"]);
  assert.equal(td.decode(first.payload), "10");
  client.observerAdded(1, SERVER, observe.request);
  await runTo(5000);
  client.set("/3311/0/5851", 20); // before pmin (10 s after 1 s): held until 11 s
  await runTo(10_999);
  assert.equal(link.notifications.length, 0);
  await runTo(11_000);
  assert.deepEqual(link.notifications.map((n) => [n.atMs, td.decode(n.response.payload)]), [[
    11_000,
    "20",
  ]]);
  await runTo(71_000); // pmax: 60 s after the last notification, without a change
  assert.deepEqual(link.notifications.map((n) => n.atMs), [11_000, 71_000]);
  await runTo(85_000);
  client.set("/3311/0/5851", 21); // after pmin: at once
  await runTo(90_000);
  assert.deepEqual(link.notifications.map((n) => n.atMs), [11_000, 71_000, 85_000]);
  client.observerRemoved(1);
  await runTo(300_000);
  assert.equal(link.notifications.length, 3);
  // An observed instance that disappears gets a 4.04 notification.
  const obs2 = incoming(1, "/3311/0", [], 0, 11);
  await client.handleRequest(obs2, ["3311", "0"]);
  client.observerAdded(2, SERVER, obs2.request);
  client.deleteInstance(3311, 0);
  await runTo(300_001);
  assert.equal(link.notifications.at(-1)!.response.code, 132);
});
