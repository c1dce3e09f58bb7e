/**
 * `deno task simulate`: the fleet simulator CLI (DESIGN.md §6: --server URI --count N --prefix P
 * [--rate N/s] [--lifetime S] [--queue] [--psk-key HEX] [--bootstrap URI]). Starts N simulated
 * streetlights in this process with a progress line on stderr while they register, prints a
 * summary (successes, failures, registration rate, memory per client) on stdout, changes values at
 * random to exercise observations, and de-registers every client on SIGINT/SIGTERM (or after
 * --duration). Exit status: 0 done, 1 some client failed to register, 2 bad flags.
 */

import {
  Fleet,
  FLEET_DEFAULTS,
  type FleetOptions,
  type FleetProgress,
  type FleetSummary,
} from "./fleet.ts";
import { parseServerUri } from "./registration_policy.ts";

export const USAGE = `deno task simulate --server URI --count N --prefix P [options]

  --server URI          LwM2M server, coap://host:port (required unless --bootstrap)
  --count N             simulated clients (default 1)
  --prefix P            endpoint names P0, P1, ... (default "sim-")
  --rate N              client starts per second (default: as fast as --concurrency allows)
  --lifetime S          registration lifetime in seconds (default 300)
  --queue               queue mode (binding U + Q): clients sleep between updates
  --psk-key HEX         DTLS PSK (identity = endpoint name): arrives with issue 8
  --bootstrap URI       Bootstrap-Server; clients start with only that account unless --server
  --per-socket K        clients sharing one UDP socket, told apart by alternate root paths (default 1)
  --concurrency N       registrations in flight at most (default 256)
  --change-interval S   mean seconds between random value changes per client, 0 = none (default 30)
  --duration S          run S seconds after registering, then de-register and exit (default: until Ctrl-C)
  --bind HOST           address the client sockets bind to (default 0.0.0.0)
  --json                print the summary as one JSON line
  --help                this text`;

function n0(v: number | string): number {
  return typeof v === "number" ? v : 0;
}

export type SimulatorArgs =
  | { kind: "run"; fleet: FleetOptions; durationSec: number | null; json: boolean }
  | { kind: "help" }
  | { kind: "error"; message: string; exitCode: 2 };

function error(message: string): SimulatorArgs {
  return { kind: "error", message, exitCode: 2 };
}

/** Parses the flags (pure). `--flag=value` and `--flag value` both work. */
export function parseSimulatorArgs(args: readonly string[]): SimulatorArgs {
  const values = new Map<string, string | true>();
  const flags = new Set(["queue", "json", "help"]);
  for (let k = 0; k < args.length; k++) {
    const a = args[k];
    if (!a.startsWith("--")) return error(`unexpected argument ${a}`);
    const eq = a.indexOf("=");
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (flags.has(name)) {
      values.set(name, true);
      continue;
    }
    const value = eq >= 0 ? a.slice(eq + 1) : args[++k];
    if (value === undefined) return error(`--${name} needs a value`);
    values.set(name, value);
  }
  if (values.has("help")) return { kind: "help" };
  const known = new Set([
    "server",
    "count",
    "prefix",
    "rate",
    "lifetime",
    "queue",
    "psk-key",
    "bootstrap",
    "per-socket",
    "concurrency",
    "change-interval",
    "duration",
    "bind",
    "json",
    "help",
  ]);
  for (const k of values.keys()) if (!known.has(k)) return error(`unknown flag --${k}`);
  if (values.has("psk-key")) return error("--psk-key: DTLS arrives with issue 8");
  const text = (name: string) => {
    const v = values.get(name);
    return typeof v === "string" ? v : undefined;
  };
  const int = (name: string, fallback: number, min: number, max: number): number | string => {
    const v = text(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      return `--${name} must be an integer in ${min}..${max}`;
    }
    return Number(v);
  };
  const server = text("server");
  const bootstrap = text("bootstrap");
  if (!server && !bootstrap) return error("--server URI is required (or --bootstrap URI)");
  for (const [flag, uri] of [["server", server], ["bootstrap", bootstrap]] as const) {
    if (uri === undefined) continue;
    const p = parseServerUri(uri);
    if (!p || (p.scheme !== "coap" && p.scheme !== "coaps")) {
      return error(`--${flag} must be coap://host:port, got ${uri}`);
    }
    if (p.scheme === "coaps") return error(`--${flag} ${uri}: coaps (DTLS) arrives with issue 8`);
  }
  const numbers = {
    count: int("count", 1, 1, 1_000_000),
    lifetime: int("lifetime", FLEET_DEFAULTS.lifetimeSec, 1, 2 ** 31 - 1),
    perSocket: int("per-socket", 1, 1, 10_000),
    concurrency: int("concurrency", FLEET_DEFAULTS.concurrency, 1, 100_000),
    change: int("change-interval", FLEET_DEFAULTS.changeIntervalSec, 0, 86_400),
    duration: int("duration", -1, 0, 2 ** 31 - 1),
  };
  for (const v of Object.values(numbers)) if (typeof v === "string") return error(v);
  if (bootstrap && (n0(numbers.perSocket)) > 1) {
    return error("--bootstrap needs one socket per client (bootstrap requests carry no root path)");
  }
  const rateText = text("rate");
  const rate = rateText === undefined ? 0 : Number(rateText.replace(/\/s$/, ""));
  if (!Number.isFinite(rate) || rate < 0) {
    return error(`--rate must be a positive number per second`);
  }
  const n = numbers as Record<keyof typeof numbers, number>;
  return {
    kind: "run",
    durationSec: n.duration < 0 ? null : n.duration,
    json: values.has("json"),
    fleet: {
      ...FLEET_DEFAULTS,
      server,
      bootstrap,
      count: n.count,
      prefix: text("prefix") ?? "sim-",
      ratePerSec: rate,
      lifetimeSec: n.lifetime,
      queue: values.has("queue"),
      clientsPerSocket: n.perSocket,
      concurrency: n.concurrency,
      changeIntervalSec: n.change,
      bindHost: text("bind") ?? FLEET_DEFAULTS.bindHost,
    },
  };
}

