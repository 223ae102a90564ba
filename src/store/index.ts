// The storage layer: the only module that talks to SQLite, PostgreSQL or Redis. Domain modules
// define ports; their implementations live in src/store/repos/<module>.ts over `Store.db`.

export type { StoreErrorCode } from "./errors.js";
export {
  isForeignKeyViolation,
  isRetryableConflict,
  isStoreError,
  isUniqueViolation,
  StoreError,
  toStoreError,
} from "./errors.js";
export type {
  EphemeralStore,
  MessageHandler,
  OpenEphemeralOptions,
  SetAddOptions,
  TokenBucketResult,
  TokenBucketSpec,
  Unsubscribe,
} from "./kv/index.js";
export {
  MemoryBackend,
  openEphemeral,
} from "./kv/index.js";
export { defaultVerifyWorkers } from "./ledger-verify.js";
export { withLedgerWriterThread } from "./ledger-writer.js";
export { readInstallId, readMeta, writeMeta } from "./meta.js";
export type { MigrationReport, MigrationStatus } from "./migrate.js";
export { MIGRATION_TABLE, migrateToLatest, migrationStatus } from "./migrate.js";
export type { ColumnTypes, MigrationContext, StoreMigration } from "./migrations/index.js";
export { migrations } from "./migrations/index.js";
export type { Store } from "./open.js";
export { dialectOf, openStore } from "./open.js";
export { AccessRepository } from "./repos/access.js";
export { DetectionRepository, IncidentRepository } from "./repos/detection.js";
export { IdentityRepository } from "./repos/identity.js";
export type { Rk1ColumnSpec } from "./repos/keys.js";
export { KeysRepository, RK1_COLUMNS } from "./repos/keys.js";
export { createLedgerRepository } from "./repos/ledger.js";
export {
  createFileOffsetRepository,
  createLedgerQueryRepository,
  createSinkCursorRepository,
  createSinkSource,
} from "./repos/ledger-sinks.js";
export { createIpRuleRepository } from "./repos/network.js";
export { PkiRepository } from "./repos/pki.js";
export { TokenRepository } from "./repos/tokens.js";
export { TradingRepository } from "./repos/trading.js";
export { VaultRepository } from "./repos/vault.js";
export type { Bytes, CoreTables, Database, Flag, FlagWithDefault, MetaTable, Millis } from "./schema.js";
export type { DatabaseTarget, EphemeralTarget, TestStore } from "./testing.js";
export {
  allowLedgerTampering,
  databaseTargets,
  ephemeralTargets,
  openTestEphemeral,
  openTestStore,
  randomTag,
  refuseLedgerAppends,
} from "./testing.js";
export type { OpenStoreOptions, StoreLogger } from "./types.js";
