// 0011_ledger_append_only: the database itself refuses UPDATE and DELETE (and, on PostgreSQL,
// TRUNCATE) on the ledger's entries, tree nodes and checkpoints. No code path changes these rows
// (src/store/repos/ledger.ts and the SQLite writer thread only insert), so a refusal means a
// mistake or a hand edit. This does not stop an attacker with write access to the database: such a
// user can drop the triggers first. Catching that is what `rampart audit verify` and checkpoints
// kept elsewhere (`--against`) are for. The refusal reaches callers as ERR_STORE_CONSTRAINT_VIOLATION
// on both dialects (SQLite: SQLITE_CONSTRAINT_TRIGGER; PostgreSQL: SQLSTATE 23001).
import { sql } from "kysely";
import type { StoreMigration } from "./types.js";

export const LEDGER_TABLES = ["audit_entries", "audit_nodes", "audit_checkpoints"] as const;

export const ledgerAppendOnly: StoreMigration = {
  async up(db, { dialect }) {
    if (dialect === "sqlite") {
      for (const table of LEDGER_TABLES) {
        for (const op of ["update", "delete"] as const) {
          await sql
            .raw(
              `create trigger ${table}_no_${op} before ${op} on ${table} ` +
                `begin select raise(abort, '${table} is append-only'); end`,
            )
            .execute(db);
        }
      }
      return;
    }
    await sql
      .raw(
        `create function rampart_ledger_append_only() returns trigger language plpgsql as $$
         begin
           raise exception '% is append-only', tg_table_name using errcode = 'restrict_violation';
         end $$`,
      )
      .execute(db);
    for (const table of LEDGER_TABLES) {
      await sql
        .raw(
          `create trigger ${table}_append_only before update or delete on ${table} ` +
            "for each row execute function rampart_ledger_append_only()",
        )
        .execute(db);
      // Row triggers do not see TRUNCATE.
      await sql
        .raw(
          `create trigger ${table}_no_truncate before truncate on ${table} ` +
            "for each statement execute function rampart_ledger_append_only()",
        )
        .execute(db);
    }
  },
  async down(db, { dialect }) {
    if (dialect === "sqlite") {
      for (const table of LEDGER_TABLES)
        for (const op of ["update", "delete"]) await sql.raw(`drop trigger ${table}_no_${op}`).execute(db);
      return;
    }
    for (const table of LEDGER_TABLES) {
      await sql.raw(`drop trigger ${table}_append_only on ${table}`).execute(db);
      await sql.raw(`drop trigger ${table}_no_truncate on ${table}`).execute(db);
    }
    await sql.raw("drop function rampart_ledger_append_only()").execute(db);
  },
};