/** Open files allowed to this process (Linux /proc/self/limits), or null when unknown. */
export function openFileLimit(): number | null {
  try {
    const line = Deno.readTextFileSync("/proc/self/limits").split("\n").find((l) =>
      l.startsWith("Max open files")
    );
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : null;
  } catch {
    return null;
  }
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function progressLine(p: FleetProgress, count: number): string {
  const rate = p.elapsedMs > 0 ? (p.registered * 1000) / p.elapsedMs : 0;
  return `registering: ${p.registered}/${count} registered, ${p.failed} failed, ${
    p.started - p.registered - p.failed
  } pending, ${rate.toFixed(0)}/s`;
}

export function summaryLines(s: FleetSummary, perSocket: number): string[] {
  return [
    `registered ${s.registered}/${s.count} clients in ${(s.elapsedMs / 1000).toFixed(1)} s (${
      s.ratePerSec.toFixed(1)
    }/s); ${s.failed} failed, ${s.count - s.registered - s.failed} unsettled`,
    `memory: ${mb(s.rssBytes)} RSS, ${
      mb(s.rssBytes - s.baselineRssBytes)
    } for ${s.started} clients = ${kb(s.bytesPerClient)} per client` +
    (s.marginalBytesPerClient !== null
      ? `, ${kb(s.marginalBytesPerClient)} marginal (after the first 10%)`
      : "") +
    ` (JS heap ${
      kb(s.heapBytesPerClient)
    } per client); ${s.sockets} UDP sockets (${perSocket} client${
      perSocket > 1 ? "s" : ""
    } per socket)`,
  ];
}

async function main(args: string[]): Promise<number> {
  const parsed = parseSimulatorArgs(args);
  if (parsed.kind === "help") {
    console.log(USAGE);
    return 0;
  }
  if (parsed.kind === "error") {
    console.error(parsed.message);
    return parsed.exitCode;
  }
  const o = parsed.fleet;
  const sockets = Math.ceil(o.count / o.clientsPerSocket);
  const limit = openFileLimit();
  if (limit !== null && sockets + 64 > limit) {
    console.error(
      `${sockets} sockets need more open files than this process may have (${limit}). Deno raises its soft limit ` +
        `to the hard one at start; raise the hard limit (ulimit -Hn, LimitNOFILE=) or share sockets with --per-socket ${
          Math.ceil(o.count / (limit - 64))
        }.`,
    );
    return 2;
  }
  const tty = Deno.stderr.isTerminal();
  const fleet = await Fleet.open({
    ...o,
    onProgress: (p) => {
      const line = progressLine(p, o.count);
      if (tty) Deno.stderr.writeSync(new TextEncoder().encode(`\r${line}\x1b[K`));
      else console.error(line);
    },
  });
  let stopping: Promise<void> | null = null;
  let interrupted = false;
  const stop = () =>
    stopping ??= (async () => {
      console.error(`\nde-registering ${fleet.registered} clients...`);
      const t0 = performance.now();
      await fleet.stop({ deregister: true });
      console.error(
        `de-registered ${fleet.deregistered} clients in ${
          ((performance.now() - t0) / 1000).toFixed(1)
        } s`,
      );
    })();
  const onSignal = () => {
    interrupted = true;
    stop();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const summary = await fleet.run();
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
  if (parsed.json) {
    console.log(JSON.stringify({ ...summary, clientsPerSocket: o.clientsPerSocket }));
  } else for (const line of summaryLines(summary, o.clientsPerSocket)) console.log(line);
  if (!interrupted) {
    fleet.startChanges();
    if (parsed.durationSec !== null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, parsed.durationSec! * 1000);
        const poll = setInterval(() => {
          if (interrupted) {
            clearTimeout(t);
            clearInterval(poll);
            resolve();
          }
        }, 100);
        setTimeout(() => clearInterval(poll), parsed.durationSec! * 1000 + 10);
      });
    } else {
      console.error("running; Ctrl-C de-registers every client and exits");
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (interrupted) {
            clearInterval(poll);
            resolve();
          }
        }, 100);
      });
    }
  }
  await stop();
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
  return summary.failed > 0 || summary.registered < summary.count ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
