// openStore: a Kysely instance over SQLite (default, `<dataDir>/rampart.db`) or PostgreSQL (when
// the URL says so), with the same error, binding and transaction behaviour on both (driver.ts).
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join, resolve } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from "kysely";
import pg from "pg";
import type { DatabaseDialect } from "../kernel/index.js";
import { guardDialect } from "./driver.js";
import { parseInt8, StoreError, toStoreError } from "./errors.js";
import type { Database } from "./schema.js";
import { type OpenStoreOptions, type StoreLogger, silentLogger } from "./types.js";

/**
 * Where the database is, so that a worker thread can open a connection of its own (ledger
 * verification). A PostgreSQL URL may hold a password: never log it.
 */
export type StoreLocation =
  | { readonly dialect: "sqlite"; readonly file: string; readonly busyTimeoutMs: number }
  | {
      readonly dialect: "postgres";
      readonly url: string;
      /** The `schema` option (search_path), if one was given. */
      readonly schema: string | undefined;
      readonly connectTimeoutMs: number;
    };

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: DatabaseDialect;
  /** PostgreSQL: the schema in use (the `schema` option, else the server's current_schema()); SQLite: undefined. */
  readonly schema: string | undefined;
  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** Resolves when the database answers; throws ERR_STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  /** Closes the pool or file; idempotent. */
  close(): Promise<void>;
  /** A method rather than a property, so that logging the store cannot print a URL. */
  location(): StoreLocation;
  /**
   * SQLite only (undefined on PostgreSQL): runs `fn` synchronously on the connection while holding
   * it as a Kysely query would, so never in the middle of another caller's transaction. For bulk
   * reads where building each query through Kysely costs more than running it.
   */
  readonly withSqlite: (<T>(fn: (db: SqliteDatabase.Database) => T) => Promise<T>) | undefined;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Which dialect a configured URL selects. */
export function dialectOf(url: string | undefined): DatabaseDialect {
  if (url === undefined || url === "") return "sqlite";
  if (/^postgres(ql)?:\/\//i.test(url)) return "postgres";
  if (/^sqlite:/i.test(url)) return "sqlite";
  throw new StoreError("ERR_STORE_CONFIG", {
    message: "database.url must start with postgres://, postgresql:// or sqlite://",
  });
}

function sqliteFile(url: string | undefined, dataDir: string): string {
  if (url === undefined || url === "") return join(dataDir, "rampart.db");
  const path = url.replace(/^sqlite:(\/\/)?/i, "");
  if (path === "") throw new StoreError("ERR_STORE_CONFIG", { message: "database.url names no SQLite file" });
  return resolve(dataDir, decodeURIComponent(path));
}

function openSqlite(file: string, busyTimeoutMs: number): SqliteDatabase.Database {
  try {
    mkdirSync(join(file, ".."), { recursive: true, mode: 0o700 });
    // Create the file owner-only before SQLite does: its -wal and -shm files inherit the mode.
    closeSync(openSync(file, "a", 0o600));
    const db = new SqliteDatabase(file, { timeout: busyTimeoutMs });
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    return db;
  } catch (e) {
    throw toStoreError(e, "ERR_STORE_UNAVAILABLE");
  }
}

/**
 * Kysely prepares every query anew; SQLite statement compilation then costs more than running
 * the query. Cache prepared statements by SQL text (bounded), skipping one that is mid-iteration
 * (a streamed query), since a better-sqlite3 statement cannot be re-entered while busy.
 */
function withStatementCache(db: SqliteDatabase.Database, limit = 512): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== "prepare") return Reflect.get(target, prop, receiver);
      return (sqlText: string) => {
        const cached = cache.get(sqlText);
        if (cached && !cached.busy) return cached;
        const stmt = target.prepare(sqlText);
        if (!cached) {
          if (cache.size >= limit) cache.delete(cache.keys().next().value as string);
          cache.set(sqlText, stmt);
        }
        return stmt;
      };
    },
  });
}

// Scoped to this pool through the `types` option, so pg's process-wide parsers stay untouched.
const pgTypes = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 && format !== "binary"
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

