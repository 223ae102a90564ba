// Helpers for tests in every module: open a throw-away store (a temp directory on SQLite, a fresh
// schema on PostgreSQL) and list which backends to run against. Tests pass `process.env` in;
// src/store itself never reads the environment.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import type { DatabaseDialect } from "../kernel/index.js";
import { type EphemeralStore, type MemoryBackend, openEphemeral } from "./kv/index.js";
import { migrateToLatest } from "./migrate.js";
import { LEDGER_TABLES } from "./migrations/0011_ledger_append_only.js";
import { openStore, type Store } from "./open.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface DatabaseTarget {
  readonly dialect: DatabaseDialect;
  readonly url: string | undefined;
  /** A reason to skip this target (for node:test's `skip`), or false. */
  readonly skip: string | false;
}

/** SQLite always; PostgreSQL from RAMPART_TEST_DATABASE_URL, or skipped with the reason. */
export function databaseTargets(env: Env): DatabaseTarget[] {
  const url = env["RAMPART_TEST_DATABASE_URL"] || undefined;
  return [
    { dialect: "sqlite", url: undefined, skip: false },
    { dialect: "postgres", url, skip: url === undefined ? "RAMPART_TEST_DATABASE_URL is not set" : false },
  ];
}

/** A short random lower-case hex string for schema names and key prefixes. */
export function randomTag(bytes = 6): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export interface TestStore {
  readonly store: Store;
  /** The SQLite data directory (a fresh temp directory; for SQLite targets only meaningful one). */
  readonly dataDir: string;
  /** Closes the store and deletes its data: the temp directory or the PostgreSQL schema. */
  dispose(): Promise<void>;
}

/** Opens a fresh, migrated (unless `migrate: false`) store for `target`. */
export async function openTestStore(
  target: Pick<DatabaseTarget, "url">,
  options: { migrate?: boolean; poolSize?: number } = {},
): Promise<TestStore> {
  const dataDir = await mkdtemp(join(tmpdir(), "rampart-store-"));
  const schema = target.url === undefined ? undefined : `rampart_test_${randomTag()}`;
  const store = await openStore({ url: target.url, dataDir, schema, poolSize: options.poolSize });
  if (options.migrate !== false) await migrateToLatest(store);
  let disposed: Promise<void> | undefined;
  const dispose = async (): Promise<void> => {
    if (schema !== undefined) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  return {
    store,
    dataDir,
    dispose: () => {
      disposed ??= dispose();
      return disposed;
    },
  };
}

/**
 * Drops the triggers that make the ledger's tables refuse UPDATE and DELETE (migration 0011), for a
 * test that tampers with a stored ledger on purpose to show that verification catches it. Anyone
 * with write access to the database can do the same, which is why the triggers only stop mistakes
 * and verification is what catches tampering.
 */
export async function allowLedgerTampering(store: Store): Promise<void> {
  for (const table of LEDGER_TABLES) {
    if (store.dialect === "sqlite") {
      await sql.raw(`drop trigger if exists ${table}_no_update`).execute(store.db);
      await sql.raw(`drop trigger if exists ${table}_no_delete`).execute(store.db);
    } else {
      await sql.raw(`drop trigger if exists ${table}_append_only on ${table}`).execute(store.db);
      await sql.raw(`drop trigger if exists ${table}_no_truncate on ${table}`).execute(store.db);
    }
  }
}

/**
 * Makes SQLite refuse every ledger append, on every connection (a trigger, unlike `PRAGMA
 * query_only`, also binds the ledger's writer thread). Returns the function that lifts it.
 */
export async function refuseLedgerAppends(store: Store): Promise<() => Promise<void>> {
  await sql`create trigger refuse_ledger_appends before insert on audit_entries
            begin select raise(abort, 'audit ledger is read-only'); end`.execute(store.db);
  return async () => {
    await sql`drop trigger refuse_ledger_appends`.execute(store.db);
  };
}

export interface EphemeralTarget {
  readonly kind: "memory" | "redis";
  readonly redisUrl: string | undefined;
  readonly skip: string | false;
}

/** Memory always; Redis from RAMPART_TEST_REDIS_URL, or skipped with the reason. */
export function ephemeralTargets(env: Env): EphemeralTarget[] {
  const redisUrl = env["RAMPART_TEST_REDIS_URL"] || undefined;
  return [
    { kind: "memory", redisUrl: undefined, skip: false },
    { kind: "redis", redisUrl, skip: redisUrl === undefined ? "RAMPART_TEST_REDIS_URL is not set" : false },
  ];
}

/** An ephemeral store under a fresh `rampart:test:<random>:` prefix (Redis keys are left to expire or be deleted by the test). */
export function openTestEphemeral(
  target: Pick<EphemeralTarget, "redisUrl">,
  options: { prefix?: string; memoryBackend?: MemoryBackend } = {},
): Promise<EphemeralStore> {
  return openEphemeral({
    redisUrl: target.redisUrl,
    prefix: options.prefix ?? `rampart:test:${randomTag()}:`,
    memoryBackend: options.memoryBackend,
  });
}
