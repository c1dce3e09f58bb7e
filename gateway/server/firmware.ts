/**
 * The firmware update service (issue 6; LwM2M Firmware Update object /5, spec/objects.md state
 * machine): one job per device, push (Write /5/0/0, CF 42, Block1 by the CoAP core) or pull (Write
 * /5/0/1 with a URI served by firmware_transfer.ts), then wait for State = Downloaded, Execute
 * /5/0/2 Update and wait for Update Result = 1. The device's State and Result come from
 * observations of /5/0/3 and /5/0/5 and from polling Reads of /5/0. Progress goes out as
 * `firmwareProgress` events; the job record (firmware_job.ts) is kept in the Store. Decisions are
 * the pure functions of firmware_steps.ts; this is the shell that runs them.
 */

import type { Lwm2mValues } from "../lwm2m/values.ts";
import { NAMESPACES, type Store } from "../store/store.ts";
import type { EventBus } from "./events.ts";
import { FirmwareImages } from "./firmware_images.ts";
import {
  type FirmwareJob,
  isFinished,
  jobJson,
  jobKey,
  progressWorthReporting,
} from "./firmware_job.ts";
import {
  type DeliveryMethod,
  deliveryProblem,
  type DeviceSnapshot,
  nextStep,
  type Phase,
  prepare,
  type Step,
} from "./firmware_steps.ts";
import { describe, FirmwareObject, numberOf, Slots, snapshotOf } from "./firmware_object.ts";
import { FirmwareTransfers, PULL_SEGMENT } from "./firmware_transfer.ts";
import { DeviceWatch } from "./firmware_watch.ts";
import type { Lwm2mServer } from "./lwm2m_server.ts";

export interface FirmwareServiceOptions {
  server: Lwm2mServer | null;
  store: Store;
  events: EventBus;
  images?: FirmwareImages;
  /** `scheme://host:port` devices use to pull from this gateway (device at `peer`), or null. */
  pullBase: (peer: string) => string | null;
  clock?: () => number;
  /** Read /5/0 this often while waiting without notifications (default 5 s). */
  pollIntervalMs?: number;
  /** Each small request (reads, URI write, execute); default 30 s. */
  requestTimeoutMs?: number;
  /** The whole Block1 push of the package; default 10 min. */
  pushTimeoutMs?: number;
  /** From the package write to State = Downloaded; default 30 min. */
  downloadTimeoutMs?: number;
  /** From Execute Update to Update Result; default 10 min. */
  updateTimeoutMs?: number;
  /** Jobs moving bytes or waiting at once; more wait as "queued" (default 32). */
  maxConcurrentJobs?: number;
  log?: (level: "info" | "warn" | "debug", message: string) => void;
}

/** A refused start, with the HTTP status it stands for. */
export class FirmwareError extends Error {
  constructor(readonly status: 404 | 409 | 503, message: string) {
    super(message);
  }
}

export class FirmwareService {
  readonly images: FirmwareImages;
  readonly transfers: FirmwareTransfers;
  readonly #o: FirmwareServiceOptions;
  readonly #jobs = new Map<string, FirmwareJob>();
  readonly #slots: Slots;
  #loaded: Promise<void> | null = null;
  #closed = false;
  readonly #watches = new Set<DeviceWatch>();

