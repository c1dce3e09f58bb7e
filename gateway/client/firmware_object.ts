/**
 * Object 5 Firmware Update on the client (LwM2M Core Appendix E.6; spec digest objects.md): the
 * definition whose handlers feed the pure state machine (firmware_machine.ts), and the controller
 * that runs its effects: pull downloads (downloader.ts), the update itself after a configurable
 * delay, and the mirror of State, Update Result, Package URI, PkgName, PkgVersion and Last State
 * Change Time into the store, so observations of /5/0/3 and /5/0/5 see every transition.
 */

import { FIRMWARE_UPDATE_MODEL } from "../../objects/mod.ts";
import type { ObjectDefinition, ResourceValue } from "./definitions.ts";
import { download, type DownloadDeps } from "./downloader.ts";
import {
  type FirmwareEvent,
  type FirmwareOptions,
  type FirmwareState,
  firmwareStep,
  FW_RESULT_CONNECTION_LOST,
  initialFirmwareState,
} from "./firmware_machine.ts";
import type { Scheduler } from "./scheduler.ts";
import type { ObjectStore } from "./store.ts";

import { COAP_204_CHANGED as CHANGED, COAP_400_BAD_REQUEST } from "./codes.ts";
const FW = 5;

export interface FirmwareHost {
  readonly store: ObjectStore;
  readonly scheduler: Scheduler;
  readonly firmwareOptions: FirmwareOptions & { updateDurationMs: number };
  downloadDeps(): DownloadDeps;
  /** Installs the image (the device "reboots into it"); resolves false when it failed. */
  applyFirmware(image: Uint8Array, version: string): Promise<boolean>;
  /** The controller of this client (created on first use). */
  firmware(): FirmwareController;
}

export class FirmwareController {
  readonly #host: FirmwareHost;
  state: FirmwareState = initialFirmwareState();
  #generation = 0;

  constructor(host: FirmwareHost) {
    this.#host = host;
  }

  /** Feeds an event; returns the CoAP code for the operation that caused it. */
  handle(event: FirmwareEvent): number {
    const before = this.state;
    const step = firmwareStep(before, event, this.#host.firmwareOptions);
    this.state = step.state;
    this.#mirror(before);
    for (const e of step.effects) {
      if (e.kind === "download") this.#download(e.uri);
      else if (e.kind === "abortDownload") this.#generation++;
      else this.#apply(e.image, e.version);
    }
    return step.code;
  }

  #mirror(before: FirmwareState): void {
    const { store, scheduler } = this.#host;
    const s = this.state;
    if (!store.hasInstance(FW, 0)) return;
    const set = (r: number, v: ResourceValue) => store.set(FW, 0, r, v);
    if (s.state !== before.state) set(12, Math.floor(scheduler.wallMs() / 1000));
    if (s.uri !== before.uri) set(1, s.uri);
    if (s.pkgName !== before.pkgName) set(6, s.pkgName);
    if (s.pkgVersion !== before.pkgVersion) set(7, s.pkgVersion);
    if (s.result !== before.result) set(5, s.result);
    if (s.state !== before.state) set(3, s.state);
  }

  #download(uri: string): void {
    const generation = ++this.#generation;
    download(uri, this.#host.downloadDeps()).then(
      (outcome) => {
        if (generation !== this.#generation) return;
        this.handle(
          outcome.ok
            ? { kind: "downloaded", image: outcome.image }
            : { kind: "downloadFailed", result: outcome.result },
        );
      },
      () => {
        if (generation === this.#generation) {
          this.handle({ kind: "downloadFailed", result: FW_RESULT_CONNECTION_LOST });
        }
      },
    );
  }

  #apply(image: Uint8Array, version: string): void {
    const host = this.#host;
    host.scheduler.at(host.scheduler.nowMs() + host.firmwareOptions.updateDurationMs, () => {
      host.applyFirmware(image, version).then(
        (ok) => this.handle({ kind: "updateFinished", ok }),
        () => this.handle({ kind: "updateFinished", ok: false }),
      );
    });
  }
}

function controller(client: unknown): FirmwareController {
  return (client as FirmwareHost).firmware();
}

/** Refusal code, or `{store: null}`: the controller mirrors what is to be stored. */
function outcome(code: number) {
  return code === CHANGED ? { store: null } : code;
}

/** Object 5 with push, pull, Update and Cancel wired to the client's firmware controller. */
export const FIRMWARE_DEFINITION: ObjectDefinition = {
  model: FIRMWARE_UPDATE_MODEL,
  creatable: false,
  resources: {
    0: {
      write: (ctx, value) =>
        value instanceof Uint8Array
          ? outcome(controller(ctx.client).handle({ kind: "packageWritten", bytes: value }))
          : COAP_400_BAD_REQUEST, // a package is opaque
    },
    1: {
      write: (ctx, value) =>
        typeof value === "string"
          ? outcome(controller(ctx.client).handle({ kind: "uriWritten", uri: value }))
          : COAP_400_BAD_REQUEST,
    },
    2: {
      execute: (ctx) => {
        const code = controller(ctx.client).handle({ kind: "updateExecuted" });
        return code === CHANGED ? undefined : code;
      },
    },
    10: {
      execute: (ctx) => {
        const code = controller(ctx.client).handle({ kind: "cancelExecuted" });
        return code === CHANGED ? undefined : code;
      },
    },
  },
  shared: {
    1: "",
    3: 0,
    5: 0,
    6: "",
    7: "",
    8: new Map([[0, 0], [1, 2]]), // /5/0/8 Protocol Support: CoAP, HTTP 1.1
    9: 2, // /5/0/9 Delivery Method: pull and push
  },
};
