// Types shared across the store: the logger it writes to and the options it is opened with.
import type { DatabaseDialect } from "../kernel/index.js";

/** The subset of a pino logger the store uses; pass the application's logger or nothing. */
export interface StoreLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

export const silentLogger: StoreLogger = { info: () => {}, warn: () => {} };

export interface OpenStoreOptions {
  /** `postgres://` / `postgresql://` for PostgreSQL; `sqlite:///path/file.db` or absent for SQLite. */
  url?: string | undefined;
  /** The data directory: the SQLite database is `<dataDir>/rampart.db` unless `url` names a file. */
  dataDir: string;
  /** PostgreSQL pool size (config `database.pool_size`). Default 10. */
  poolSize?: number | undefined;
  /** PostgreSQL only: a schema created if absent and used as search_path on every connection. */
  schema?: string | undefined;
  logger?: StoreLogger | undefined;
  /** How long SQLite waits on a lock held by another connection or process. Default 5000 ms. */
  busyTimeoutMs?: number | undefined;
  /** How long PostgreSQL waits for a connection from the pool or the server. Default 10000 ms. */
  connectTimeoutMs?: number | undefined;
  /**
   * PostgreSQL ends a session left idle inside a transaction this long, releasing its locks: a
   * process stalled mid-transaction cannot hold every other instance's ledger appends (which then
   * fail closed) for ever. Default 60000 ms.
   */
  idleInTransactionTimeoutMs?: number | undefined;
}

export type { DatabaseDialect };
