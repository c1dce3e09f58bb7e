/**
 * The Firmware Update state machine of object 5 (LwM2M Core Appendix E.6, spec digest
 * objects.md "Firmware Update (/5) state machine"): Idle -> Downloading -> Downloaded -> Updating
 * with the Update Result codes. Push is a write of /5/0/0 Package (the CoAP core has assembled
 * the Block1 transfer), pull a write of /5/0/1 Package URI (coap:// or http://; coaps/https give
 * result 9 until DTLS/TLS exist); an empty write resets; Execute /5/0/2 updates only when
 * Downloaded, /5/0/10 cancels before Updating. Pure: events in, state, effects and the CoAP code
 * of the triggering operation out.
 */

export const FW_STATE_IDLE = 0;
export const FW_STATE_DOWNLOADING = 1;
export const FW_STATE_DOWNLOADED = 2;
export const FW_STATE_UPDATING = 3;

export const FW_RESULT_INITIAL = 0;
export const FW_RESULT_SUCCESS = 1;
export const FW_RESULT_NOT_ENOUGH_FLASH = 2;
export const FW_RESULT_OUT_OF_RAM = 3;
export const FW_RESULT_CONNECTION_LOST = 4;
export const FW_RESULT_INTEGRITY_FAILURE = 5;
export const FW_RESULT_UNSUPPORTED_PACKAGE = 6;
export const FW_RESULT_INVALID_URI = 7;
export const FW_RESULT_UPDATE_FAILED = 8;
export const FW_RESULT_UNSUPPORTED_PROTOCOL = 9;
export const FW_RESULT_CANCELLED = 10;

const CHANGED = 68;
const METHOD_NOT_ALLOWED = 133;

export interface FirmwareState {
  state: number;
  result: number;
  uri: string;
  image: Uint8Array | null;
  pkgName: string;
  pkgVersion: string;
}

export type FirmwareEvent =
  | { kind: "packageWritten"; bytes: Uint8Array }
  | { kind: "uriWritten"; uri: string }
  | { kind: "downloaded"; image: Uint8Array }
  | { kind: "downloadFailed"; result: number }
  | { kind: "updateExecuted" }
  | { kind: "updateFinished"; ok: boolean }
  | { kind: "cancelExecuted" };

export type FirmwareEffect =
  | { kind: "download"; uri: string }
  | { kind: "abortDownload" }
  | { kind: "apply"; image: Uint8Array; version: string };

/** What a package check says: 0 = fine, else an Update Result (2, 5, 6); name/version if known. */
export interface PackageCheck {
  result: number;
  name?: string;
  version?: string;
}

export interface FirmwareOptions {
  /** Largest image the device can store (larger: result 2). */
  maxImageBytes: number;
  /** Schemes the pull downloader supports. */
  schemes: readonly string[];
  /** Integrity / package-type check. */
  check(image: Uint8Array): PackageCheck;
}

export interface FirmwareStep {
  state: FirmwareState;
  effects: FirmwareEffect[];
  /** The CoAP code for the write or execute that caused the event. */
  code: number;
}

export function initialFirmwareState(): FirmwareState {
  return {
    state: FW_STATE_IDLE,
    result: FW_RESULT_INITIAL,
    uri: "",
    image: null,
    pkgName: "",
    pkgVersion: "",
  };
}

const te = new TextEncoder();
const td = new TextDecoder("utf-8", { fatal: false });
const HEADER = "LWM2M-FW ";

/**
 * The default package check: non-empty, and if the image starts with the line
 * `LWM2M-FW <name> <version>\n` its name and version (else integrity failure for a header that
 * does not parse). Images without the header are accepted as they are.
 */
export function defaultPackageCheck(image: Uint8Array): PackageCheck {
  if (image.length === 0) return { result: FW_RESULT_INTEGRITY_FAILURE };
  const head = td.decode(image.subarray(0, Math.min(image.length, 128)));
  if (!head.startsWith(HEADER)) return { result: 0 };
  const line = head.slice(HEADER.length, head.indexOf("\n") < 0 ? undefined : head.indexOf("\n"));
  const [name, version] = line.trim().split(/\s+/);
  if (!name || !version || head.indexOf("\n") < 0) return { result: FW_RESULT_INTEGRITY_FAILURE };
  return { result: 0, name, version };
}

