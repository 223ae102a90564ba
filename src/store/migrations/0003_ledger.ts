// 0003_ledger: the audit ledger (src/audit). Entries, the Merkle tree's completed interior nodes,
// signed checkpoints and the ledger signing key. Append-only: no code path updates or deletes
// these rows (src/store/repos/ledger.ts has no such statement).
import { sql } from "kysely";
import type { StoreMigration } from "./types.js";

export const ledger: StoreMigration = {
  async up(db, { dialect, types }) {
    await db.schema
      .createTable("audit_entries")
      .addColumn("idx", types.int64, (c) => c.primaryKey())
      .addColumn("leaf_hash", types.binary, (c) => c.notNull())
      // The canonical (RFC 8785) event text: exactly what the leaf hash covers.
      .addColumn("event", "text", (c) => c.notNull())
      .addColumn("event_id", "text", (c) => c.notNull())
      .addColumn("event_type", "text", (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("outcome", "text", (c) => c.notNull())
      .addColumn("user_id", "text")
      .addColumn("ts", types.millis, (c) => c.notNull())
      .execute();
    // Perfect subtrees of level ≥ 1, keyed by (level, index): any proof is O(log n) point reads.
    let nodes = db.schema
      .createTable("audit_nodes")
      .addColumn("level", "integer", (c) => c.notNull())
      .addColumn("idx", types.int64, (c) => c.notNull())
      .addColumn("hash", types.binary, (c) => c.notNull())
      .addPrimaryKeyConstraint("audit_nodes_pk", ["level", "idx"]);
    if (dialect === "sqlite") nodes = nodes.modifyEnd(sql`without rowid`);
    await nodes.execute();
    await db.schema
      .createTable("audit_checkpoints")
      .addColumn("tree_size", types.int64, (c) => c.primaryKey())
      .addColumn("root_hash", types.binary, (c) => c.notNull())
      .addColumn("note", "text", (c) => c.notNull())
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("audit_ledger_keys")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("public_key", types.binary, (c) => c.notNull())
      .addColumn("private_key", "text", (c) => c.notNull())
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .execute();
  },
  async down(db) {
    for (const t of ["audit_ledger_keys", "audit_checkpoints", "audit_nodes", "audit_entries"])
      await db.schema.dropTable(t).execute();
  },
};
