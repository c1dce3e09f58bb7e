/**
 * RedisLink: the one place that talks to a Redis client library (npm @redis/client, which runs
 * under Deno with only `--allow-net` plus two env names it probes). The Redis store
 * (gateway/store/redis.ts) and the cluster layer (gateway/cluster/) use this small surface:
 * commands routed by key, Lua scripts by SHA1 with a reload on NOSCRIPT, a subscriber connection,
 * and a `ready` signal after every (re)connect. `--store redis://[user:pw@]host:port[/db]` is one
 * server; `?cluster=1` treats host:port as a seed of a Redis Cluster (db 0 only).
 */

import { createHash } from "node:crypto";
import { createClient, createCluster } from "@redis/client";

/** A Lua script with its SHA1 (EVALSHA), computed once. */
export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha1: createHash("sha1").update(source).digest("hex") };
}

export interface RedisLink {
  /** The URL with its password hidden, for messages. */
  readonly description: string;
  /** One command; `key` names the key it touches (routing on a cluster). */
  command<T = unknown>(args: string[], key?: string): Promise<T>;
  /** Runs `script`; every one of `keys` must hash to one slot (Redis Cluster). */
  script<T = unknown>(script: LuaScript, keys: string[], args: string[]): Promise<T>;
  /** Delivers messages of `channel` (resubscribed after reconnects); resolves once subscribed. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  /** Called after every reconnect of the subscriber (messages may have been missed). */
  onResubscribed(listener: () => void): void;
  close(): Promise<void>;
}

export interface RedisLinkOptions {
  /** Give up connecting at start after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** Per-command bound while the connection is down (default 10 s). */
  commandTimeoutMs?: number;
  onError?: (error: Error) => void;
}

/** The URL without its password. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^(redis:\/\/[^:@/]*:)[^@]*@/, "$1***@");
}

/** Attempts at the first connect before giving up (a typo in --store fails fast). */
const FIRST_CONNECT_ATTEMPTS = 4;

/**
 * Backoff between reconnect attempts: 50 ms doubling to 2 s, forever once connected; before the
 * first connection, FIRST_CONNECT_ATTEMPTS attempts.
 */
function reconnectStrategy(hasConnected: () => boolean) {
  return (retries: number, cause: Error): number | Error =>
    !hasConnected() && retries >= FIRST_CONNECT_ATTEMPTS - 1
      ? cause
      : Math.min(50 * 2 ** Math.min(retries, 6), 2000);
}

/** Reports the first error, then at most one every 10 s (a Redis outage retries forever). */
function rateLimited(report: (error: Error) => void): (error: Error) => void {
  let lastMs = -Infinity;
  let suppressed = 0;
  return (error) => {
    const now = Date.now();
    if (now - lastMs < 10_000) {
      suppressed++;
      return;
    }
    lastMs = now;
    const more = suppressed > 0 ? ` (${suppressed} similar errors not shown)` : "";
    suppressed = 0;
    report(new Error(`${error.message}${more}`, { cause: error }));
  };
}

interface Connected {
  send(args: string[], key: string | undefined, timeoutMs: number): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  onSubscriberReady(listener: () => void): void;
  close(): Promise<void>;
}

async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function connectSingle(url: URL, options: Required<RedisLinkOptions>): Promise<Connected> {
  let connected = false;
  const client = createClient({
    socket: {
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(url.port),
      connectTimeout: options.connectTimeoutMs,
      reconnectStrategy: reconnectStrategy(() => connected),
    },
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
  });
  client.on("error", options.onError);
  await withDeadline(client.connect(), options.connectTimeoutMs, "connecting");
  connected = true;
  let subscriber: typeof client | null = null;
  const readyListeners: (() => void)[] = [];
  return {
    send: (args, _key, timeoutMs) => client.sendCommand(args, { timeout: timeoutMs }),
    async subscribe(channel, listener) {
      if (subscriber === null) {
        subscriber = client.duplicate();
        subscriber.on("error", options.onError);
        let first = true;
        subscriber.on("ready", () => {
          if (first) first = false;
          else for (const l of readyListeners) l();
        });
        await withDeadline(subscriber.connect(), options.connectTimeoutMs, "subscriber");
      }
      await subscriber.subscribe(channel, listener);
    },
    onSubscriberReady: (listener) => readyListeners.push(listener),
    async close() {
      if (subscriber) await subscriber.close().catch(() => {});
      await client.close().catch(() => {});
    },
  };
}

async function connectCluster(url: URL, options: Required<RedisLinkOptions>): Promise<Connected> {
  let connected = false;
  const credentials = {
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
  };
  const cluster = createCluster({
    rootNodes: [{ url: `redis://${url.host}` }],
    defaults: {
      ...credentials,
      socket: {
        connectTimeout: options.connectTimeoutMs,
        reconnectStrategy: reconnectStrategy(() => connected),
      },
    },
  });
  cluster.on("error", options.onError);
  await withDeadline(cluster.connect(), options.connectTimeoutMs, "connecting to the cluster");
  connected = true;
  return {
    send: (args, key, timeoutMs) => cluster.sendCommand(key, false, args, { timeout: timeoutMs }),
    subscribe: (channel, listener) => cluster.subscribe(channel, listener),
    onSubscriberReady: () => {}, // the cluster client resubscribes on its own
    close: () => cluster.close().catch(() => {}),
  };
}

/** Connects (bounded by connectTimeoutMs) to the Redis named by a `--store redis://` URL. */
export async function connectRedis(
  urlText: string,
  linkOptions: RedisLinkOptions = {},
): Promise<RedisLink> {
  const url = new URL(urlText);
  const options: Required<RedisLinkOptions> = {
    connectTimeoutMs: linkOptions.connectTimeoutMs ?? 10_000,
    commandTimeoutMs: linkOptions.commandTimeoutMs ?? 10_000,
    onError: rateLimited(linkOptions.onError ?? (() => {})),
  };
  const description = redactRedisUrl(urlText);
  const isCluster = /^(1|true|yes)$/.test(url.searchParams.get("cluster") ?? "");
  let connected: Connected;
  try {
    connected = isCluster ? await connectCluster(url, options) : await connectSingle(url, options);
  } catch (e) {
    throw new Error(`--store ${description}: ${(e as Error).message}`);
  }
  const send = <T>(args: string[], key?: string) =>
    connected.send(args, key, options.commandTimeoutMs) as Promise<T>;
  return {
    description,
    command: send,
    async script<T>(script: LuaScript, keys: string[], args: string[]): Promise<T> {
      const tail = [String(keys.length), ...keys, ...args];
      try {
        return await send<T>(["EVALSHA", script.sha1, ...tail], keys[0]);
      } catch (e) {
        if (!/NOSCRIPT/.test(String((e as Error)?.message))) throw e;
        return await send<T>(["EVAL", script.source, ...tail], keys[0]);
      }
    },
    subscribe: (channel, onMessage) => connected.subscribe(channel, onMessage),
    onResubscribed: (listener) => connected.onSubscriberReady(listener),
    close: () => connected.close(),
  };
}
