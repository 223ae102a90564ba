// Every migration, in order. Migrations are append-only: once committed, a migration is never
// edited or renamed (a database that ran it would disagree with the code); fix forward instead.
//
// To add one (e.g. for the identity module):
//  1. Create `src/store/migrations/NNNN_<module>_<what>.ts` with the next free four-digit number,
//     exporting a `StoreMigration` (see types.ts):
//
//       import type { StoreMigration } from "./types.js";
//       export const identityUsers: StoreMigration = {
//         async up(db, { types, addIdColumn }) {
//           await db.schema.createTable("users")
//             .addColumn("id", "text", (c) => c.primaryKey())
//             .addColumn("name", "text", (c) => c.notNull().unique())
//             .addColumn("disabled", types.flag, (c) => c.notNull().defaultTo(0))
//             .addColumn("secret", types.binary)
//             .addColumn("created_at", types.millis, (c) => c.notNull())
//             .execute();
//         },
//       };
//
//     Use ctx.types for anything that differs between SQLite and PostgreSQL (binary, millis,
//     int64), ctx.addIdColumn for an auto-increment key, and branch on ctx.dialect only when
//     nothing portable exists. Both dialects run each migration in a transaction.
//  2. Append `["NNNN_<module>_<what>", identityUsers]` to the list below.
//  3. Add the table types to src/store/schema.ts (a `<Module>Tables` interface added to the
//     `extends` list of `Database`).
//  4. Run the storage conformance suite on both dialects (it checks names, order and idempotence).
import { core } from "./0001_core.js";
import { identity } from "./0002_identity.js";
import { ledger } from "./0003_ledger.js";
import { access } from "./0004_access.js";
import { tokens } from "./0005_tokens.js";
import { vault } from "./0006_vault.js";
import { trading } from "./0007_trading.js";
import { auditSinks } from "./0008_audit_sinks.js";
import { detection } from "./0009_detection.js";
import { network } from "./0010_network.js";
import { ledgerAppendOnly } from "./0011_ledger_append_only.js";
import { incidentVersion } from "./0012_incident_version.js";
import { vaultVersionApproval } from "./0013_vault_version_approval.js";
import { accessProposalConsumed } from "./0014_access_proposal_consumed.js";
import type { StoreMigration } from "./types.js";

export type { ColumnTypes, MigrationContext, StoreMigration } from "./types.js";
export { migrationContext } from "./types.js";

export const migrations: ReadonlyArray<readonly [name: string, migration: StoreMigration]> = [
  ["0001_core", core],
  ["0002_identity", identity],
  ["0003_ledger", ledger],
  ["0004_access", access],
  ["0005_tokens", tokens],
  ["0006_vault", vault],
  ["0007_trading", trading],
  ["0008_audit_sinks", auditSinks],
  ["0009_detection", detection],
  ["0010_network", network],
  ["0011_ledger_append_only", ledgerAppendOnly],
  ["0012_incident_version", incidentVersion],
  ["0013_vault_version_approval", vaultVersionApproval],
  ["0014_access_proposal_consumed", accessProposalConsumed],
];
