/**
 * The gateway CLI (DESIGN.md §6): reads flags and `LWM2M_*` env, starts the gateway
 * (gateway/gateway.ts: LwM2M server on CoAP/UDP, Store, HTTP), prints
 * `listening coap=N coaps=N http=N` once everything is bound, and on SIGTERM/SIGINT stops
 * accepting, sends DTLS close_notify to every coaps session, flushes the store and exits 0.
 */

import { envName, FLAGS, type GatewayConfig, isLoopbackHost, parseConfig } from "./config.ts";
import { startGateway } from "./gateway.ts";
import { createLogger, type Logger } from "./log.ts";

/** Exit status of a bad flag or env value (2, the usual usage-error status of CLIs). */
const EXIT_USAGE = 2;
const EXIT_BIND_FAILED = 1;

function readEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const f of FLAGS) env[envName(f.name)] = Deno.env.get(envName(f.name));
  return env;
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

async function run(config: GatewayConfig, log: Logger): Promise<void> {
  const gateway = await startGateway(config, log);

  // Signal handlers go in before the `listening` line: a supervisor may signal right after it.
  let stopping = false;
  const stop = async (signal: Deno.Signal) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
    await gateway.stop();
    Deno.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => void stop(signal));
  }

  log.info(`http on ${hostPort(config.host, gateway.httpPort)}, store ${config.store.kind}`);
  if (!isLoopbackHost(config.host) && config.apiToken === null) {
    log.warn(
      `the HTTP API on ${hostPort(config.host, gateway.httpPort)} is reachable from other hosts ` +
        "and no --api-token (LWM2M_API_TOKEN) is set: anyone who reaches it controls the fleet",
    );
  }
  const coaps = gateway.coapsPort ?? "off";
  console.log(
    `listening coap=${gateway.coapPort ?? "off"} coaps=${coaps} http=${gateway.httpPort}`,
  );
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
