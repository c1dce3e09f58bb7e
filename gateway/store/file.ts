/**
 * FileStore: the embedded single-file default (`--store file:PATH`, ./data/gateway.db) on SQLite
 * through Deno's built-in node:sqlite (no native npm addon). One table
 * kv(ns, key, value) WITHOUT ROWID, primary key (ns, key); values are codec.ts JSON text; list()
 * is `ORDER BY key` under the BINARY collation, i.e. UTF-8 byte order like every backend.
 * Durability: journal_mode=WAL with synchronous=NORMAL by default, so a put() has been written to
 * the WAL (the OS page cache) before it resolves and survives a SIGKILL of the process at any
 * point; flush() checkpoints with fsync, after which the writes also survive power loss.
 * `synchronous: "full"` fsyncs every write instead (slower; it blocks the event loop per write).
 * node:sqlite is synchronous: each call blocks for microseconds (see bench/store_bench.ts).
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import { decodeDocument, encodeDocument } from "./codec.ts";
import { checkKey, checkLimit, checkNamespace, prefixEnd, run } from "./keys.ts";
import type { ListOptions, Namespace, Store } from "./store.ts";

/** Schema version in PRAGMA user_version; a newer file is refused rather than misread. */
const SCHEMA_VERSION = 1;
/** How long a write waits for another connection's lock before failing. */
const BUSY_TIMEOUT_MS = 5000;

export interface FileStoreOptions {
  /** "normal" (default): durable on process crash, on power loss after flush(); "full": always. */
  synchronous?: "normal" | "full";
}

/** Opens (creating it and its parent directories if needed) the store file at `path`. */
export async function openFileStore(
  path: string,
  options: FileStoreOptions = {},
): Promise<FileStore> {
  const slash = path.lastIndexOf("/");
  if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
  return new FileStore(path, options);
}

type Row = { key: string; value: string };

export class FileStore implements Store {
  readonly kind = "file";
  readonly path: string;
  #db: DatabaseSync;
  #get: StatementSync;
  #put: StatementSync;
  #delete: StatementSync;
  #lists = new Map<string, StatementSync>();
  #closed = false;

  /** Prefer openFileStore, which also creates the parent directory. */
  constructor(path: string, options: FileStoreOptions = {}) {
    this.path = path;
    this.#db = new DatabaseSync(path);
    try {
      this.#db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      const mode = this.#db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
      if (mode.journal_mode !== "wal") throw new Error(`${path}: WAL mode unavailable`);
      this.#db.exec(`PRAGMA synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
      this.#migrate();
    } catch (e) {
      this.#db.close();
      throw e;
    }
    this.#get = this.#db.prepare("SELECT value FROM kv WHERE ns = ? AND key = ?");
    this.#put = this.#db.prepare(
      "INSERT INTO kv (ns, key, value) VALUES (?, ?, ?) " +
        "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value",
    );
    this.#delete = this.#db.prepare("DELETE FROM kv WHERE ns = ? AND key = ?");
  }

  #migrate(): void {
    const { user_version: version } = this.#db.prepare("PRAGMA user_version").get() as {
      user_version: number;
    };
    if (version > SCHEMA_VERSION) {
      throw new Error(`${this.path}: store schema ${version} is newer than ${SCHEMA_VERSION}`);
    }
    this.#db.exec(
      "CREATE TABLE IF NOT EXISTS kv (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL," +
        " PRIMARY KEY (ns, key)) WITHOUT ROWID",
    );
    if (version < SCHEMA_VERSION) this.#db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  }

  get<T>(ns: Namespace, key: string): Promise<T | undefined> {
    return run(() => {
      this.#check(ns, key);
      const row = this.#get.get(ns, key) as { value: string } | undefined;
      return row === undefined ? undefined : decodeDocument<T>(row.value);
    });
  }

  put<T>(ns: Namespace, key: string, value: T): Promise<void> {
    return run(() => {
      this.#check(ns, key);
      this.#put.run(ns, key, encodeDocument(value));
    });
  }

  delete(ns: Namespace, key: string): Promise<void> {
    return run(() => {
      this.#check(ns, key);
      this.#delete.run(ns, key);
    });
  }

  list<T>(ns: Namespace, options: ListOptions = {}): Promise<{ key: string; value: T }[]> {
    return run(() => {
      const { prefix = "", after, limit } = options;
      this.#check(ns, prefix, "prefix");
      if (after !== undefined) checkKey(after, "after");
      checkLimit(limit);
      const end = prefixEnd(prefix);
      const where = ["ns = ?"];
      const params: (string | number)[] = [ns];
      const bound = (condition: string, value: string) => {
        where.push(condition);
        params.push(value);
      };
      if (prefix !== "") bound("key >= ?", prefix);
      if (end !== null) bound("key < ?", end);
      if (after !== undefined) bound("key > ?", after);
      const sql = `SELECT key, value FROM kv WHERE ${where.join(" AND ")} ORDER BY key LIMIT ?`;
      params.push(limit ?? -1); // SQLite: a negative LIMIT means no limit
      let statement = this.#lists.get(sql);
      if (statement === undefined) {
        statement = this.#db.prepare(sql);
        this.#lists.set(sql, statement);
      }
      const rows = statement.all(...params) as Row[];
      return rows.map((r) => ({ key: r.key, value: decodeDocument<T>(r.value) }));
    });
  }

  /** Checkpoints the WAL into the database file with fsync (durable against power loss). */
  flush(): Promise<void> {
    return run(() => {
      this.#check();
      const r = this.#db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number };
      if (r.busy !== 0) throw new Error(`${this.path}: checkpoint blocked by another connection`);
    });
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#db.close(); // SQLite checkpoints and removes the WAL on the last close
    }
    return Promise.resolve();
  }

  #check(ns?: Namespace, key?: string, what?: string): void {
    if (this.#closed) throw new Error(`file store ${this.path} is closed`);
    if (ns !== undefined) checkNamespace(ns);
    if (key !== undefined) checkKey(key, what);
  }
}
