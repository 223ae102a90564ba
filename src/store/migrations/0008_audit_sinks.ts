// 0008_audit_sinks: what reads the ledger keeps its place here. Each sink's cursor (next entry index
// and the largest checkpoint delivered), each tailed pysystemtrade log file's offset, and indexes
// for the audit API's filters (user, time). Cursors and offsets are updated in place; ledger rows
// are still never updated or deleted.
import type { StoreMigration } from "./types.js";

export const auditSinks: StoreMigration = {
  async up(db, { types }) {
    await db.schema
      .createTable("audit_sink_cursors")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("next_index", types.int64, (c) => c.notNull())
      .addColumn("checkpoint_size", types.int64, (c) => c.notNull())
      .addColumn("updated_at", types.millis, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("audit_ingest_offsets")
      // The followed path as given (absolute), and the identity of the file the offset is in.
      .addColumn("path", "text", (c) => c.primaryKey())
      .addColumn("file_id", "text", (c) => c.notNull())
      .addColumn("offset", types.int64, (c) => c.notNull())
      .addColumn("updated_at", types.millis, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("audit_entries_user")
      .on("audit_entries")
      .columns(["user_id", "idx"])
      .execute();
    await db.schema.createIndex("audit_entries_ts").on("audit_entries").column("ts").execute();
  },
  async down(db) {
    await db.schema.dropIndex("audit_entries_ts").execute();
    await db.schema.dropIndex("audit_entries_user").execute();
    await db.schema.dropTable("audit_ingest_offsets").execute();
    await db.schema.dropTable("audit_sink_cursors").execute();
  },
};