/** A package in the default format (for tests and the simulator). */
export function makePackage(
  name: string,
  version: string,
  body: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const head = te.encode(`${HEADER}${name} ${version}\n`);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

function isReset(bytes: Uint8Array): boolean {
  return bytes.length === 0 || (bytes.length === 1 && bytes[0] === 0);
}

function reset(s: FirmwareState): FirmwareStep {
  if (s.state === FW_STATE_UPDATING) return { state: s, effects: [], code: METHOD_NOT_ALLOWED };
  const effects: FirmwareEffect[] = s.state === FW_STATE_DOWNLOADING
    ? [{ kind: "abortDownload" }]
    : [];
  return { state: { ...initialFirmwareState() }, effects, code: CHANGED };
}

/** A finished download (push or pull) checked: Downloaded, or Idle with the failure result. */
function downloaded(s: FirmwareState, image: Uint8Array, o: FirmwareOptions): FirmwareState {
  if (image.length > o.maxImageBytes) {
    return { ...s, state: FW_STATE_IDLE, result: FW_RESULT_NOT_ENOUGH_FLASH, image: null };
  }
  const check = o.check(image);
  if (check.result !== 0) return { ...s, state: FW_STATE_IDLE, result: check.result, image: null };
  return {
    ...s,
    state: FW_STATE_DOWNLOADED,
    result: FW_RESULT_INITIAL,
    image,
    pkgName: check.name ?? "",
    pkgVersion: check.version ?? "",
  };
}

function unchanged(s: FirmwareState, code = METHOD_NOT_ALLOWED): FirmwareStep {
  return { state: s, effects: [], code };
}

export function firmwareStep(s: FirmwareState, e: FirmwareEvent, o: FirmwareOptions): FirmwareStep {
  switch (e.kind) {
    case "packageWritten":
      if (isReset(e.bytes)) return reset(s);
      if (s.state !== FW_STATE_IDLE) return unchanged(s);
      return {
        state: downloaded({ ...s, result: FW_RESULT_INITIAL, uri: "" }, e.bytes, o),
        effects: [],
        code: CHANGED,
      };
    case "uriWritten": {
      if (e.uri === "") return reset(s);
      if (s.state !== FW_STATE_IDLE) return unchanged(s);
      const m = /^([a-z][a-z0-9+.-]*):\/\/[^/\s]+/i.exec(e.uri);
      if (!m) {
        return {
          state: { ...s, result: FW_RESULT_INVALID_URI, uri: e.uri },
          effects: [],
          code: CHANGED,
        };
      }
      if (!o.schemes.includes(m[1].toLowerCase())) {
        return {
          state: { ...s, result: FW_RESULT_UNSUPPORTED_PROTOCOL, uri: e.uri },
          effects: [],
          code: CHANGED,
        };
      }
      return {
        state: { ...s, state: FW_STATE_DOWNLOADING, result: FW_RESULT_INITIAL, uri: e.uri },
        effects: [{ kind: "download", uri: e.uri }],
        code: CHANGED,
      };
    }
    case "downloaded":
      if (s.state !== FW_STATE_DOWNLOADING) return unchanged(s);
      return { state: downloaded(s, e.image, o), effects: [], code: CHANGED };
    case "downloadFailed":
      if (s.state !== FW_STATE_DOWNLOADING) return unchanged(s);
      return {
        state: { ...s, state: FW_STATE_IDLE, result: e.result, image: null },
        effects: [],
        code: CHANGED,
      };
    case "updateExecuted":
      if (s.state !== FW_STATE_DOWNLOADED || !s.image) return unchanged(s);
      return {
        state: { ...s, state: FW_STATE_UPDATING },
        effects: [{ kind: "apply", image: s.image, version: s.pkgVersion }],
        code: CHANGED,
      };
    case "updateFinished":
      if (s.state !== FW_STATE_UPDATING) return unchanged(s);
      return e.ok
        ? {
          state: { ...s, state: FW_STATE_IDLE, result: FW_RESULT_SUCCESS, image: null },
          effects: [],
          code: CHANGED,
        }
        : {
          state: { ...s, state: FW_STATE_DOWNLOADED, result: FW_RESULT_UPDATE_FAILED },
          effects: [],
          code: CHANGED,
        };
    case "cancelExecuted":
      if (s.state !== FW_STATE_DOWNLOADING && s.state !== FW_STATE_DOWNLOADED) return unchanged(s);
      return {
        state: { ...s, state: FW_STATE_IDLE, result: FW_RESULT_CANCELLED, image: null },
        effects: s.state === FW_STATE_DOWNLOADING ? [{ kind: "abortDownload" }] : [],
        code: CHANGED,
      };
  }
}
