// A Kysely dialect wrapper that gives both dialects the same behaviour at the driver boundary:
//  - every driver error leaves as a StoreError (see errors.ts), so callers never see SQLSTATEs;
//  - booleans are bound as 0/1 and Uint8Arrays as Buffers, so the portable column conventions
//    (flags as integers, binary as blob/bytea) work the same on better-sqlite3 and pg;
//  - SQLite transactions start with BEGIN IMMEDIATE, so a second process (the CLI next to a running
//    server) waits on busy_timeout instead of failing with SQLITE_BUSY on a lock upgrade;
//  - SQLite migrations run inside a transaction (SQLite supports transactional DDL; Kysely's
//    adapter is conservative and says it does not).
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  sql,
  type TableMetadata,
  type TransactionSettings,
} from "kysely";
import type { DatabaseDialect } from "../kernel/index.js";
import { toStoreError } from "./errors.js";

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

function bindable(value: unknown): unknown {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return value;
}

function normalize(query: CompiledQuery): CompiledQuery {
  if (!query.parameters.some((p) => typeof p === "boolean" || p instanceof Uint8Array)) return query;
  return { ...query, parameters: query.parameters.map(bindable) };
}

async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw toStoreError(e);
  }
}

class GuardedConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return guard(() => this.inner.executeQuery<R>(normalize(query)));
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(normalize(query), chunkSize);
    } catch (e) {
      throw toStoreError(e);
    }
  }
}

type Compile = QueryCompiler["compileQuery"];

class GuardedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly dialect: DatabaseDialect,
  ) {}

  private unwrap(c: DatabaseConnection): DatabaseConnection {
    return c instanceof GuardedConnection ? c.inner : c;
  }

  init(): Promise<void> {
    return guard(() => this.inner.init());
  }

  acquireConnection(): Promise<DatabaseConnection> {
    return guard(async () => new GuardedConnection(await this.inner.acquireConnection()));
  }

  beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (this.dialect === "sqlite") {
      return guard(async () => {
        await this.unwrap(c).executeQuery(CompiledQuery.raw("begin immediate"));
      });
    }
    return guard(() => this.inner.beginTransaction(this.unwrap(c), settings));
  }

  commitTransaction(c: DatabaseConnection): Promise<void> {
    return guard(() => this.inner.commitTransaction(this.unwrap(c)));
  }

  rollbackTransaction(c: DatabaseConnection): Promise<void> {
    return guard(() => this.inner.rollbackTransaction(this.unwrap(c)));
  }

  savepoint(c: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    return guard(async () => this.inner.savepoint?.(this.unwrap(c), name, compile));
  }

  rollbackToSavepoint(c: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    return guard(async () => this.inner.rollbackToSavepoint?.(this.unwrap(c), name, compile));
  }

  releaseSavepoint(c: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    return guard(async () => this.inner.releaseSavepoint?.(this.unwrap(c), name, compile));
  }

  releaseConnection(c: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(this.unwrap(c));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** Wraps `inner` (SqliteDialect or PostgresDialect) with the behaviour described above. */
export function guardDialect(inner: Dialect, dialect: DatabaseDialect): Dialect {
  return {
    createDriver: (): Driver => new GuardedDriver(inner.createDriver(), dialect),
    createQueryCompiler: (): QueryCompiler => inner.createQueryCompiler(),
    createAdapter: (): DialectAdapter =>
      dialect === "sqlite" ? new TransactionalDdlSqliteAdapter() : inner.createAdapter(),
    createIntrospector: (db: Kysely<unknown>): DatabaseIntrospector =>
      dialect === "postgres"
        ? new TableListIntrospector(db, inner.createIntrospector(db))
        : inner.createIntrospector(db),
  };
}

/**
 * Kysely's PostgreSQL introspector reads the columns of every table in every schema and calls
 * pg_get_serial_sequence('schema.table') on each: when another installation sharing the server (or
 * another test run) drops its schema at that moment, the call fails with "schema does not exist"
 * and so did our migrations. The only reader of introspection here is Kysely's Migrator, which
 * asks whether its own tables exist (schema and name): this lists tables and views from the catalog
 * in one query that resolves no names, so another schema vanishing cannot fail it. Columns are
 * not listed (nothing here reads them).
 */
class TableListIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly inner: DatabaseIntrospector,
  ) {}

  getSchemas(): ReturnType<DatabaseIntrospector["getSchemas"]> {
    return this.inner.getSchemas();
  }

  async getTables(): Promise<TableMetadata[]> {
    const r = await sql<{ schema: string; name: string; is_view: boolean }>`
      select n.nspname as schema, c.relname as name, c.relkind in ('v', 'm') as is_view
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p', 'v', 'm')
        and n.nspname <> 'information_schema' and n.nspname not like 'pg\_%'`.execute(this.db);
    return r.rows.map((t) => ({ schema: t.schema, name: t.name, isView: t.is_view, columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}
