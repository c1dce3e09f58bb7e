/**
 * Gateway configuration: parses the CLI flags of DESIGN.md §6 and their `LWM2M_<FLAG>`
 * environment twins into one validated value. Pure: argv and the environment come in as data,
 * errors come out as values; gateway/main.ts (the shell) owns Deno.args and Deno.env.
 */

/** Log levels, most verbose first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

/** Where registrations and configuration live (the store itself comes with a later issue). */
export type StoreConfig =
  | { kind: "file"; path: string }
  | { kind: "memory" }
  | { kind: "redis"; url: string; host: string; port: number; db: number };

export interface GatewayConfig {
  /** UDP port of plain CoAP (NoSec), or null for `off`. */
  coapPort: number | null;
  /** UDP port of CoAP over DTLS, or null for `off`. */
  coapsPort: number | null;
  httpPort: number;
  /** Bind address of every socket; `::` is dual stack. */
  host: string;
  store: StoreConfig;
  apiToken: string | null;
  /** Directory of extra OMA DDF XML object models. */
  objectsDir: string | null;
  /** JSON file: an array of `/api/security` bodies with `endpoint`. */
  securityFile: string | null;
  /** How devices reach this gateway (firmware pull URIs). */
  publicUri: string | null;
  logLevel: LogLevel;
  /** Origins allowed by CORS on /api/* (`["*"]` for any), or null for no CORS headers. */
  corsOrigin: string[] | null;
}

/** RFC 7252 §12.6: default ports of `coap` (5683) and `coaps` (5684). */
export const COAP_DEFAULT_PORT = 5683;
export const COAPS_DEFAULT_PORT = 5684;
export const HTTP_DEFAULT_PORT = 8080;

/** One flag: its name (without `--`), its env twin, its default (as text) and its help line. */
interface FlagSpec {
  name: string;
  fallback: string | null;
  help: string;
}

export const FLAGS: readonly FlagSpec[] = [
  { name: "coap-port", fallback: String(COAP_DEFAULT_PORT), help: "CoAP UDP port, 0 = any, off" },
  { name: "coaps-port", fallback: String(COAPS_DEFAULT_PORT), help: "CoAP/DTLS port, 0, off" },
  { name: "http-port", fallback: String(HTTP_DEFAULT_PORT), help: "HTTP API port, 0 = any" },
  { name: "host", fallback: "::", help: "bind address of every socket (:: = dual stack)" },
  {
    name: "store",
    fallback: "file:./data/gateway.db",
    help: "file:PATH | memory | redis://[:pw@]host:port[/db]",
  },
  { name: "api-token", fallback: null, help: "bearer token required by the HTTP API" },
  { name: "objects", fallback: null, help: "directory of extra OMA DDF XML models" },
  { name: "security-file", fallback: null, help: "JSON array of /api/security bodies" },
  { name: "public-uri", fallback: null, help: "how devices reach this gateway" },
  { name: "log-level", fallback: "info", help: LOG_LEVELS.join(" | ") },
  { name: "cors-origin", fallback: null, help: "CORS on /api/*: * or origin,origin (off)" },
];

/** `--coap-port` -> `LWM2M_COAP_PORT`. */
export function envName(flag: string): string {
  return "LWM2M_" + flag.toUpperCase().replaceAll("-", "_");
}

export type ParseResult =
  | { kind: "config"; config: GatewayConfig }
  | { kind: "help"; text: string }
  | { kind: "error"; message: string };

/**
 * Parses `--flag value` / `--flag=value` arguments over `LWM2M_*` environment values (the flag
 * wins; an empty environment value counts as unset).
 */
