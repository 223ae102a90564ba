// 0013_vault_version_approval: whether reading a version needs a four-eyes approval is recorded on
// the version itself, at write time, and never cleared (src/vault/service.ts). Before this the
// read check used the secret's current flag for every version, so turning the flag off also
// released every version written while it was on. Existing versions of a secret that needs
// approval now are marked as needing it; versions of other secrets are not.
import { sql } from "kysely";
import type { StoreMigration } from "./types.js";

export const vaultVersionApproval: StoreMigration = {
  async up(db, { types }) {
    await db.schema
      .alterTable("vault_secret_versions")
      .addColumn("approval_required", types.flag, (c) => c.notNull().defaultTo(0))
      .execute();
    await sql`update vault_secret_versions set approval_required = 1
      where path in (select path from vault_secrets where approval_required = 1)`.execute(db);
  },
  async down(db) {
    await db.schema.alterTable("vault_secret_versions").dropColumn("approval_required").execute();
  },
};
