/**
 * Two gateway nodes behind Debian's nginx as a UDP load balancer (stream module, consistent hash
 * on the source address and port: the configuration docs/operations.md shows), on loopback. The
 * device talks only to nginx: it registers (landing on node X), a Read made through the other node
 * Y reaches it through X and nginx, and after X is SIGKILLed nginx moves the device to Y. nginx
 * proxies from a new socket then, so Y sees a new source address: the Update gets 4.04 and the
 * device registers again (a NoSec rule, lwm2m-interfaces.md §2.2), keeping its endpoint, and Y
 * re-issues the observation made through X and reads the device.
 * Ignored without LWM2M_TEST_REDIS or without /usr/sbin/nginx and its stream module.
 */

import assert from "node:assert/strict";
import { OPTION } from "../../codec-wasm/coap_registry.ts";
import { content, CREATED, GET, observeOf, TEXT, uintOpt } from "../integration/lwm2m/helpers.ts";
import { dropPrefix, rawLink, TEST_REDIS, testPrefix } from "../support/redis.ts";
import { locationPath, pathOf, ScriptedDevice } from "../support/scripted_device.ts";
import { type NodeProcess, startNode } from "./node_process.ts";

const NGINX = "/usr/sbin/nginx";
const STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";
const exists = (path: string) => {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
};
const missing = TEST_REDIS === null
  ? "LWM2M_TEST_REDIS"
  : !exists(NGINX) || !exists(STREAM_MODULE)
  ? "nginx with its stream module (apt-get install nginx libnginx-mod-stream)"
  : null;
if (missing) console.warn(`%cnginx balancer test ignored: no ${missing}`, "color: #b58900");

/** The nginx.conf of docs/operations.md, on loopback, with the node ports filled in. */
export function nginxConf(dir: string, listenPort: number, coapPorts: number[]): string {
  return `load_module ${STREAM_MODULE};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
worker_processes 1;
events { worker_connections 1024; }
stream {
  upstream lwm2m_coap {
    hash $remote_addr$remote_port consistent;
${coapPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=30s;`).join("\n")}
  }
  server {
    listen 127.0.0.1:${listenPort} udp;
    proxy_pass lwm2m_coap;
    proxy_timeout 600s;
  }
}
`;
}

function freeUdpPort(): number {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (socket.addr as Deno.NetAddr).port;
  socket.close();
  return port;
}

/** Sends a CoAP request through nginx until an answer comes (each try 1 s, bounded). */
async function ask(send: () => Promise<number>, what: string) {
  for (let attempt = 0; attempt < 15; attempt++) {
    try {
      return await send();
    } catch { /* no answer yet: nginx starting, or moving the device to another node */ }
  }
  throw new Error(`no answer to ${what} through nginx`);
}

Deno.test({
  name: "two nodes behind nginx (UDP, hash on source): failover re-registers on the other node",
  ignore: missing !== null,
  async fn() {
    const redis = TEST_REDIS!;
    const prefix = testPrefix();
    const store = `${redis}/0?prefix=${prefix}`;
    const dir = await Deno.makeTempDir({ prefix: "nginx_lb_" });
    const nodes: NodeProcess[] = [];
    let nginx: Deno.ChildProcess | null = null;
    let device: ScriptedDevice | null = null;
    try {
      nodes.push(await startNode(store), await startNode(store));
      const port = freeUdpPort();
      await Deno.writeTextFile(`${dir}/nginx.conf`, nginxConf(dir, port, nodes.map((n) => n.coap)));
      nginx = new Deno.Command(NGINX, {
        args: ["-p", dir, "-c", `${dir}/nginx.conf`],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();

      device = await ScriptedDevice.open(port);
      const d = device;
      const observes: string[] = [];
      d.handler = (req) => {
        if (observeOf(req) === 0) {
          observes.push(pathOf(req));
          const reply = content(TEXT, "87");
          return { ...reply, options: [uintOpt(OPTION.OBSERVE, 0), ...reply.options] };
        }
        return req.code === GET && pathOf(req) === "/3/0/0" ? content(TEXT, "lamp") : { code: 132 };
      };
      let location = "";
      const register = async () => {
        const r = await d.register(["ep=lb-dev", "lt=300", "lwm2m=1.1"]);
        location = "/" + locationPath(r).join("/");
        return r.code;
      };
      assert.equal(await ask(register, "Register"), CREATED);

      // Which node got it: the owner hash names its node id, which starts with the pid.
      const link = await rawLink(redis);
      const owner = await link.command<string>(["HGET", `{${prefix}:cluster}:owner`, "lb-dev"]);
      await link.close();
      const x = nodes.find((n) => owner?.startsWith(`n${n.pid}-`))!;
      const y = nodes.find((n) => n !== x)!;
      assert.ok(x, `owner ${owner}`);

      const read = await y.api("/api/clients/lb-dev/3/0/0?timeout=5000");
      assert.equal(read.status, 200, await read.clone().text());
      assert.deepEqual((await read.json()).values, { "/3/0/0": "lamp" });
      const observed = await y.api("/api/clients/lb-dev/3/0/9/observe?format=text", {
        method: "POST",
      });
      assert.equal(observed.status, 200, await observed.clone().text());

      await x.kill();
      const update = await ask(
        async () => (await d.request(2, location, [], undefined, [], 1000)).code,
        "Update",
      );
      assert.equal(update, 132, "Y sees nginx's new socket: the Update needs a new Register");
      assert.equal(await ask(register, "the second Register"), CREATED);

      const client = await (await y.api("/api/clients/lb-dev")).json();
      assert.equal(client.endpoint, "lb-dev");
      const deadline = Date.now() + 5000;
      while (observes.length < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(observes, ["/3/0/9", "/3/0/9"], "Y re-issued the observation");
      const again = await y.api("/api/clients/lb-dev/3/0/0?timeout=5000");
      assert.equal(again.status, 200, await again.clone().text());
    } catch (e) {
      for (const [i, n] of nodes.entries()) console.error(`--- node ${i} stderr:\n${n.stderr()}`);
      console.error(await Deno.readTextFile(`${dir}/error.log`).catch(() => "(no nginx log)"));
      throw e;
    } finally {
      device?.close();
      if (nginx) {
        nginx.kill("SIGTERM");
        await nginx.status;
      }
      for (const n of nodes) await n.stop();
      await dropPrefix(redis, prefix);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
