/**
 * The LwM2M client shell (LwM2M Core §5-§6 client side; DESIGN.md §2: one shell class per client
 * doing the I/O, with the clock injected through its host's Scheduler): it builds the object
 * instances at every start from the bootstrap sources in the spec's order (factory JSON, then a
 * previous Bootstrap-Server's writes, then the smartcard file), registers with every server
 * account, answers Device Management and Information Reporting requests through the pure DM
 * modules, notifies observers, sends Send, runs client-initiated and server-initiated bootstrap,
 * sleeps in queue mode, and offers a local API to read, write and add objects.
 */

import type { CoapMessage } from "../../codec-wasm/types.ts";
import { tokenKey } from "../coap/wire.ts";
import type { HandlerResponse, IncomingRequest } from "../coap_engine.ts";
import type { OutgoingResponse } from "../coap/state.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import type { AttributeTable } from "./attributes.ts";
import { routeBootstrapRequest } from "./bootstrap_ops.ts";
import { type ClientResponse, COAP_401_UNAUTHORIZED, errorResponse } from "./codes.ts";
import type { ObjectDefinition, ResourceValue } from "./definitions.ts";
import { routeDmRequest } from "./dm_router.ts";
import { type DmContext, handlerContext, readResource } from "./dm_values.ts";
import type { DownloadDeps } from "./downloader.ts";
import type { InstanceSpec } from "./factory.ts";
import { FirmwareController } from "./firmware_object.ts";
import { defaultPackageCheck, type FirmwareOptions } from "./firmware_machine.ts";
import { ADVERTISED_FORMATS } from "./formats.ts";
import type { ClientHost, ClientLink, HostedClient } from "./host.ts";
import { ClientObservations, type ObservationHost } from "./observations.ts";
import {
  type RegistrationEventType,
  type RegistrationHost,
  Registrations,
} from "./registrations.ts";
import type { Scheduler, TimerHandle } from "./scheduler.ts";
import { standardDefinitions } from "./std_objects.ts";
import { ObjectStore } from "./store.ts";
import { bootstrapAccount, type BootstrapHost, Bootstrapper } from "./client_bootstrap.ts";
import { buildStore, snapshotBootstrapped } from "./client_objects.ts";
import { type SendOptions, sendValues } from "./client_send.ts";
import type { ClientEventType, Lwm2mClientOptions, SendResult } from "./client_options.ts";

export type {
  ClientEvent,
  ClientEventType,
  Lwm2mClientOptions,
  SendResult,
} from "./client_options.ts";

export class Lwm2mClient implements HostedClient, ObservationHost, RegistrationHost, BootstrapHost {
  readonly endpoint: string;
  readonly host: ClientHost;
  readonly options: Lwm2mClientOptions;
  readonly scheduler: Scheduler;
  store: ObjectStore;
  #observations: ClientObservations | null = null;
  readonly registrations: Registrations;
  #link: ClientLink | null = null;
  #attributes: Map<number, AttributeTable> | null = null;
  #flash: InstanceSpec[] | null = null;
  #firmwareVersion: string | null = null;
  #firmware: FirmwareController | null = null;
  #bootstrapper: Bootstrapper | null = null;
  #listening = true;
  #awakeUntilMs = 0;
  #sleepTimer: TimerHandle | null = null;
  #running = false;
  #generation = 0;

  /**
   * `options` may be shared by many clients (a fleet): `endpoint`, when given, overrides
   * options.endpoint, and nothing per device is kept in the options.
   */
  constructor(host: ClientHost, options: Lwm2mClientOptions, endpoint?: string) {
    this.host = host;
    this.options = options;
    this.endpoint = endpoint ?? options.endpoint;
    this.scheduler = host.scheduler;
    this.store = new ObjectStore(options.definitions ?? standardDefinitions());
    this.registrations = new Registrations(this);
  }

  /** Observations the servers hold on this client (created on first use). */
  get observations(): ClientObservations {
    return this.#observations ??= new ClientObservations(this);
  }

  get lwm2mVersion(): string {
    return this.options.lwm2mVersion ?? "1.1";
  }

  get link(): ClientLink | null {
    return this.#link;
  }

  // ---- RegistrationHost / ObservationHost (methods, not closures: a fleet holds thousands) ----

  get formats(): readonly number[] {
    return this.options.formats ?? ADVERTISED_FORMATS;
  }

  currentLink(): ClientLink | null {
    return this.#link;
  }

  requestTimeoutMs(): number | undefined {
    return this.options.requestTimeoutMs;
  }

  registeredAnew(ssid: number): void {
    this.#observations?.clear(ssid);
  }

  registrationEvent(type: RegistrationEventType, ssid: number, detail?: string): void {
    if (type === "registered" || type === "updated") this.touch();
    this.#event(type, detail, ssid);
  }

