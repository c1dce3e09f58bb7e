/**
 * Bootstrap configuration types (DESIGN.md §6 "Bootstrap configuration"): the LwM2M server
 * accounts a Bootstrap server writes into Security (/0) and Server (/1) instances, an optional
 * bootstrap-server account, the paths to Bootstrap-Delete first, and extra resource values.
 * Shared by the pure bootstrap session (gateway/lwm2m/bootstrap.ts) and its store and HTTP shell.
 */

export type SecurityMode = "nosec" | "psk";

/** One LwM2M server account: a /0 Security instance plus its /1 Server instance. */
export interface ServerAccount {
  /** /0/x/10 and /1/x/0, 1..65534. */
  shortServerId: number;
  /** /0/x/0, coap:// (nosec) or coaps:// (psk). */
  uri: string;
  securityMode: SecurityMode;
  /** /0/x/3 PSK identity (UTF-8) and /0/x/5 key (hex), for psk. */
  identity?: string;
  key?: string;
  /** /1/x/1 in seconds. */
  lifetime: number;
  /** /1/x/7. */
  binding: string;
  defaultMinPeriod?: number;
  defaultMaxPeriod?: number;
  notificationStoring?: boolean;
}

/** The bootstrap-server account (/0 instance with Bootstrap-Server = true). */
export interface BootstrapServerAccount {
  uri: string;
  securityMode: SecurityMode;
  identity?: string;
  key?: string;
}

export interface BootstrapConfig {
  servers: ServerAccount[];
  bootstrapServer?: BootstrapServerAccount;
  /** Paths for Bootstrap-Delete before the writes, e.g. "/0", "/1". */
  delete?: string[];
  /** Extra resource values by path, in the JSON value form of DESIGN.md §6. */
  objects?: Record<string, unknown>;
}
