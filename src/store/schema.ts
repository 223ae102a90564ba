// Kysely table types: what the database looks like after every migration in migrations/ has run.
// One `Database` interface composed of one interface per module, so each module adds its tables
// without touching another's: write `export interface IdentityTables { users: UserTable; ... }`
// next to CoreTables (or in `schema/<module>.ts` once this file grows) and add it to the `extends`
// list of Database. Column conventions, identical on SQLite and PostgreSQL:
//  - timestamps: integer milliseconds since the Unix epoch (`Millis`), bigint on PostgreSQL;
//  - booleans: integer 0/1 (`Flag`; true/false are accepted on write);
//  - binary: `Uint8Array` (blob / bytea; Buffers come back);
//  - JSON: text, serialised by the repository.
import type { ColumnType } from "kysely";
import type { AccessTables } from "./schema/access.js";
import type { AuditSinkTables } from "./schema/audit-sinks.js";
import type { DetectionTables } from "./schema/detection.js";
import type { LedgerTables } from "./schema/ledger.js";
import type { NetworkTables } from "./schema/network.js";
import type { TokensTables } from "./schema/tokens.js";
import type { TradingTables } from "./schema/trading.js";
import type { VaultTables } from "./schema/vault.js";

/** Milliseconds since the Unix epoch; read back as a JS number on both dialects. */
export type Millis = number;

/** A boolean stored as integer 0/1: read as 0 | 1, written as a boolean or 0 | 1. */
export type Flag = ColumnType<0 | 1, boolean | 0 | 1, boolean | 0 | 1>;

/** A Flag column with a default, so inserts may omit it (`Generated<Flag>` does not nest). */
export type FlagWithDefault = ColumnType<0 | 1, boolean | 0 | 1 | undefined, boolean | 0 | 1>;

/** Binary data: written as a Uint8Array of whatever kind, read back as a Buffer (a Uint8Array). */
export type Bytes = Uint8Array;

/** Key/value facts about this installation (install id, ...). */
export interface MetaTable {
  key: string;
  value: string;
}

export interface CoreTables {
  meta: MetaTable;
}

/** src/identity (migration 0002_identity). JSON `roles` is a text array; see repos/identity.ts. */
export interface UserTable {
  id: string;
  username: string;
  username_folded: string;
  display_name: string;
  roles: string;
  status: string;
  password_hash: string;
  must_change_password: Flag;
  lockout_count: number;
  locked_until: Millis | null;
  created_at: Millis;
  updated_at: Millis;
  last_login_at: Millis | null;
}

export interface UserTotpTable {
  user_id: string;
  secret_enc: string;
  status: string;
  last_step: number;
  created_at: Millis;
  confirmed_at: Millis | null;
}

export interface UserRecoveryCodeTable {
  user_id: string;
  code_hash: string;
  created_at: Millis;
  used_at: Millis | null;
}

export interface UserSessionTable {
  id: string;
  user_id: string;
  token_hash: string;
  csrf_hash: string;
  created_at: Millis;
  expires_at: Millis;
  idle_timeout_ms: number;
  last_seen_at: Millis;
  mfa_at: Millis;
  ip: string | null;
  user_agent: string | null;
  revoked_at: Millis | null;
  revoked_reason: string | null;
}

export interface IdentityTables {
  users: UserTable;
  user_totp: UserTotpTable;
  user_recovery_codes: UserRecoveryCodeTable;
  user_sessions: UserSessionTable;
}

export interface Database
  extends CoreTables,
    IdentityTables,
    LedgerTables,
    AuditSinkTables,
    AccessTables,
    TokensTables,
    VaultTables,
    TradingTables,
    NetworkTables,
    DetectionTables {}
