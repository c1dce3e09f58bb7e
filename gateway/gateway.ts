/**
 * Assembles a running gateway from its configuration (DESIGN.md §2): codec, object models (core +
 * `--objects` DDF files), Store, event bus, CoAP engine on UDP, the LwM2M server and the HTTP app.
 * `startGateway` is what the CLI runs and what integration tests start in-process.
 */

import { type Codec, CodecError, loadCodec } from "../codec-wasm/mod.ts";
import { describeCoap } from "./coap/describe.ts";
import { coreModels } from "../objects/mod.ts";
import { loadDdfDirectory } from "../objects/ddf_dir.ts";
import type { GatewayConfig } from "./config.ts";
import { CoapEngine } from "./coap_engine.ts";
import type { CoapParams } from "./coap/params.ts";
import { createHttpApp } from "./http/app.ts";
import { EventStreams } from "./http/event_consumer.ts";
import type { Logger } from "./log.ts";
import { createDropLogger } from "./drop_log.ts";
import { createMetrics, type GatewayMetrics } from "./metrics.ts";
import { SecurityStore } from "./server/credentials.ts";
import { BootstrapConfigStore } from "./server/bootstrap_config.ts";
import { BootstrapServer } from "./server/bootstrap_server.ts";
import { EventBus } from "./server/events.ts";
import { FirmwareService, type FirmwareServiceOptions } from "./server/firmware.ts";
import { Lwm2mServer, type Lwm2mServerOptions } from "./server/lwm2m_server.ts";
import { openStore } from "./store/open.ts";
import { type ClusterOptions, joinCluster } from "./cluster/mod.ts";
import type { Store } from "./store/store.ts";
import { type DatagramTransport, udpTransport } from "./transport/datagram.ts";
import { pullBaseUri } from "./pull_uri.ts";
import { startCoaps } from "./coaps.ts";
import type { DtlsTransport, DtlsTransportOptions } from "./transport/dtls.ts";
import { muxTransports } from "./transport/mux.ts";
import { loadSecurityFile } from "./security_file.ts";

export interface GatewayOptions {
  /** Cluster timing with a Redis store (issue 10; tests shorten it). */
  cluster?: Omit<ClusterOptions, "log">;
  /** DTLS transport settings (tests shorten timers or limits; issue 8). */
  dtls?: Partial<DtlsTransportOptions>;
  /** CoAP transmission parameters (tests shorten them). */
  coapParams?: Partial<CoapParams>;
  /** Registry and queue-mode timing (tests shorten them). */
  server?: Partial<
    Pick<
      Lwm2mServerOptions,
      "expiryGraceMs" | "queueWindowMs" | "queueExpiryMs" | "requestTimeoutMs"
    >
  >;
  /** Firmware job timing (tests shorten it). */
  firmware?: Partial<
    Pick<
      FirmwareServiceOptions,
      | "pollIntervalMs"
      | "requestTimeoutMs"
      | "pushTimeoutMs"
      | "downloadTimeoutMs"
      | "updateTimeoutMs"
      | "maxConcurrentJobs"
    >
  >;
}

