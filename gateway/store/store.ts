/**
 * The Store: durable state of the gateway as namespaced JSON documents (DESIGN.md §2: only the
 * shell calls it; cores keep their working set in memory). One small contract, several backends:
 * memory, the embedded single-file default, and Redis (issue 10). Namespaces in use are listed in
 * NAMESPACES; values are JSON-serialisable (Uint8Array is stored as {"$bytes": base64}).
 */

export const NAMESPACES = {
  registration: "registration", // key: endpoint
  observation: "observation", // key: `${endpoint}|${observationId}`
  queuedRequest: "queuedRequest", // key: `${endpoint}|${requestId}`
  bootstrapConfig: "bootstrapConfig", // key: endpoint (issue 7)
  security: "security", // key: `${role}/${endpoint}`, role server|bootstrap (issue 6/8)
  group: "group", // key: group name (issue 6)
  firmware: "firmware", // keys: image/{id}, chunk/{id}/{n}, job/{endpoint} (issue 6)
  dtlsSession: "dtlsSession", // key: session id (issue 8)
  counter: "counter", // key: `${scope}\n${name}`: coordination.ts counters (file/memory stores)
} as const;

export type Namespace = (typeof NAMESPACES)[keyof typeof NAMESPACES];

export interface ListOptions {
  /** Only keys starting with this prefix. */
  prefix?: string;
  /** Only keys strictly greater than this one (cursor paging). */
  after?: string;
  /** At most this many entries (default: all). */
  limit?: number;
}

export interface Store {
  readonly kind: "memory" | "file" | "redis";
  get<T>(ns: Namespace, key: string): Promise<T | undefined>;
  put<T>(ns: Namespace, key: string, value: T): Promise<void>;
  delete(ns: Namespace, key: string): Promise<void>;
  /** Entries in ascending key order (byte-wise on UTF-8). */
  list<T>(ns: Namespace, options?: ListOptions): Promise<{ key: string; value: T }[]>;
  /** Makes every completed put/delete durable (a no-op where each write already is). */
  flush(): Promise<void>;
  close(): Promise<void>;
}