function openPool(url: string, o: OpenStoreOptions, logger: StoreLogger): pg.Pool {
  if (o.schema !== undefined && !SCHEMA_NAME.test(o.schema)) {
    throw new StoreError("ERR_STORE_CONFIG", {
      message: "the PostgreSQL schema name must be lower-case letters, digits and underscores",
    });
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: o.poolSize ?? 10,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
    idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs ?? 60_000,
    idleTimeoutMillis: 30_000,
    application_name: "rampart",
    types: pgTypes,
    ...(o.schema === undefined ? {} : { options: `-c search_path=${o.schema}` }),
  });
  // An idle client losing its connection emits on the pool; unhandled, that would end the process.
  pool.on("error", (e) =>
    logger.warn({ err: toStoreError(e, "ERR_STORE_UNAVAILABLE") }, "postgres idle client error"),
  );
  // So does a client checked out between two queries of a transaction (the server ended the
  // session: idle-in-transaction timeout, restart, pg_terminate_backend); its next query fails.
  pool.on("connect", (client) =>
    client.on("error", (e) =>
      logger.warn({ err: toStoreError(e, "ERR_STORE_UNAVAILABLE") }, "postgres connection lost"),
    ),
  );
  return pool;
}

async function ensureSchema(db: Kysely<Database>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (e) {
    // Two processes creating the same schema at once: one wins, the other sees a unique violation.
    if (!(e instanceof StoreError && e.code === "ERR_STORE_UNIQUE_VIOLATION")) throw e;
  }
}

/**
 * The schema unqualified names resolve to. The migrator names it explicitly: left to itself, Kysely
 * looks its tables up across every schema and mistakes another installation's (or test run's) for ours.
 */
async function currentSchema(db: Kysely<Database>): Promise<string> {
  const r = await sql<{ s: string | null }>`select current_schema() as s`.execute(db);
  return r.rows[0]?.s ?? "public";
}

/** Opens the database and checks that it answers. Run migrateToLatest before using tables. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const logger = options.logger ?? silentLogger;
  const dialect = dialectOf(options.url);
  let db: Kysely<Database>;
  let raw: { file: string; database: SqliteDatabase.Database } | undefined;
  if (dialect === "postgres") {
    const pool = openPool(options.url as string, options, logger);
    db = new Kysely<Database>({ dialect: guardDialect(new PostgresDialect({ pool }), "postgres") });
  } else {
    const file = sqliteFile(options.url, options.dataDir);
    const database = openSqlite(file, options.busyTimeoutMs ?? 5000);
    raw = { file, database };
    db = new Kysely<Database>({
      dialect: guardDialect(new SqliteDialect({ database: withStatementCache(database) }), "sqlite"),
    });
  }
  let closed: Promise<void> | undefined;
  let schema: string | undefined;
  const withSqlite = raw
    ? <T>(fn: (database: SqliteDatabase.Database) => T): Promise<T> => {
        const database = (raw as { database: SqliteDatabase.Database }).database;
        // Kysely's SQLite driver lends its one connection to one query or transaction at a time.
        return db.connection().execute(async () => {
          try {
            return fn(database);
          } catch (e) {
            throw toStoreError(e);
          }
        });
      }
    : undefined;
  const store: Store = {
    db,
    dialect,
    get schema() {
      return schema;
    },
    transaction: (fn) => db.transaction().execute(fn),
    location: () =>
      raw
        ? { dialect: "sqlite", file: raw.file, busyTimeoutMs: options.busyTimeoutMs ?? 5000 }
        : {
            dialect: "postgres",
            url: options.url as string,
            schema: options.schema,
            connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
          },
    withSqlite,
    ping: async () => {
      try {
        await sql`select 1`.execute(db);
      } catch (e) {
        throw toStoreError(e, "ERR_STORE_UNAVAILABLE");
      }
    },
    close: () => {
      closed ??= db.destroy();
      return closed;
    },
  };
  try {
    if (dialect === "postgres") {
      if (options.schema !== undefined) await ensureSchema(db, options.schema);
      schema = options.schema ?? (await currentSchema(db));
    }
    await store.ping();
  } catch (e) {
    await store.close().catch(() => {});
    throw toStoreError(e, "ERR_STORE_UNAVAILABLE");
  }
  logger.info({ dialect, schema: store.schema }, "store opened");
  return store;
}
