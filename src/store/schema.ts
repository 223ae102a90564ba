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

/** Milliseconds since the Unix epoch; read back as a JS number on both dialects. */
export type Millis = number;

/** A boolean stored as integer 0/1: read as 0 | 1, written as a boolean or 0 | 1. */
export type Flag = ColumnType<0 | 1, boolean | 0 | 1, boolean | 0 | 1>;

/** A Flag column with a default, so inserts may omit it (`Generated<Flag>` does not nest). */
export type FlagWithDefault = ColumnType<0 | 1, boolean | 0 | 1 | undefined, boolean | 0 | 1>;

/** Binary data: written as any Uint8Array, read back as a Buffer (a Uint8Array). */
export type Bytes = Uint8Array;

/** Key/value facts about this installation (install id, ...). */
export interface MetaTable {
  key: string;
  value: string;
}

export interface CoreTables {
  meta: MetaTable;
}

export interface Database extends CoreTables {}
