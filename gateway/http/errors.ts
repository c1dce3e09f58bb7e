/**
 * The one table from device results and domain errors to HTTP status and the JSON error body
 * `{"error":{"code","message","coapCode"?}}` (DESIGN.md §6 "Errors").
 */

import type { Lwm2mResult } from "../lwm2m/operations.ts";

export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "not_found"
  | "client_not_found"
  | "request_not_found"
  | "observation_not_found"
  | "device_error"
  | "device_timeout"
  | "undecodable_payload"
  | "unsupported_format"
  | "queue_full"
  | "conflict"
  | "failed"
  | "internal_error";

/** A domain error raised in a route; the error middleware turns it into the JSON body. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly coapCode?: number;
  constructor(status: number, code: ErrorCode, message: string, coapCode?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.coapCode = coapCode;
  }
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, "bad_request", message);
}

export function clientNotFound(endpoint: string): HttpError {
  return new HttpError(404, "client_not_found", `no registered client "${endpoint}"`);
}

/** Device 4.xx codes mapped to HTTP (DESIGN.md §6); other 4.xx become 400, 5.xx 502. */
const DEVICE_STATUS: Readonly<Record<number, number>> = {
  128: 400, // 4.00 Bad Request
  129: 403, // 4.01 Unauthorized (LwM2M: access right permission denied)
  132: 404, // 4.04 Not Found
  133: 405, // 4.05 Method Not Allowed
  134: 406, // 4.06 Not Acceptable
  143: 415, // 4.15 Unsupported Content-Format
};

export function coapCodeString(code: number): string {
  return `${code >> 5}.${String(code & 31).padStart(2, "0")}`;
}

/** The HTTP error a non-success LwM2M result stands for (null for success results). */
export function resultError(result: Lwm2mResult): HttpError | null {
  switch (result.kind) {
    case "deviceError": {
      const status = result.coapCode >= 160 ? 502 : DEVICE_STATUS[result.coapCode] ?? 400;
      const detail = result.message ? `: ${result.message}` : "";
      return new HttpError(
        status,
        "device_error",
        `the device answered ${coapCodeString(result.coapCode)}${detail}`,
        result.coapCode,
      );
    }
    case "timeout":
      return new HttpError(504, "device_timeout", "the device did not answer in time");
    case "undecodable":
      return new HttpError(
        502,
        "undecodable_payload",
        `the device's payload could not be decoded: ${result.message}`,
      );
    case "notRegistered":
      return new HttpError(404, "client_not_found", "the client is not registered");
    case "expired":
      return new HttpError(
        504,
        "device_timeout",
        "the queued request expired before the client woke up",
      );
    case "failed":
      return new HttpError(502, "failed", result.message);
    default:
      return null;
  }
}

export function errorBody(
  e: HttpError,
): { error: { code: string; message: string; coapCode?: string } } {
  return {
    error: {
      code: e.code,
      message: e.message,
      ...(e.coapCode !== undefined ? { coapCode: coapCodeString(e.coapCode) } : {}),
    },
  };
}
