/**
 * Pure decisions of a firmware update job (LwM2M Firmware Update object /5; the state machine in
 * spec/objects.md "Firmware Update (/5) state machine"): names of State (/5/0/3) and Update Result
 * (/5/0/5), whether a device can take the delivery we want (/5/0/8 Protocol Support, /5/0/9
 * Delivery Method), what to do before starting, and what the job does next given the device's
 * State and Update Result. No I/O; gateway/server/firmware.ts runs the steps.
 */

/** /5/0/3 State. */
export const FW_STATE = { IDLE: 0, DOWNLOADING: 1, DOWNLOADED: 2, UPDATING: 3 } as const;

/** /5/0/5 Update Result. */
export const FW_RESULT = { INITIAL: 0, SUCCESS: 1, UPDATE_FAILED: 8 } as const;

const STATE_NAMES = ["Idle", "Downloading", "Downloaded", "Updating"];

const RESULT_NAMES = [
  "Initial value",
  "Firmware updated successfully",
  "Not enough flash memory for the new firmware package",
  "Out of RAM during downloading process",
  "Connection lost during downloading process",
  "Integrity check failure for new downloaded package",
  "Unsupported package type",
  "Invalid URI",
  "Firmware update failed",
  "Unsupported protocol",
  "Firmware update cancelled",
  "Firmware update deferred",
];

export function stateName(state: number | null): string | null {
  return state === null ? null : STATE_NAMES[state] ?? `unknown (${state})`;
}

export function resultName(result: number | null): string | null {
  return result === null ? null : RESULT_NAMES[result] ?? `unknown (${result})`;
}

export type DeliveryMethod = "push" | "pull";

/** What the device told us about itself before the job started (absent resources: undefined). */
export interface DeviceSnapshot {
  state?: number;
  result?: number;
  /** /5/0/9: 0 pull only, 1 push only, 2 both. */
  delivery?: number;
  /** /5/0/8: 0 CoAP, 1 CoAPS, 2 HTTP, 3 HTTPS, 4 CoAP over TCP, 5 CoAP over TLS. */
  protocols?: number[];
}

/** /5/0/8 value of a pull URI scheme. */
const PROTOCOL_OF_SCHEME: Readonly<Record<string, number>> = {
  "coap:": 0,
  "coaps:": 1,
  "http:": 2,
  "https:": 3,
  "coap+tcp:": 4,
  "coaps+tcp:": 5,
};

/** Why the device cannot take this delivery, or null when it can (or does not say). */
export function deliveryProblem(
  method: DeliveryMethod,
  device: DeviceSnapshot,
  pullUri?: string,
): string | null {
  if (method === "push" && device.delivery === 0) {
    return "the device supports pull only (/5/0/9 = 0)";
  }
  if (method === "pull" && device.delivery === 1) {
    return "the device supports push only (/5/0/9 = 1)";
  }
  if (method === "pull" && pullUri !== undefined && device.protocols !== undefined) {
    const scheme = pullUri.slice(0, pullUri.indexOf(":") + 1).toLowerCase();
    const wanted = PROTOCOL_OF_SCHEME[scheme];
    if (wanted === undefined || !device.protocols.includes(wanted)) {
      return `the device does not support ${scheme.slice(0, -1)} downloads (/5/0/8 = ` +
        `[${device.protocols.join(",")}])`;
    }
  }
  return null;
}

/** Before writing the package: go ahead, reset the device to Idle first, or refuse. */
export type Preparation = { kind: "start" } | { kind: "reset" } | {
  kind: "refuse";
  reason: string;
};

export function prepare(state: number | undefined): Preparation {
  if (state === FW_STATE.UPDATING) {
    return { kind: "refuse", reason: "the device is updating (/5/0/3 = 3)" };
  }
  if (state === FW_STATE.DOWNLOADING || state === FW_STATE.DOWNLOADED) return { kind: "reset" };
  return { kind: "start" };
}

/** Where the job is: waiting for the download, or for the update after Execute /5/0/2. */
export type Phase = "downloading" | "updating";

export type Step =
  | { kind: "wait" }
  | { kind: "update" }
  | { kind: "succeeded" }
  | { kind: "failed"; reason: string };

function failure(result: number): Step {
  return { kind: "failed", reason: `${resultName(result)} (/5/0/5 = ${result})` };
}

/**
 * The next step from the device's State and Update Result. Downloading: Downloaded means
 * execute Update; Idle with a non-zero result is a download error (objects.md transition table).
 * Updating: result 1 is success; any other non-zero result is a failed update.
 */
export function nextStep(phase: Phase, state: number | null, result: number | null): Step {
  if (phase === "downloading") {
    if (state === FW_STATE.DOWNLOADED) return { kind: "update" };
    if (state === FW_STATE.IDLE && result !== null && result > FW_RESULT.SUCCESS) {
      return failure(result);
    }
    return { kind: "wait" };
  }
  if (result === FW_RESULT.SUCCESS) return { kind: "succeeded" };
  if (result !== null && result > FW_RESULT.SUCCESS) return failure(result);
  return { kind: "wait" };
}
