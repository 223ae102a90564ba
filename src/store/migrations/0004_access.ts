// 0004_access: access control's records (src/access). Four-eyes proposals (the exact change as
// JSON, who asked, who decided, when it was applied), access-review attestations (who signed off
// which listing, by its SHA-256), and role definitions changed through an approved proposal.
import type { StoreMigration } from "./types.js";

export const access: StoreMigration = {
  async up(db, { types }) {
    await db.schema
      .createTable("access_proposals")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("payload", types.json, (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("summary", "text", (c) => c.notNull())
      .addColumn("requested_by", "text", (c) => c.notNull())
      .addColumn("requested_by_name", "text", (c) => c.notNull())
      .addColumn("reason", "text")
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .addColumn("expires_at", types.millis, (c) => c.notNull())
      .addColumn("decided_by", "text")
      .addColumn("decided_by_name", "text")
      .addColumn("decided_at", types.millis)
      .addColumn("decision_note", "text")
      .addColumn("applied_at", types.millis)
      .addColumn("result", types.json)
      .addColumn("failure", "text")
      .execute();
    await db.schema
      .createIndex("access_proposals_status_created")
      .on("access_proposals")
      .columns(["status", "created_at"])
      .execute();
    await db.schema
      .createTable("access_attestations")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("attested_by", "text", (c) => c.notNull())
      .addColumn("note", "text", (c) => c.notNull())
      .addColumn("listing_hash", "text", (c) => c.notNull())
      .addColumn("user_count", "integer", (c) => c.notNull())
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("access_role_definitions")
      .addColumn("role", "text", (c) => c.primaryKey())
      .addColumn("permissions", types.json, (c) => c.notNull())
      .addColumn("restrictions", types.json, (c) => c.notNull())
      .addColumn("proposal_id", "text", (c) => c.notNull())
      .addColumn("updated_at", types.millis, (c) => c.notNull())
      .execute();
  },
  async down(db) {
    for (const t of ["access_role_definitions", "access_attestations", "access_proposals"])
      await db.schema.dropTable(t).execute();
  },
};
