/**
 * The security store (issue 6 provisioning, used by DTLS in issue 8 and the bootstrap server in
 * issue 7): per endpoint a DTLS credential, NoSec or PSK (identity + key), kept in the Store
 * namespace `security` under `{role}/{endpoint}` and indexed in memory by PSK identity, so a
 * handshake can find the key and the endpoint an identity is bound to without I/O. Server and
 * bootstrap-server credentials are separate roles: one never overwrites or conflicts with the
 * other. Keys leave this module only through `psk()`; `publicView` is the shape the API shows.
 */

import { NAMESPACES, type Store } from "../store/store.ts";

export type CredentialRole = "server" | "bootstrap";

export type Credential = { mode: "nosec" } | { mode: "psk"; identity: string; key: Uint8Array };

export type StoredCredential = Credential & {
  endpoint: string;
  role: CredentialRole;
  updatedAtMs: number;
};

/** What the API answers: never the key, only whether there is one. */
export interface CredentialView {
  endpoint: string;
  mode: "nosec" | "psk";
  identity?: string;
  hasKey: boolean;
}

/** The identity is already bound to another endpoint (HTTP 409). */
export class IdentityConflictError extends Error {
  constructor(readonly identity: string, readonly boundTo: string) {
    super(`the PSK identity is already bound to endpoint "${boundTo}"`);
    this.name = "IdentityConflictError";
  }
}

export function publicView(c: StoredCredential): CredentialView {
  return c.mode === "psk"
    ? { endpoint: c.endpoint, mode: "psk", identity: c.identity, hasKey: true }
    : { endpoint: c.endpoint, mode: "nosec", hasKey: false };
}

const storeKey = (role: CredentialRole, endpoint: string) => `${role}/${endpoint}`;

export class SecurityStore {
  readonly #store: Store;
  readonly #clock: () => number;
  /** storeKey -> credential. */
  readonly #byKey = new Map<string, StoredCredential>();
  /** `${role}/${identity}` -> endpoint. */
  readonly #byIdentity = new Map<string, string>();
  #loaded: Promise<void> | null = null;

  constructor(store: Store, clock: () => number = Date.now) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Loads the index from the Store (once); the synchronous lookups need it done. */
  ready(): Promise<void> {
    return this.#loaded ??= (async () => {
      for (const { value } of await this.#store.list<StoredCredential>(NAMESPACES.security)) {
        this.#index(value);
      }
    })();
  }

  #index(c: StoredCredential): void {
    this.#byKey.set(storeKey(c.role, c.endpoint), c);
    if (c.mode === "psk") this.#byIdentity.set(`${c.role}/${c.identity}`, c.endpoint);
  }

  get(endpoint: string, role: CredentialRole = "server"): StoredCredential | undefined {
    return this.#byKey.get(storeKey(role, endpoint));
  }

  /** The endpoint a PSK identity is bound to (DTLS: "identity X may only be X's endpoint"). */
  endpointOf(identity: string, role: CredentialRole = "server"): string | undefined {
    return this.#byIdentity.get(`${role}/${identity}`);
  }

  /** The PSK of an identity, for the DTLS handshake (issue 8). */
  psk(identity: string, role: CredentialRole = "server"):
    | { endpoint: string; key: Uint8Array }
    | undefined {
    const endpoint = this.endpointOf(identity, role);
    const c = endpoint === undefined ? undefined : this.get(endpoint, role);
    return c?.mode === "psk" ? { endpoint: c.endpoint, key: c.key.slice() } : undefined;
  }

  /** Throws IdentityConflictError when `identity` belongs to another endpoint. */
  checkIdentity(endpoint: string, identity: string, role: CredentialRole = "server"): void {
    const bound = this.endpointOf(identity, role);
    if (bound !== undefined && bound !== endpoint) throw new IdentityConflictError(identity, bound);
  }

  /** Sets an endpoint's credential; true when it replaced one. */
  async put(
    endpoint: string,
    credential: Credential,
    role: CredentialRole = "server",
  ): Promise<boolean> {
    await this.ready();
    if (credential.mode === "psk") this.checkIdentity(endpoint, credential.identity, role);
    const old = this.get(endpoint, role);
    if (old?.mode === "psk") this.#byIdentity.delete(`${role}/${old.identity}`);
    const stored: StoredCredential = credential.mode === "psk"
      ? {
        mode: "psk",
        identity: credential.identity,
        key: credential.key.slice(),
        endpoint,
        role,
        updatedAtMs: this.#clock(),
      }
      : { mode: "nosec", endpoint, role, updatedAtMs: this.#clock() };
    this.#index(stored);
    await this.#store.put(NAMESPACES.security, storeKey(role, endpoint), stored);
    return old !== undefined;
  }

  /** Removes an endpoint's credential; returns it (undefined when there was none). */
  async delete(
    endpoint: string,
    role: CredentialRole = "server",
  ): Promise<StoredCredential | undefined> {
    await this.ready();
    const old = this.get(endpoint, role);
    if (!old) return undefined;
    this.#byKey.delete(storeKey(role, endpoint));
    if (old.mode === "psk") this.#byIdentity.delete(`${role}/${old.identity}`);
    await this.#store.delete(NAMESPACES.security, storeKey(role, endpoint));
    return old;
  }

  /**
   * Another gateway node changed the stored credential `key` (`{role}/{endpoint}`; issue 10):
   * index what the store holds now, so DTLS handshakes on this node use it.
   */
  async applyRemote(key: string): Promise<void> {
    await this.ready();
    const stored = await this.#store.get<StoredCredential>(NAMESPACES.security, key);
    const old = this.#byKey.get(key);
    if (old?.mode === "psk") this.#byIdentity.delete(`${old.role}/${old.identity}`);
    this.#byKey.delete(key);
    if (stored) this.#index(stored);
  }

  /** Cluster: reads every credential again (after missed change announcements). */
  async reload(): Promise<void> {
    const all = await this.#store.list<StoredCredential>(NAMESPACES.security);
    this.#byKey.clear();
    this.#byIdentity.clear();
    for (const { value } of all) this.#index(value);
  }

  /** Every credential of a role, by endpoint name. */
  async list(role: CredentialRole = "server"): Promise<StoredCredential[]> {
    await this.ready();
    return [...this.#byKey.values()].filter((c) => c.role === role)
      .sort((a, b) => a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0);
  }
}