  constructor(options: FirmwareServiceOptions) {
    this.#o = options;
    this.images = options.images ?? new FirmwareImages(options.store, this.#now);
    this.transfers = new FirmwareTransfers(this.images, (ep, bytes) => this.#onBytes(ep, bytes));
    this.#slots = new Slots(options.maxConcurrentJobs ?? 32);
    options.server?.engine.handle(PULL_SEGMENT, (incoming) => this.transfers.coap(incoming));
  }

  #now = () => (this.#o.clock ?? Date.now)();

  /** Loads job records; jobs that were running when the gateway stopped are marked failed. */
  ready(): Promise<void> {
    return this.#loaded ??= (async () => {
      const entries = await this.#o.store.list<FirmwareJob>(NAMESPACES.firmware, {
        prefix: "job/",
      });
      for (const { value: job } of entries) {
        if (!isFinished(job)) {
          Object.assign(job, { status: "failed", message: "interrupted by a gateway restart" });
          job.finishedAtMs = job.updatedAtMs = this.#now();
          await this.#save(job);
        }
        this.#jobs.set(job.endpoint, job);
      }
    })();
  }

  async job(endpoint: string): Promise<FirmwareJob | undefined> {
    await this.ready();
    return this.#jobs.get(endpoint);
  }

  /** Starts a job (it runs in the background); refusals are FirmwareErrors. */
  async start(endpoint: string, image: string, method: DeliveryMethod): Promise<FirmwareJob> {
    await this.ready();
    const server = this.#o.server;
    if (!server) throw new FirmwareError(503, "the LwM2M server is disabled (--coap-port off)");
    const r = server.get(endpoint);
    if (!r) throw new FirmwareError(404, `no registered client "${endpoint}"`);
    const info = await this.images.info(image);
    if (!info) throw new FirmwareError(404, `no firmware image "${image}"`);
    if (!r.objectLinks.some((l) => l.path === "/5" || l.path.startsWith("/5/"))) {
      throw new FirmwareError(409, `"${endpoint}" registered no Firmware Update object (/5)`);
    }
    const current = this.#jobs.get(endpoint);
    if (current && !isFinished(current)) {
      throw new FirmwareError(409, `a firmware job for "${endpoint}" is already ${current.status}`);
    }
    if (method === "pull" && this.#o.pullBase(r.address) === null) {
      throw new FirmwareError(409, "no URI to pull from: set --public-uri");
    }
    const now = this.#now();
    const job: FirmwareJob = {
      endpoint,
      image,
      method,
      status: "queued",
      state: null,
      result: null,
      bytesSent: 0,
      size: info.size,
      startedAtMs: now,
      updatedAtMs: now,
    };
    this.#jobs.set(endpoint, job);
    this.#report(job);
    const accepted = { ...job };
    this.#run(job).catch((e) => this.#o.log?.("warn", `firmware job ${endpoint}: ${e}`));
    return accepted;
  }

  /** Stops every job (they end failed); called when the gateway stops. */
  close(): void {
    this.#closed = true;
    for (const watch of this.#watches) watch.close();
    this.#slots.drain();
  }

  /** Runs a job to its end; the final report comes after the device's resources are released. */
  async #run(job: FirmwareJob): Promise<void> {
    await this.#slots.acquire();
    if (this.#closed) return this.#fail(job, "the gateway stopped");
    const server = this.#o.server!;
    const fw = new FirmwareObject(server, job.endpoint, this.#o.requestTimeoutMs ?? 30_000);
    const watch = new DeviceWatch(this.#o.events, job.endpoint, (v) => this.#apply(job, v));
    this.#watches.add(watch);
    const peer = server.get(job.endpoint)?.address;
    const held: { token?: string } = {};
    let end: Step;
    try {
      end = await this.#steps(job, fw, watch, peer, held);
    } catch (e) {
      end = { kind: "failed", reason: `internal error: ${e}` };
    } finally {
      watch.close();
      this.#watches.delete(watch);
      if (peer) this.transfers.unwatch(peer);
      if (held.token) this.transfers.revoke(held.token);
      await fw.close();
      this.#slots.release();
    }
    this.#end(job, end);
  }

  /** The steps of objects.md's state machine; the job's end (succeeded or failed). */
  async #steps(
    job: FirmwareJob,
    fw: FirmwareObject,
    watch: DeviceWatch,
    peer: string | undefined,
    held: { token?: string },
  ): Promise<Step> {
    const failed = (reason: string): Step => ({ kind: "failed", reason });
    this.#status(job, "starting");
    this.#apply(job, await fw.observe());
    const device = await this.#read(job, fw);
    if (job.method === "pull") held.token = this.transfers.grant(job.endpoint, job.image);
    const base = peer === undefined ? null : this.#o.pullBase(peer);
    const uri = held.token && base
      ? `${base.replace(/\/$/, "")}/${PULL_SEGMENT}/${held.token}`
      : undefined;
    const problem = deliveryProblem(job.method, device, uri);
    if (problem) return failed(problem);
    const preparation = prepare(device.state);
    if (preparation.kind === "refuse") return failed(preparation.reason);
    if (preparation.kind === "reset") {
      const done = await fw.reset(job.method === "pull" && device.delivery !== 1);
      if (done.kind !== "changed") return failed(`resetting /5: ${describe(done)}`);
    }
    job.state = job.result = null; // only what the device says from now on counts
    this.#status(job, "downloading");
    if (peer) this.transfers.watch(peer, job.endpoint, job.method);
    const written = job.method === "push"
      ? await fw.writePackage(
        (await this.images.bytes(job.image))!,
        this.#o.pushTimeoutMs ?? 600_000,
      )
      : await fw.writePackageUri(uri!);
    if (written.kind !== "changed") {
      const what = job.method === "push" ? "Package /5/0/0" : "Package URI /5/0/1";
      return failed(`writing ${what}: ${describe(written)}`);
    }
    const downloaded = await this.#waitStep(job, fw, watch, "downloading");
    if (downloaded.kind !== "update") return downloaded;
    if (job.method === "push") job.bytesSent = job.size;
    this.#status(job, "downloaded");
    const executed = await fw.update();
    if (executed.kind !== "changed") return failed(`Update: ${describe(executed)}`);
    job.state = job.result = null;
    this.#status(job, "updating");
    return await this.#waitStep(job, fw, watch, "updating");
  }

  /** Reads /5/0 into the job; what the device says about itself ({} when it did not answer). */
  async #read(job: FirmwareJob, fw: FirmwareObject): Promise<DeviceSnapshot> {
    const values = await fw.read();
    if (!values) return {};
    this.#apply(job, values);
    return snapshotOf(values);
  }

  async #waitStep(
    job: FirmwareJob,
    fw: FirmwareObject,
    watch: DeviceWatch,
    phase: Phase,
  ): Promise<Step> {
    const timeoutMs = phase === "downloading"
      ? this.#o.downloadTimeoutMs ?? 1_800_000
      : this.#o.updateTimeoutMs ?? 600_000;
    const deadline = this.#now() + timeoutMs;
    const pollMs = this.#o.pollIntervalMs ?? 5000;
    let poll = true;
    for (;;) {
      if (this.#closed) return { kind: "failed", reason: "the gateway stopped" };
      if (poll) await this.#read(job, fw);
      const step = nextStep(phase, job.state, job.result);
      if (step.kind !== "wait") return step;
      const left = deadline - this.#now();
      if (left <= 0) {
        return {
          kind: "failed",
          reason: `no ${phase === "downloading" ? "download" : "update"} ` +
            `result within ${timeoutMs} ms (State ${job.state}, Update Result ${job.result})`,
        };
      }
      const woke = await watch.wait(Math.min(pollMs, left));
      poll = woke !== "notification";
    }
  }

  /** Takes /5/0/3 and /5/0/5 from a value map (Read result or notification). */
  #apply(job: FirmwareJob, values: Lwm2mValues | Record<string, unknown>) {
    const get = (k: string) =>
      numberOf(values instanceof Map ? values.get(k) : (values as Record<string, unknown>)[k]);
    const state = get("/5/0/3") ?? job.state;
    const result = get("/5/0/5") ?? job.result;
    if (state === job.state && result === job.result) return;
    job.state = state;
    job.result = result;
    this.#report(job);
  }

  #onBytes(endpoint: string, bytes: number): void {
    const job = this.#jobs.get(endpoint);
    if (!job || job.status !== "downloading") return;
    const before = job.bytesSent;
    job.bytesSent = Math.min(bytes, job.size);
    if (progressWorthReporting(before, job.bytesSent, job.size)) this.#report(job);
  }

  #status(job: FirmwareJob, status: FirmwareJob["status"]): void {
    job.status = status;
    this.#report(job);
  }

  #end(job: FirmwareJob, step: Step): void {
    if (step.kind === "succeeded") {
      job.finishedAtMs = this.#now();
      this.#status(job, "succeeded");
    } else this.#fail(job, step.kind === "failed" ? step.reason : `unexpected step ${step.kind}`);
  }

  #fail(job: FirmwareJob, message: string): void {
    job.message = message;
    job.finishedAtMs = this.#now();
    this.#status(job, "failed");
  }

  /** Emits the job as a firmwareProgress event and keeps it in the Store. */
  #report(job: FirmwareJob): void {
    job.updatedAtMs = this.#now();
    this.#o.events.emit("firmwareProgress", job.endpoint, {
      ...jobJson(job),
      final: isFinished(job),
    });
    this.#save(job).catch((e) =>
      this.#o.log?.("warn", `store: firmware job ${job.endpoint}: ${e}`)
    );
  }

  async #save(job: FirmwareJob): Promise<void> {
    await this.#o.store.put(NAMESPACES.firmware, jobKey(job.endpoint), job);
  }
}
