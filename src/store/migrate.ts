// Running migrations: Kysely's Migrator over the static list in migrations/index.ts, with each
// migration handed the dialect. Safe to run from several processes at once (Kysely takes a lock
// table row on PostgreSQL; SQLite serialises on its single writer).
import { type Migration, type MigrationResult, Migrator } from "kysely";
import { isStoreError, StoreError, toStoreError } from "./errors.js";
import { migrationContext, migrations } from "./migrations/index.js";
import type { Store } from "./open.js";
import type { StoreLogger } from "./types.js";

export const MIGRATION_TABLE = "rampart_migration";
export const MIGRATION_LOCK_TABLE = "rampart_migration_lock";

export interface MigrationReport {
  /** Name of the newest applied migration, e.g. "0001_core". */
  version: string;
  /** Migrations applied by this call, oldest first (empty when already up to date). */
  applied: string[];
}

export interface MigrationStatus {
  /** Newest applied migration, or null for an empty database. */
  version: string | null;
  /** Every applied migration, oldest first. */
  applied: string[];
  /** Known migrations not yet applied, oldest first. */
  pending: string[];
  /** The newest migration this build knows. */
  latest: string;
}

function migrator(store: Store): Migrator {
  const ctx = migrationContext(store.dialect);
  const set: Record<string, Migration> = {};
  for (const [name, m] of migrations) {
    set[name] = { up: (db) => m.up(db, ctx), ...(m.down ? { down: (db) => m.down!(db, ctx) } : {}) };
  }
  return new Migrator({
    db: store.db,
    provider: { getMigrations: async () => set },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    // Without an explicit schema Kysely looks the lock table up in information_schema across every
    // schema, finds another run's table, and then fails to use its own (42P01).
    ...(store.schema === undefined ? {} : { migrationTableSchema: store.schema }),
  });
}

function latestKnown(): string {
  const last = migrations[migrations.length - 1];
  if (last === undefined)
    throw new StoreError("ERR_STORE_MIGRATION", { detail: "no migrations are defined" });
  return last[0];
}

/** Lists applied and pending migrations without changing anything. */
export async function migrationStatus(store: Store): Promise<MigrationStatus> {
  let infos: Awaited<ReturnType<Migrator["getMigrations"]>>;
  try {
    infos = await migrator(store).getMigrations();
  } catch (e) {
    throw toStoreError(e, "ERR_STORE_MIGRATION");
  }
  const applied = infos.filter((i) => i.executedAt !== undefined).map((i) => i.name);
  const pending = infos.filter((i) => i.executedAt === undefined).map((i) => i.name);
  return { version: applied[applied.length - 1] ?? null, applied, pending, latest: latestKnown() };
}

/** Applies every pending migration in order; each runs in its own transaction. */
export async function migrateToLatest(store: Store, logger?: StoreLogger): Promise<MigrationReport> {
  const { error, results } = await migrator(store).migrateToLatest();
  const ok = (results ?? [])
    .filter((r: MigrationResult) => r.status === "Success")
    .map((r) => r.migrationName);
  for (const name of ok) logger?.info({ migration: name, dialect: store.dialect }, "migration applied");
  if (error !== undefined) {
    if (isStoreError(error, "ERR_STORE_UNAVAILABLE") || isStoreError(error, "ERR_STORE_CONFLICT"))
      throw error;
    const failed = (results ?? []).find((r) => r.status === "Error")?.migrationName;
    const message = error instanceof Error ? error.message : String(error);
    // Kysely says "corrupted migrations" when the database ran a migration this build lacks.
    const detail = /corrupted migrations|missing/i.test(message)
      ? `the database has migrations this build does not know (written by a newer Rampart?): ${message}`
      : `${failed === undefined ? "" : `migration ${failed}: `}${message}`;
    throw new StoreError("ERR_STORE_MIGRATION", { detail, cause: error });
  }
  const status = await migrationStatus(store);
  if (status.version === null)
    throw new StoreError("ERR_STORE_MIGRATION", { detail: "no migration was applied" });
  return { version: status.version, applied: ok };
}