export function parseConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParseResult {
  const known = new Set(FLAGS.map((f) => f.name));
  const fromArgs = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") return { kind: "help", text: usage() };
    if (!arg.startsWith("--")) return { kind: "error", message: `unexpected argument: ${arg}` };
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!known.has(name)) return { kind: "error", message: `unknown flag: --${name}` };
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < args.length) value = args[++i];
    else return { kind: "error", message: `--${name} needs a value` };
    fromArgs.set(name, value);
  }
  const raw = (name: string): { value: string | null; source: string } => {
    const fromArg = fromArgs.get(name);
    if (fromArg !== undefined) return { value: fromArg, source: `--${name}` };
    const fromEnv = env[envName(name)];
    if (fromEnv !== undefined && fromEnv !== "") return { value: fromEnv, source: envName(name) };
    const spec = FLAGS.find((f) => f.name === name)!;
    return { value: spec.fallback, source: `--${name}` };
  };
  try {
    const config: GatewayConfig = {
      coapPort: port(raw("coap-port"), true),
      coapsPort: port(raw("coaps-port"), true),
      httpPort: port(raw("http-port"), false)!,
      host: host(raw("host")),
      store: store(raw("store")),
      apiToken: raw("api-token").value,
      objectsDir: raw("objects").value,
      securityFile: raw("security-file").value,
      publicUri: publicUri(raw("public-uri")),
      logLevel: logLevel(raw("log-level")),
      corsOrigin: corsOrigin(raw("cors-origin")),
    };
    return { kind: "config", config };
  } catch (e) {
    if (e instanceof ConfigError) return { kind: "error", message: e.message };
    throw e;
  }
}

/** The `--help` text. */
export function usage(): string {
  const lines = ["usage: deno task start [flags]   (each flag also from env LWM2M_<FLAG>)", ""];
  for (const f of FLAGS) {
    const dflt = f.fallback === null ? "" : ` (default ${f.fallback})`;
    lines.push(`  --${f.name.padEnd(14)} ${envName(f.name).padEnd(20)} ${f.help}${dflt}`);
  }
  return lines.join("\n");
}

/** True when `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) ||
    h === "::ffff:127.0.0.1";
}

class ConfigError extends Error {}

function port(r: { value: string | null; source: string }, allowOff: boolean): number | null {
  const v = r.value!;
  if (allowOff && v === "off") return null;
  if (/^\d{1,5}$/.test(v) && Number(v) <= 65535) return Number(v);
  const also = allowOff ? " or off" : "";
  throw new ConfigError(`${r.source}: expected a port 0..65535${also}, got "${v}"`);
}

function host(r: { value: string | null; source: string }): string {
  let v = r.value!;
  if (v.startsWith("[") && v.endsWith("]")) v = v.slice(1, -1); // "[::1]" -> "::1"
  if (v === "" || /[\s/]/.test(v)) throw new ConfigError(`${r.source}: bad host "${r.value}"`);
  return v;
}

function store(r: { value: string | null; source: string }): StoreConfig {
  const v = r.value!;
  if (v === "memory") return { kind: "memory" };
  if (v.startsWith("file:")) {
    const path = v.slice("file:".length);
    if (path === "") throw new ConfigError(`${r.source}: file: needs a path`);
    return { kind: "file", path };
  }
  if (v.startsWith("redis://")) {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      throw new ConfigError(`${r.source}: bad redis URI "${v}"`);
    }
    const db = url.pathname === "" || url.pathname === "/" ? 0 : Number(url.pathname.slice(1));
    if (url.hostname === "" || url.port === "" || !Number.isInteger(db) || db < 0) {
      throw new ConfigError(`${r.source}: expected redis://[:pw@]host:port[/db], got "${v}"`);
    }
    return { kind: "redis", url: v, host: url.hostname, port: Number(url.port), db };
  }
  throw new ConfigError(
    `${r.source}: expected file:PATH, memory or redis://[:pw@]host:port[/db], got "${v}"`,
  );
}

function publicUri(r: { value: string | null; source: string }): string | null {
  if (r.value === null) return null;
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]/i.test(r.value)) {
    throw new ConfigError(`${r.source}: expected an absolute URI such as coap://host:5683`);
  }
  return r.value;
}

function logLevel(r: { value: string | null; source: string }): LogLevel {
  const v = r.value!;
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  throw new ConfigError(`${r.source}: expected ${LOG_LEVELS.join("|")}, got "${v}"`);
}

/** `*`, or a comma list of origins `scheme://host[:port]` (Fetch standard §3.2.5 "origin"). */
function corsOrigin(r: { value: string | null; source: string }): string[] | null {
  if (r.value === null || r.value === "off") return null;
  const items = r.value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length === 0) throw new ConfigError(`${r.source}: expected * or a list of origins`);
  if (items.includes("*")) {
    if (items.length > 1) throw new ConfigError(`${r.source}: * cannot be combined with origins`);
    return ["*"];
  }
  for (const item of items) {
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s?#]+$/i.test(item)) {
      throw new ConfigError(
        `${r.source}: "${item}" is not an origin (scheme://host[:port], no path or trailing /)`,
      );
    }
  }
  return items;
}
