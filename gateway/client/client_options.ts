/**
 * The options and events of the LwM2M client (LwM2M Core §5-§6 client side): what a device is
 * configured with (bootstrap sources of §5.2, enabler version, queue mode window of
 * lwm2m-interfaces.md §2.5, timeouts, firmware behaviour) and what it reports. Types only.
 */

import type { DefinitionSet } from "./definitions.ts";
import type { FactoryConfig, InstanceSpec } from "./factory.ts";
import type { FirmwareOptions } from "./firmware_machine.ts";
import type { RegistrationEventType } from "./registrations.ts";

export type ClientEventType =
  | RegistrationEventType
  | "bootstrapStarted"
  | "bootstrapFinished"
  | "bootstrapFailed"
  | "rebooting"
  | "sleeping"
  | "awake"
  | "smartcardError";

export interface ClientEvent {
  type: ClientEventType;
  endpoint: string;
  ssid?: number;
  detail?: string;
}

export interface Lwm2mClientOptions {
  endpoint: string;
  /** Factory bootstrap: Security/Server instances and values (factory.ts). */
  factory?: FactoryConfig;
  /** Smartcard bootstrap file (smartcard.ts), read at every start. */
  smartcardFile?: string;
  /** Supported objects (shared between clients); default: standardDefinitions(). */
  definitions?: DefinitionSet;
  /** The device's own instances, created at every start after the factory data (default: /4/0
   * and /5/0; /3/0 is always created, with the endpoint as serial number, if missing). */
  objects?: readonly InstanceSpec[] | ((endpoint: string) => readonly InstanceSpec[]);
  /** Enabler version sent in Register (default "1.1"). */
  lwm2mVersion?: string;
  /** Queue mode: how long the client stays awake after its last exchange (default 93 s). */
  queueAwakeMs?: number;
  /** Timeout of Register/Update/Send (default: the engine's, 93 s). */
  requestTimeoutMs?: number;
  /** EXCHANGE_LIFETIME wait for Bootstrap-Finish (default 247 s). */
  bootstrapTimeoutMs?: number;
  /** Wait before bootstrapping again after a failure (default 60 s, doubling to 1 h). */
  bootstrapRetryMs?: number;
  /** Downtime of a Reboot (default 1 s). */
  rebootDelayMs?: number;
  firmware?: Partial<FirmwareOptions> & { updateDurationMs?: number; downloadTimeoutMs?: number };
  /** Installs a firmware image; default: accept it and report its version in /3/0/3. */
  applyFirmware?: (image: Uint8Array, version: string) => Promise<boolean>;
  /** Content formats advertised in Register (ct=). */
  formats?: readonly number[];
  onEvent?: (event: ClientEvent) => void;
}

export type SendResult = { ok: true; code: number } | { ok: false; reason: string; code?: number };