  dmContext(ssid: number): DmContext {
    return this.#context(ssid, (fn) => queueMicrotask(fn));
  }

  attributeTableOf(ssid: number): AttributeTable | undefined {
    return this.#attributes?.get(ssid);
  }

  sendNotification(observerId: number, response: OutgoingResponse, confirmable: boolean): void {
    this.#link?.notify(observerId, response, confirmable);
  }

  get listening(): boolean {
    return this.#listening;
  }

  get bootstrapPeer(): string | null {
    return this.#bootstrapper?.peer ?? null;
  }

  get running(): boolean {
    return this.#running;
  }

  // ---- lifecycle ----

  /** Builds the objects and starts registering (or bootstrapping when no server is known). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#link ??= this.host.attach(this);
    this.#build();
    this.#listening = true;
    if (this.registrations.described().length > 0) this.registrations.startAll();
    else if (bootstrapAccount(this.store) !== undefined) this.bootstrap("no LwM2M Server account");
    else this.#event("registrationGaveUp", "no LwM2M Server or Bootstrap-Server account");
  }

  /** Stops: De-register from each server (unless `deregister` is false) and release the socket. */
  async stop(options: { deregister?: boolean; timeoutMs?: number } = {}): Promise<void> {
    await this.#halt(options.deregister ?? true, options.timeoutMs);
    this.#link?.detach();
    this.#link = null;
  }

  async #halt(deregister: boolean, timeoutMs?: number): Promise<void> {
    this.#running = false;
    this.#generation++;
    this.scheduler.cancel(this.#sleepTimer);
    this.#sleepTimer = null;
    this.#listening = true;
    this.#bootstrapper?.cancel();
    await this.registrations.stopAll(deregister, timeoutMs);
    this.#observations?.clear();
    this.#attributes = null;
  }

