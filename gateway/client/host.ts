/**
 * The shell that runs LwM2M clients (DESIGN.md §2: one shell owns the sockets, the engine, the
 * clock): one CoAP engine over a SocketPool for every client of the process, one timer heap
 * (TimerScheduler), and the routing of incoming requests and observer events to the client that
 * owns the socket — or, with several clients per socket, the one whose alternate root path
 * (LwM2M Transport §6.2.1 `rt="oma.lwm2m"`) the request starts with. Requests without a root
 * path on a shared socket go to the client bootstrapping with that peer (Bootstrap paths never
 * carry the prefix).
 */

import { type Codec, loadCodec } from "../../codec-wasm/mod.ts";
import type { CoapMessage } from "../../codec-wasm/types.ts";
import type { OutgoingRequest, OutgoingResponse, RequestResult } from "../coap/state.ts";
import type { CoapParams } from "../coap/params.ts";
import { uriPath } from "../coap/wire.ts";
import { CoapEngine, type HandlerResponse, type IncomingRequest } from "../coap_engine.ts";
import { COAP_404_NOT_FOUND } from "./codes.ts";
import { type Scheduler, TimerScheduler } from "./scheduler.ts";
import { SocketPool, splitPeer } from "./sockets.ts";

/** What the host calls on a client. */
export interface HostedClient {
  handleRequest(
    incoming: IncomingRequest,
    segments: string[],
  ): HandlerResponse | Promise<HandlerResponse>;
  observerAdded(observerId: number, peer: string, request: CoapMessage): void;
  observerRemoved(observerId: number): void;
  /** False while asleep in queue mode: its socket's datagrams are dropped. */
  readonly listening: boolean;
  /** The Bootstrap-Server peer while bootstrapping. */
  readonly bootstrapPeer: string | null;
}

/** A client's handle on the host: its socket, root path and the engine's client-side calls. */
export interface ClientLink {
  readonly socket: number;
  /** "/" or the alternate root path of a shared socket. */
  readonly rootPath: string;
  readonly localPort: number;
  readonly codec: Codec;
  /** The engine peer of a remote "ip:port" seen from this client's socket. */
  peerFor(remote: string): string;
  /** Resolves a host name to "ip:port". */
  resolve(host: string, port: number): Promise<string>;
  request(peer: string, request: OutgoingRequest, timeoutMs?: number): Promise<RequestResult>;
  notify(observerId: number, response: OutgoingResponse, confirmable: boolean): void;
  detach(): void;
}

export interface HostOptions {
  /** Address the sockets bind to (default 0.0.0.0). */
  bindHost?: string;
  /** Clients sharing one UDP socket (default 1; > 1 gives each an alternate root path). */
  clientsPerSocket?: number;
  coapParams?: Partial<CoapParams>;
  codec?: Codec;
  scheduler?: Scheduler;
  onError?: (e: unknown) => void;
}

/** A client's seat (methods on the prototype: no closures per client). */
class HostLink implements ClientLink {
  readonly #host: ClientHost;
  readonly socket: number;
  readonly #root: string;
  readonly #client: HostedClient;
  readonly #entry: SocketEntry;

  constructor(
    host: ClientHost,
    socket: number,
    root: string,
    client: HostedClient,
    entry: SocketEntry,
  ) {
    this.#host = host;
    this.socket = socket;
    this.#root = root;
    this.#client = client;
    this.#entry = entry;
  }

  get rootPath(): string {
    return this.#root ? `/${this.#root}` : "/";
  }

  get localPort(): number {
    return this.#host.pool.localPort(this.socket);
  }

  get codec(): Codec {
    return this.#host.codec;
  }

  peerFor(remote: string): string {
    return this.#host.peerOf(this.socket, remote);
  }

  resolve(host: string, port: number): Promise<string> {
    return this.#host.resolve(host, port);
  }

  request(peer: string, request: OutgoingRequest, timeoutMs?: number): Promise<RequestResult> {
    return this.#host.engine.request(peer, request, timeoutMs);
  }

  notify(observerId: number, response: OutgoingResponse, confirmable: boolean): void {
    this.#host.engine.notify(observerId, response, confirmable);
  }

  detach(): void {
    this.#host.release(this.#entry, this.socket, this.#root, this.#client);
  }
}

