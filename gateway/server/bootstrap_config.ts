/**
 * Bootstrap configurations (DESIGN.md §6 "Bootstrap configuration"; issue 6 manages them over
 * HTTP, the bootstrap server of issue 7 applies them): per endpoint the LwM2M server accounts to
 * write into Security (/0) and Server (/1) instances, an optional bootstrap-server account, the
 * paths to Bootstrap-Delete first, and extra resource values. Kept in the Store namespace
 * `bootstrapConfig` by endpoint, keys included (as hex); `publicConfig` is what the API shows.
 * The types are gateway/lwm2m/bootstrap_types.ts, shared with the pure bootstrap session.
 */

import type {
  BootstrapConfig,
  BootstrapServerAccount,
  ServerAccount,
} from "../lwm2m/bootstrap_types.ts";
import { NAMESPACES, type Store } from "../store/store.ts";

export type {
  BootstrapConfig,
  BootstrapServerAccount,
  SecurityMode,
  ServerAccount,
} from "../lwm2m/bootstrap_types.ts";

export type StoredBootstrapConfig = BootstrapConfig & { endpoint: string; updatedAtMs: number };

type Redacted<T> = Omit<T, "key"> & { hasKey: boolean };

/** A configuration as the API shows it: keys replaced by `hasKey`. */
export type PublicBootstrapConfig =
  & Omit<StoredBootstrapConfig, "servers" | "bootstrapServer" | "updatedAtMs">
  & {
    servers: Redacted<ServerAccount>[];
    bootstrapServer?: Redacted<BootstrapServerAccount>;
    updatedAt: string;
  };

function redact<T extends { key?: string }>(account: T): Redacted<T> {
  const { key, ...rest } = account;
  return { ...rest, hasKey: key !== undefined };
}

export function publicConfig(c: StoredBootstrapConfig): PublicBootstrapConfig {
  const { servers, bootstrapServer, updatedAtMs, ...rest } = c;
  return {
    ...rest,
    servers: servers.map(redact),
    ...(bootstrapServer ? { bootstrapServer: redact(bootstrapServer) } : {}),
    updatedAt: new Date(updatedAtMs).toISOString(),
  };
}

export class BootstrapConfigStore {
  readonly #store: Store;
  readonly #clock: () => number;

  constructor(store: Store, clock: () => number = Date.now) {
    this.#store = store;
    this.#clock = clock;
  }

  get(endpoint: string): Promise<StoredBootstrapConfig | undefined> {
    return this.#store.get<StoredBootstrapConfig>(NAMESPACES.bootstrapConfig, endpoint);
  }

  /** Stores (or replaces) an endpoint's configuration. */
  async put(endpoint: string, config: BootstrapConfig): Promise<StoredBootstrapConfig> {
    const stored: StoredBootstrapConfig = { endpoint, ...config, updatedAtMs: this.#clock() };
    await this.#store.put(NAMESPACES.bootstrapConfig, endpoint, stored);
    return stored;
  }

  async delete(endpoint: string): Promise<StoredBootstrapConfig | undefined> {
    const old = await this.get(endpoint);
    if (old) await this.#store.delete(NAMESPACES.bootstrapConfig, endpoint);
    return old;
  }

  async list(): Promise<StoredBootstrapConfig[]> {
    return (await this.#store.list<StoredBootstrapConfig>(NAMESPACES.bootstrapConfig))
      .map((e) => e.value);
  }
}
