/**
 * The gateway CLI (DESIGN.md §6) and, for this first milestone, its whole shell: reads flags and
 * `LWM2M_*` env, binds the CoAP UDP socket (datagrams are counted and logged at debug level, not
 * yet answered) and the HTTP server (Hono: /healthz, /metrics), prints
 * `listening coap=N coaps=N http=N` once everything is bound, and exits 0 on SIGTERM/SIGINT.
 * DTLS (coaps) comes with a later issue: it is never bound yet and always printed as `coaps=off`.
 */

import { CodecError, loadCodec } from "../codec-wasm/mod.ts";
import { describeCoap } from "./coap/describe.ts";
import { envName, FLAGS, type GatewayConfig, isLoopbackHost, parseConfig } from "./config.ts";
import { createHttpApp } from "./http/app.ts";
import { createLogger, type Logger } from "./log.ts";
import { createMetrics } from "./metrics.ts";
import { bindUdp, type UdpEndpoint } from "./transport/udp.ts";

/** Exit status of a bad flag or env value (2, the usual usage-error status of CLIs). */
const EXIT_USAGE = 2;
const EXIT_BIND_FAILED = 1;
/** How long SIGTERM waits for in-flight HTTP requests before exiting anyway. */
const SHUTDOWN_GRACE_MS = 5000;

function readEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const f of FLAGS) env[envName(f.name)] = Deno.env.get(envName(f.name));
  return env;
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

async function run(config: GatewayConfig, log: Logger): Promise<void> {
  const metrics = createMetrics(Date.now());
  const codec = await loadCodec();

  if (config.store.kind !== "memory") {
    log.info(`store ${config.store.kind}: not used yet (the store comes with a later issue)`);
  }
  if (config.coapsPort !== null) {
    log.info("coaps (DTLS) is not implemented yet: not bound, printed as coaps=off");
  }

  const sockets: UdpEndpoint[] = [];
  let coap: UdpEndpoint | null = null;
  if (config.coapPort !== null) {
    coap = bindUdp(config.host, config.coapPort, (data, from) => {
      metrics.coapDatagramsReceived++;
      metrics.coapBytesReceived += data.length;
      const decoded = codec.tryDecodeCoap(data);
      const bad = decoded instanceof CodecError;
      if (bad) metrics.coapDatagramsUndecodable++;
      if (log.debugEnabled) {
        const what = bad ? `undecodable: ${decoded.message}` : describeCoap(decoded);
        log.debug(`coap rx ${hostPort(from.hostname, from.port)} ${data.length}B ${what}`);
      }
    }, (error) => log.error(`coap socket: ${error}`));
    sockets.push(coap);
  }

  const app = createHttpApp({ metrics, nowMs: () => Date.now() });
  const server = Deno.serve(
    { hostname: config.host, port: config.httpPort, onListen: () => {} },
    app.fetch,
  );

  // Signal handlers go in before the `listening` line: a supervisor may signal right after it.
  let stopping = false;
  const stop = async (signal: Deno.Signal) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
    for (const s of sockets) s.close();
    await Promise.all(sockets.map((s) => s.closed));
    // In-flight requests get a grace period; long-lived ones (event streams, later) must not
    // hold the exit hostage.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise((resolve) => timer = setTimeout(resolve, SHUTDOWN_GRACE_MS));
    await Promise.race([server.shutdown(), grace]);
    clearTimeout(timer);
    Deno.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => void stop(signal));
  }

  log.info(`http on ${hostPort(config.host, server.addr.port)}`);
  if (!isLoopbackHost(config.host) && config.apiToken === null) {
    log.warn(
      `the HTTP API on ${hostPort(config.host, server.addr.port)} is reachable from other hosts ` +
        "and no --api-token (LWM2M_API_TOKEN) is set: anyone who reaches it controls the fleet",
    );
  }
  console.log(`listening coap=${coap?.port ?? "off"} coaps=off http=${server.addr.port}`);
}

async function main(): Promise<void> {
  const parsed = parseConfig(Deno.args, readEnv());
  if (parsed.kind === "help") {
    console.log(parsed.text);
    return;
  }
  if (parsed.kind === "error") {
    console.error(`error: ${parsed.message} (see --help)`);
    Deno.exit(EXIT_USAGE);
  }
  const log = createLogger(parsed.config.logLevel);
  try {
    await run(parsed.config, log);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse || error instanceof Deno.errors.AddrNotAvailable) {
      log.error(`cannot bind: ${error.message}`);
      Deno.exit(EXIT_BIND_FAILED);
    }
    throw error;
  }
}

if (import.meta.main) await main();