interface SocketEntry {
  clients: Map<string, HostedClient>;
  count: number;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export class ClientHost {
  readonly codec: Codec;
  readonly scheduler: Scheduler;
  readonly engine: CoapEngine;
  readonly pool: SocketPool;
  readonly clientsPerSocket: number;
  readonly #bindHost: string;
  readonly #sockets: SocketEntry[] = [];
  readonly #observers = new Map<number, HostedClient>();
  /** The last peer string made per socket: clients sharing a socket share the string too. */
  readonly #peers: { remote: string; peer: string }[] = [];
  #current = -1;
  #nextRoot = 0;
  #closed = false;

  private constructor(codec: Codec, options: HostOptions) {
    this.codec = codec;
    this.clientsPerSocket = Math.max(1, options.clientsPerSocket ?? 1);
    this.#bindHost = options.bindHost ?? "0.0.0.0";
    this.scheduler = options.scheduler ?? new TimerScheduler(options.onError);
    this.pool = new SocketPool(options.onError);
    this.pool.gate = (index, data) => this.#gate(index, data);
    this.engine = new CoapEngine(codec, this.pool, {
      // NSTART applies per client: clients sharing a socket must not queue behind each other.
      params: { nstart: this.clientsPerSocket, ...options.coapParams },
      clock: () => this.scheduler.nowMs(),
      onObserverAdded: (id, peer, request) => this.#observerAdded(id, peer, request),
      onObserverRemoved: (id) => {
        const c = this.#observers.get(id);
        this.#observers.delete(id);
        c?.observerRemoved(id);
      },
      onHandlerError: (e) => options.onError?.(e),
    });
    this.engine.handle("*", (incoming) => this.#dispatch(incoming));
  }

  static async open(options: HostOptions = {}): Promise<ClientHost> {
    return new ClientHost(options.codec ?? await loadCodec(), options);
  }

  /** Clients attached now. */
  get clients(): number {
    return this.#sockets.reduce((n, s) => n + s.count, 0);
  }

  /** Gives a client a socket (a new one, or a seat on a shared one with a root path). */
  attach(client: HostedClient): ClientLink {
    if (this.#closed) throw new Error("host is closed");
    let index = this.#current;
    if (index < 0 || this.#sockets[index].count >= this.clientsPerSocket) {
      index = this.pool.open(this.#bindHost);
      this.#sockets[index] = { clients: new Map(), count: 0 };
      this.#current = index;
    }
    const entry = this.#sockets[index];
    const root = this.clientsPerSocket > 1 ? `c${(this.#nextRoot++).toString(36)}` : "";
    entry.clients.set(root, client);
    entry.count++;
    return new HostLink(this, index, root, client, entry);
  }

  /** The engine peer "index@ip:port" of `remote` seen from socket `index`. */
  peerOf(index: number, remote: string): string {
    const last = this.#peers[index];
    if (last?.remote === remote) return last.peer;
    const peer = `${index}@${remote}`;
    this.#peers[index] = { remote, peer };
    return peer;
  }

  /** "ip:port" of a host name (IP literals as they are; names through DNS, IPv4 first). */
  async resolve(host: string, port: number): Promise<string> {
    if (IPV4.test(host) || host.includes(":")) {
      return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    }
    if (host === "localhost") return `127.0.0.1:${port}`;
    const a = await Deno.resolveDns(host, "A").catch(() => [] as string[]);
    if (a.length) return `${a[0]}:${port}`;
    const aaaa = await Deno.resolveDns(host, "AAAA");
    return `[${aaaa[0]}]:${port}`;
  }

  #route(index: number, request: CoapMessage, peer: string): [HostedClient, string[]] | null {
    const entry = this.#sockets[index];
    if (!entry) return null;
    const segments = uriPath(request);
    if (this.clientsPerSocket === 1) {
      const c = entry.clients.get("");
      return c ? [c, segments] : null;
    }
    const owner = segments.length ? entry.clients.get(segments[0]) : undefined;
    if (owner) return [owner, segments.slice(1)];
    for (const c of entry.clients.values()) if (c.bootstrapPeer === peer) return [c, segments];
    return null;
  }

  #dispatch(incoming: IncomingRequest): HandlerResponse | Promise<HandlerResponse> {
    const [index] = splitPeer(incoming.peer);
    const routed = this.#route(index, incoming.request, incoming.peer);
    if (!routed) return { code: COAP_404_NOT_FOUND };
    return routed[0].handleRequest(incoming, routed[1]);
  }

  #observerAdded(observerId: number, peer: string, request: CoapMessage): void {
    const routed = this.#route(splitPeer(peer)[0], request, peer);
    if (!routed) return;
    this.#observers.set(observerId, routed[0]);
    routed[0].observerAdded(observerId, peer, request);
  }

  /** Drops datagrams for sleeping clients (requests only; responses always pass). */
  #gate(index: number, data: Uint8Array): boolean {
    const entry = this.#sockets[index];
    if (!entry) return false;
    if (this.clientsPerSocket === 1) return entry.clients.get("")?.listening ?? false;
    let asleep = false;
    for (const c of entry.clients.values()) if (!c.listening) asleep = true;
    if (!asleep) return true;
    const m = this.codec.tryDecodeCoap(data);
    if (m instanceof Error || m.code < 1 || m.code > 31) return true;
    const segments = uriPath(m);
    const c = segments.length ? entry.clients.get(segments[0]) : undefined;
    return c ? c.listening : true;
  }

  /** Detaches a client (HostLink.detach). */
  release(entry: SocketEntry, index: number, root: string, client: HostedClient): void {
    if (entry.clients.get(root) !== client) return;
    entry.clients.delete(root);
    entry.count--;
    for (const [id, c] of this.#observers) if (c === client) this.#observers.delete(id);
    if (entry.count === 0 && this.clientsPerSocket === 1) this.pool.closeSocket(index);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.engine.close();
    if (this.scheduler instanceof TimerScheduler) this.scheduler.stop();
  }
}
