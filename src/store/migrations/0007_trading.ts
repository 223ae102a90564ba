// 0007_trading: trading controls (src/trading). The authoritative state per scope (global,
// strategy:NAME, instrument:CODE) with a version per row for compare-and-set, every verb sent to a
// control adapter with its confirmation, and four-eyes resume requests.
import type { StoreMigration } from "./types.js";

export const trading: StoreMigration = {
  async up(db, { types }) {
    await db.schema
      .createTable("trading_state")
      .addColumn("scope", "text", (c) => c.primaryKey())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("changed_by", "text", (c) => c.notNull())
      .addColumn("changed_at", types.millis, (c) => c.notNull())
      .addColumn("version", types.int64, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("trading_actions")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("verb", "text", (c) => c.notNull())
      .addColumn("scope", "text", (c) => c.notNull())
      .addColumn("adapter", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("requested_by", "text", (c) => c.notNull())
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .addColumn("completed_at", types.millis)
      .addColumn("before_state", types.json)
      .addColumn("after_state", types.json)
      .addColumn("error", "text")
      .addColumn("elapsed_ms", "integer")
      .execute();
    await db.schema
      .createIndex("trading_actions_created_at")
      .on("trading_actions")
      .column("created_at")
      .execute();
    await db.schema
      .createTable("trading_resume_requests")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("scope", "text", (c) => c.notNull())
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("proposed_by", "text", (c) => c.notNull())
      .addColumn("proposed_at", types.millis, (c) => c.notNull())
      .addColumn("expires_at", types.millis, (c) => c.notNull())
      .addColumn("drill", types.flag, (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("approved_by", "text")
      .addColumn("approved_at", types.millis)
      .addColumn("applied_at", types.millis)
      .execute();
    await db.schema
      .createIndex("trading_resume_requests_status")
      .on("trading_resume_requests")
      .column("status")
      .execute();
  },
};