  /** Device Reboot (/3/0/4): the device goes away without De-register and starts again. */
  reboot(): void {
    this.#event("rebooting");
    const generation = this.#generation + 1;
    this.#halt(false).then(() => {
      this.scheduler.at(this.scheduler.nowMs() + (this.options.rebootDelayMs ?? 1000), () => {
        if (this.#generation === generation && !this.#running) this.start();
      });
    });
  }

  /** Factory Reset (/3/0/5): De-register, forget what bootstrap servers wrote, reboot. */
  factoryReset(): void {
    this.#event("rebooting", "factory reset");
    const generation = this.#generation + 1;
    this.#halt(true).then(() => {
      this.#flash = null;
      this.#firmwareVersion = null;
      this.#firmware = null;
      this.scheduler.at(this.scheduler.nowMs() + (this.options.rebootDelayMs ?? 1000), () => {
        if (this.#generation === generation && !this.#running) this.start();
      });
    });
  }

  /** The object instances of a (re)start: factory, flash (bootstrapped), smartcard. */
  #build(): void {
    const built = buildStore(this.store.definitions, this.endpoint, this.host.codec, {
      factory: this.options.factory,
      objects: this.options.objects,
      flash: this.#flash,
      smartcardFile: this.options.smartcardFile,
      firmwareVersion: this.#firmwareVersion,
      firmware: this.#firmware?.state ?? null,
    });
    if (built.smartcardError) this.#event("smartcardError", built.smartcardError);
    built.store.onChange = (o, i, r) => this.#onChange(o, i, r);
    this.store = built.store;
  }

  // ---- requests from servers ----

  handleRequest(
    incoming: IncomingRequest,
    segments: string[],
  ): HandlerResponse | Promise<HandlerResponse> {
    const after: (() => void)[] = [];
    const finish = (r: ClientResponse): HandlerResponse => {
      const own = r.afterSend;
      return {
        ...r,
        afterSend: after.length || own
          ? () => {
            own?.();
            for (const fn of after) fn();
          }
          : undefined,
      };
    };
    if (this.#bootstrapper?.active && incoming.peer === this.#bootstrapper.peer) {
      const ctx = this.#context(null, (fn) => void after.push(fn));
      const routed = routeBootstrapRequest(ctx, incoming.request, segments, this.lwm2mVersion);
      if (routed.finished) after.push(() => this.#bootstrapFinished());
      return finish(routed.response);
    }
    const account = this.registrations.byPeer(incoming.peer);
    if (!account) return errorResponse(COAP_401_UNAUTHORIZED, "not registered with this server");
    this.touch();
    const ctx = this.#context(account.ssid, (fn) => void after.push(fn));
    const routed = routeDmRequest(ctx, incoming.request, segments, incoming.observe);
    if (routed.observe) {
      this.observations.expect(
        observeKey(incoming.peer, incoming.request),
        account.ssid,
        routed.observe,
        routed.observe.values,
      );
    }
    const r = routed.response;
    return r instanceof Promise ? r.then(finish) : finish(r);
  }

  observerAdded(observerId: number, peer: string, request: CoapMessage): void {
    this.#observations?.added(observerId, observeKey(peer, request));
  }

  observerRemoved(observerId: number): void {
    this.#observations?.removed(observerId);
  }

  #context(ssid: number | null, after: (fn: () => void) => void): DmContext {
    const root = this.#link?.rootPath ?? "/";
    return {
      store: this.store,
      codec: this.host.codec,
      client: this,
      ssid,
      rootSegments: root.split("/").filter((s) => s),
      attributeTable: (s) => {
        this.#attributes ??= new Map();
        let t = this.#attributes.get(s);
        if (!t) this.#attributes.set(s, t = new Map());
        return t;
      },
      after,
      objectsChanged: () => this.registrations.objectsChanged(),
      attributesChanged: (s) => this.#observations?.attributesChanged(s),
    };
  }

  serverDefaults(ssid: number): { pmin?: number; pmax?: number } {
    const i = this.registrations.serverInstance(ssid);
    if (i === undefined) return {};
    const pmin = this.store.get(1, i, 2);
    const pmax = this.store.get(1, i, 3);
    return {
      ...(typeof pmin === "number" ? { pmin } : {}),
      ...(typeof pmax === "number" ? { pmax } : {}),
    };
  }

  #onChange(o: number, i: number, r: number | null): void {
    this.#observations?.changed(o, i, r);
    if (!this.#running || this.#bootstrapper?.active) return;
    if (o === 1 && (r === 1 || r === 7)) {
      const ssid = this.store.get(1, i, 0);
      if (typeof ssid === "number") this.registrations.update(ssid);
    }
  }

  // ---- queue mode (lwm2m-interfaces.md §2.5) ----

  /** Any exchange keeps a queue-mode client awake for `queueAwakeMs`. */
  touch(): void {
    if (!this.registrations.queueMode) return;
    const now = this.scheduler.nowMs();
    this.#awakeUntilMs = now + (this.options.queueAwakeMs ?? 93_000);
    if (this.#sleepTimer) return;
    const check = () => {
      this.#sleepTimer = null;
      const t = this.scheduler.nowMs();
      if (t < this.#awakeUntilMs) {
        this.#sleepTimer = this.scheduler.at(this.#awakeUntilMs, check);
        return;
      }
      if (!this.registrations.queueMode || !this.#running) return;
      this.#listening = false;
      this.#event("sleeping");
    };
    this.#sleepTimer = this.scheduler.at(this.#awakeUntilMs, check);
  }

  /** Wakes up from queue-mode sleep (before sending anything). */
  wake(): void {
    if (!this.#listening) {
      this.#listening = true;
      this.#event("awake");
    }
    this.touch();
  }

  // ---- server object triggers ----

  triggerUpdate(ssid: number): void {
    this.registrations.update(ssid);
  }

  disableServer(ssid: number): void {
    const i = this.registrations.serverInstance(ssid);
    const timeout = i === undefined ? undefined : this.store.get(1, i, 5);
    this.registrations.disable(ssid, (typeof timeout === "number" ? timeout : 86400) * 1000);
  }

  bootstrapRequestTrigger(): void {
    this.bootstrap("Bootstrap-Request Trigger");
  }

  // ---- bootstrap (lwm2m-interfaces.md §1.2; client_bootstrap.ts) ----

  /** Client-initiated bootstrap with the Bootstrap-Server account. */
  bootstrap(reason = "requested"): Promise<void> {
    this.#bootstrapper ??= new Bootstrapper(this, {
      timeoutMs: this.options.bootstrapTimeoutMs,
      retryMs: this.options.bootstrapRetryMs,
    });
    return this.#bootstrapper.start(reason);
  }

  stopRegistrations(): Promise<void> {
    return this.registrations.stopAll(false);
  }

  clientEvent(type: ClientEventType, detail?: string): void {
    this.#event(type, detail);
  }

  #bootstrapFinished(): void {
    this.#bootstrapper?.finished();
    this.#flash = snapshotBootstrapped(this.store);
    this.#observations?.clear();
    if (this.#running) this.registrations.startAll();
  }

  // ---- Send (lwm2m-interfaces.md §5) ----

  /** Send of the values at `paths` to a registered server (the first, or `ssid`). */
  async send(paths: readonly string[], options: SendOptions = {}): Promise<SendResult> {
    const result = await sendValues(
      this.registrations,
      this.#link,
      (ssid) => this.dmContext(ssid),
      paths,
      {
        ...options,
        defaultTimeoutMs: this.options.requestTimeoutMs,
        wake: () => this.wake(),
      },
    );
    this.touch();
    return result;
  }

  // ---- local API ----

  /** A resource value as a server would read it (read handlers applied). */
  get(path: string): ResourceValue | undefined {
    const [o, i, r, ri] = Lwm2mPath.parse(path).ids;
    if (r === undefined) throw new RangeError(`${path} is not a resource`);
    const v = readResource(this.#context(null, (fn) => queueMicrotask(fn)), o, i, r);
    return ri === undefined ? v : v instanceof Map ? v.get(ri) : undefined;
  }

  /** Stores a value as the device (sensor readings, state): observers are notified. */
  set(path: string, value: ResourceValue): void {
    const [o, i, r, ri] = Lwm2mPath.parse(path).ids;
    if (r === undefined) throw new RangeError(`${path} is not a resource`);
    if (ri === undefined) this.store.set(o, i, r, value);
    else this.store.setInstance(o, i, r, ri, value as never);
  }

  /** Writes a value through the resource's write handler, as a local (unchecked) write. */
  write(path: string, value: ResourceValue): number | null {
    const [o, i, r] = Lwm2mPath.parse(path).ids;
    const handler = this.store.definitions.get(o)?.resources?.[r]?.write;
    const outcome = handler?.(
      handlerContext(this.#context(null, (fn) => queueMicrotask(fn)), o, i, r),
      value,
    );
    if (typeof outcome === "number" && outcome >= 128) return outcome;
    const stored = outcome && typeof outcome === "object" ? outcome.store : value;
    if (stored !== null) this.store.set(o, i, r, stored);
    return null;
  }

  /** Adds an object (model plus handlers) and optionally its instances; servers learn it by Update. */
  addObject(definition: ObjectDefinition, instances: readonly InstanceSpec[] = []): void {
    const defs = this.store.definitions.clone();
    defs.add(definition);
    this.store.definitions = defs;
    for (const s of instances) this.store.createInstance(s.objectId, s.instanceId, s.values);
    if (this.#running) this.registrations.objectsChanged();
  }

  createInstance(
    objectId: number,
    instanceId: number,
    values: Iterable<[number, ResourceValue]> = [],
  ): void {
    this.store.createInstance(objectId, instanceId, values);
    if (this.#running) this.registrations.objectsChanged();
  }

  deleteInstance(objectId: number, instanceId: number): void {
    if (this.store.deleteInstance(objectId, instanceId) && this.#running) {
      this.registrations.objectsChanged();
    }
  }

  // ---- firmware (firmware_object.ts FirmwareHost) ----

  get firmwareOptions(): FirmwareOptions & { updateDurationMs: number } {
    const f = this.options.firmware ?? {};
    return {
      maxImageBytes: f.maxImageBytes ?? 16 * 1024 * 1024,
      schemes: f.schemes ?? ["coap", "http"],
      check: f.check ?? defaultPackageCheck,
      updateDurationMs: f.updateDurationMs ?? 1000,
    };
  }

  firmware(): FirmwareController {
    return this.#firmware ??= new FirmwareController(this);
  }

  downloadDeps(): DownloadDeps {
    return {
      coapRequest: async (remote, request, timeoutMs) => {
        const link = this.#link;
        if (!link) return { kind: "failed", reason: "stopped" };
        return await link.request(
          link.peerFor(await link.resolve(remote.host, remote.port)),
          request,
          timeoutMs,
        );
      },
      timeoutMs: this.options.firmware?.downloadTimeoutMs ?? 300_000,
      maxBytes: this.firmwareOptions.maxImageBytes,
    };
  }

  /** Installs an image: the default keeps its version as /3/0/3 and registers again. */
  async applyFirmware(image: Uint8Array, version: string): Promise<boolean> {
    const ok = this.options.applyFirmware ? await this.options.applyFirmware(image, version) : true;
    if (!ok) return false;
    this.#firmwareVersion = version || `image-${image.length}`;
    if (this.store.hasInstance(3, 0)) this.store.set(3, 0, 3, this.#firmwareVersion);
    // The device restarts into the new image: a new Register, after the final notifications.
    this.scheduler.at(this.scheduler.nowMs() + 10, () => this.registrations.reregister());
    return true;
  }

  // ---- events ----

  #event(type: ClientEventType, detail?: string, ssid?: number): void {
    this.options.onEvent?.({
      type,
      endpoint: this.endpoint,
      ...(ssid !== undefined ? { ssid } : {}),
      ...(detail ? { detail } : {}),
    });
  }
}

function observeKey(peer: string, request: CoapMessage): string {
  return `${peer}|${tokenKey(request.token)}`;
}