export interface Gateway {
  readonly config: GatewayConfig;
  readonly coapPort: number | null;
  /** The bound CoAP-over-DTLS port, or null when `--coaps-port off`. */
  readonly coapsPort: number | null;
  /** The DTLS transport (sessions, authenticated identities), or null. */
  readonly dtls: DtlsTransport | null;
  readonly httpPort: number;
  readonly server: Lwm2mServer | null;
  readonly events: EventBus;
  readonly store: Store;
  readonly metrics: GatewayMetrics;
  readonly security: SecurityStore;
  readonly firmware: FirmwareService;
  /** Stops accepting, flushes the store and closes every socket. */
  stop(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 5000;

/** Metrics read from the LwM2M server at scrape time. */
function serverGauges(server: Lwm2mServer) {
  const out = [
    {
      name: "lwm2m_registrations",
      type: "gauge" as const,
      help: "Registered clients.",
      value: server.registry.byEndpoint.size,
    },
    {
      name: "lwm2m_sleeping_clients",
      type: "gauge" as const,
      help: "Queue-mode clients asleep.",
      value: server.registry.sleeping.size,
    },
    {
      name: "lwm2m_queued_requests",
      type: "gauge" as const,
      help: "Requests waiting for sleeping clients.",
      value: server.queue.depth(),
    },
    {
      name: "lwm2m_coap_retransmissions_pending",
      type: "gauge" as const,
      help: "CON messages awaiting an ACK.",
      value: server.engine.state.transmissions.size,
    },
  ];
  for (const [reason, value] of server.engine.drops) {
    out.push(
      {
        name: "lwm2m_coap_dropped_total",
        type: "counter" as const,
        help: "Datagrams dropped by the CoAP layer, by reason.",
        value,
        labels: { reason },
      } as never,
    );
  }
  return out;
}

/** Hands every datagram sent to `tap` too (firmware transfer progress). */
function tapped(
  transport: DatagramTransport,
  tap: (peer: string, data: Uint8Array) => void,
): DatagramTransport {
  return {
    port: transport.port,
    start: (onDatagram) => transport.start(onDatagram),
    send(peer, data) {
      tap(peer, data);
      transport.send(peer, data);
    },
    close: () => transport.close(),
  };
}

/** Counts datagrams in both directions for /metrics. */
function counted(
  transport: DatagramTransport,
  metrics: GatewayMetrics,
  log: Logger,
  codec: Codec,
): DatagramTransport {
  return {
    port: transport.port,
    start(onDatagram) {
      transport.start((peer, data) => {
        metrics.coapDatagramsReceived++;
        metrics.coapBytesReceived += data.length;
        if (log.debugEnabled) {
          const m = codec.tryDecodeCoap(data);
          const what = m instanceof CodecError ? `undecodable: ${m.message}` : describeCoap(m);
          log.debug(`coap rx ${peer} ${data.length}B ${what}`);
        }
        onDatagram(peer, data);
      });
    },
    send: (peer, data) => transport.send(peer, data),
    close: () => transport.close(),
  };
}

export async function startGateway(
  config: GatewayConfig,
  log: Logger,
  options: GatewayOptions = {},
): Promise<Gateway> {
  const metrics = createMetrics(Date.now());
  const codec = await loadCodec();
  const models = coreModels();
  if (config.objectsDir) {
    const loaded = await loadDdfDirectory(config.objectsDir);
    for (const m of loaded.models) models.add(m);
    for (const e of loaded.errors) log.warn(`--objects ${e.file}: ${e.message}`);
    log.info(`loaded ${loaded.models.length} object models from ${config.objectsDir}`);
  }
  const opened = await openStore(config.store, { onError: (e) => log.warn(`store: ${e.message}`) });
  const events = new EventBus(Date.now, (e) => log.error(`event listener failed: ${e}`));
  // With Redis, this node joins the others on it (gateway/cluster); `store` announces changes.
  const cluster = await joinCluster(opened, events, {
    ...options.cluster,
    log: (level, message) => log[level](message),
  }).catch(async (e) => {
    await opened.close();
    throw e;
  });
  const store = cluster?.store ?? opened;
  const security = new SecurityStore(store);
  await security.ready();
  cluster?.follow("security", (key) => security.applyRemote(key), () => security.reload());
  if (config.securityFile) {
    const count = await loadSecurityFile(config.securityFile, security).catch(async (e) => {
      await store.close();
      throw e;
    });
    log.info(`loaded ${count} credentials from --security-file ${config.securityFile}`);
  }
  const dtls = await startCoaps(config, security, store, log, options.dtls).catch(async (e) => {
    await store.close();
    throw e;
  });

  const logDrop = createDropLogger(log);
  /** A DTLS peer's endpoint for `role`; null when it authenticated with another role's key. */
  const endpointFor = (peer: string, role: "server" | "bootstrap") => {
    const identity = dtls?.identityOf(peer);
    if (!identity) return undefined;
    return identity.role === role ? identity.endpoint : null;
  };
  let engine: CoapEngine | null = null;
  /** Listeners of sent datagrams, added once the services exist (firmware progress). */
  const sendTaps: ((peer: string, data: Uint8Array) => void)[] = [];
  let server: Lwm2mServer | null = null;
  const plain = config.coapPort === null
    ? null
    : udpTransport(config.host, config.coapPort, (e) => log.error(`coap socket: ${e}`));
  if (plain || dtls) {
    const transport = tapped(
      counted(muxTransports(plain, dtls), metrics, log, codec),
      (peer, data) => {
        for (const tap of sendTaps) tap(peer, data);
      },
    );
    engine = new CoapEngine(codec, transport, {
      params: options.coapParams,
      onDrop: (peer, reason, detail) => {
        metrics.coapDatagramsUndecodable += reason === "malformed" ? 1 : 0;
        logDrop(peer, reason, detail);
      },
      onHandlerError: (e) => log.error(`coap handler failed: ${e instanceof Error ? e.stack : e}`),
    });
    server = new Lwm2mServer(engine, {
      codec,
      models,
      store,
      events,
      ...options.server,
      // A DTLS peer may only register or bootstrap as the endpoint its PSK identity is bound to.
      authenticatedEndpoint: (peer) => endpointFor(peer, "server"),
      cluster: cluster ?? undefined,
      log: (level, message) => log[level](message),
    });
    await server.start();
    cluster?.attach(server);
    // The Bootstrap server shares the CoAP port: /bs is distinct from /rd (issue 7).
    new BootstrapServer(engine, {
      codec,
      models,
      configs: new BootstrapConfigStore(store),
      security,
      events,
      authenticatedEndpoint: (peer) => endpointFor(peer, "bootstrap"),
      stepTimeoutMs: options.server?.requestTimeoutMs,
      log: (level, message) => log[level](message),
    });
  }
  const firmware = new FirmwareService({
    server,
    store,
    events,
    pullBase: pullBaseUri(config.publicUri, config.host, plain?.port ?? null, Deno.hostname),
    log: (level, message) => log[level](message),
    ...options.firmware,
  });
  await firmware.ready();
  firmware.transfers.useCodec(await loadCodec()); // its own instance: the tap runs mid-send
  sendTaps.push((peer, data) => firmware.transfers.onDatagramSent(peer, data));
  for (const type of ["registered", "updated", "deregistered", "expired"] as const) {
    events.subscribe((e) => log.info(`${e.type} ${e.endpoint}`), { types: new Set([type]) });
  }

  metrics.gauges = () => server ? serverGauges(server) : [];
  const apiDeps = {
    server,
    models,
    events,
    store,
    metrics,
    nowMs: () => Date.now(),
    apiToken: config.apiToken,
    security,
    firmware,
    publicUri: config.publicUri,
  };
  const eventStreams = new EventStreams(apiDeps);
  const app = createHttpApp({
    ...apiDeps,
    eventStreams,
    corsOrigin: config.corsOrigin,
    onError: (e) => log.error(`http: ${e instanceof Error ? e.stack : e}`),
  });
  const http = Deno.serve(
    { hostname: config.host, port: config.httpPort, onListen: () => {} },
    app.fetch,
  );

  let stopped: Promise<void> | null = null;
  const stop = () =>
    stopped ??= (async () => {
      firmware.close();
      await server?.close();
      await engine?.close();
      await cluster?.close();
      eventStreams.close(); // ends the SSE/WebSocket streams so the HTTP server can drain
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise((resolve) => timer = setTimeout(resolve, SHUTDOWN_GRACE_MS));
      await Promise.race([http.shutdown(), grace]);
      clearTimeout(timer);
      await store.flush();
      await store.close();
    })();

  return {
    config,
    coapPort: plain?.port ?? null,
    coapsPort: dtls?.port ?? null,
    dtls,
    httpPort: http.addr.port,
    server,
    events,
    store,
    metrics,
    security,
    firmware,
    stop,
  };
}
