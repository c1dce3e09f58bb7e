/**
 * The record of one device's firmware update job (issue 6: "track each device's state and result
 * ... and a final report"): what GET /api/clients/{ep}/firmware answers and what the
 * firmwareProgress events carry. Kept in the Store namespace `firmware` under `job/{endpoint}`.
 * Pure: record shape, JSON form, and when a byte count is worth an event.
 */

import { type DeliveryMethod, resultName, stateName } from "./firmware_steps.ts";

export type JobStatus =
  | "queued"
  | "starting"
  | "downloading"
  | "downloaded"
  | "updating"
  | "succeeded"
  | "failed";

export interface FirmwareJob {
  endpoint: string;
  image: string;
  method: DeliveryMethod;
  status: JobStatus;
  /** Last known /5/0/3 State and /5/0/5 Update Result (null: not read yet). */
  state: number | null;
  result: number | null;
  /** Image bytes handed to the device so far (push: Block1; pull: served blocks or bytes). */
  bytesSent: number;
  size: number;
  startedAtMs: number;
  updatedAtMs: number;
  finishedAtMs?: number;
  /** Why the job failed. */
  message?: string;
}

export const jobKey = (endpoint: string) => `job/${endpoint}`;

export function isFinished(job: FirmwareJob): boolean {
  return job.status === "succeeded" || job.status === "failed";
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The JSON of GET /api/clients/{ep}/firmware and of the firmwareProgress events. */
export function jobJson(job: FirmwareJob): Record<string, unknown> {
  return {
    endpoint: job.endpoint,
    image: job.image,
    method: job.method,
    status: job.status,
    state: job.state,
    stateName: stateName(job.state),
    result: job.result,
    resultName: resultName(job.result),
    progress: {
      bytesSent: job.bytesSent,
      size: job.size,
      percent: job.size === 0 ? 0 : Math.floor((job.bytesSent * 100) / job.size),
    },
    startedAt: iso(job.startedAtMs),
    updatedAt: iso(job.updatedAtMs),
    ...(job.finishedAtMs !== undefined ? { finishedAt: iso(job.finishedAtMs) } : {}),
    ...(job.message !== undefined ? { message: job.message } : {}),
  };
}

/** Byte progress is reported in steps of 5% of the image (and always at the end). */
const PROGRESS_STEPS = 20;

/** True when going from `before` to `after` bytes crosses a progress step worth an event. */
export function progressWorthReporting(before: number, after: number, size: number): boolean {
  if (after <= before) return false;
  if (after >= size) return true;
  const step = Math.max(1, Math.floor(size / PROGRESS_STEPS));
  return Math.floor(after / step) > Math.floor(before / step);
}
