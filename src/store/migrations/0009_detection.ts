// 0009_detection: detection and response (src/detection, src/response). The stream consumer's
// position and state snapshot per consumer, detection records (scores written beside the
// immutable ledger entry, never into it), incidents with their evidence (ledger indices) and the
// playbook actions taken for them (one row per action and target: the idempotency key).
import type { StoreMigration } from "./types.js";

export const detection: StoreMigration = {
  async up(db, { types }) {
    await db.schema
      .createTable("detection_state")
      .addColumn("consumer", "text", (c) => c.primaryKey())
      .addColumn("next_index", types.int64, (c) => c.notNull())
      .addColumn("snapshot", types.json, (c) => c.notNull())
      .addColumn("updated_at", types.millis, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("detection_records")
      .addColumn("idx", types.int64, (c) => c.primaryKey())
      .addColumn("ts", types.millis, (c) => c.notNull())
      .addColumn("anomaly", "double precision", (c) => c.notNull())
      .addColumn("risk_score", "double precision", (c) => c.notNull())
      .addColumn("threat_level", "text", (c) => c.notNull())
      .addColumn("rules", types.json, (c) => c.notNull())
      .addColumn("subject", "text")
      .execute();
    await db.schema
      .createTable("incidents")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("subject", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("severity", "text", (c) => c.notNull())
      .addColumn("opened_at", types.millis, (c) => c.notNull())
      .addColumn("updated_at", types.millis, (c) => c.notNull())
      .addColumn("first_index", types.int64, (c) => c.notNull())
      .addColumn("last_index", types.int64, (c) => c.notNull())
      .addColumn("first_event_at", types.millis, (c) => c.notNull())
      .addColumn("last_event_at", types.millis, (c) => c.notNull())
      .addColumn("event_count", "integer", (c) => c.notNull())
      .addColumn("detection_count", "integer", (c) => c.notNull())
      .addColumn("escalated", types.flag, (c) => c.notNull())
      .addColumn("dry_run", types.flag, (c) => c.notNull())
      .addColumn("acknowledged_by", "text")
      .addColumn("closed_by", "text")
      .addColumn("resolution", "text")
      .addColumn("rules", types.json, (c) => c.notNull())
      .addColumn("context", types.json, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("incidents_open")
      .on("incidents")
      .columns(["type", "subject", "status"])
      .execute();
    await db.schema.createIndex("incidents_opened_at").on("incidents").column("opened_at").execute();
    await db.schema
      .createTable("incident_evidence")
      .addColumn("incident_id", "text", (c) => c.notNull())
      .addColumn("idx", types.int64, (c) => c.notNull())
      .addColumn("rule", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("incident_evidence_pk", ["incident_id", "idx"])
      .execute();
    await db.schema
      .createTable("incident_actions")
      .addColumn("incident_id", "text", (c) => c.notNull())
      .addColumn("action_key", "text", (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("target", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull())
      .addColumn("dry_run", types.flag, (c) => c.notNull())
      .addColumn("detail", "text")
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .addColumn("updated_at", types.millis, (c) => c.notNull())
      .addPrimaryKeyConstraint("incident_actions_pk", ["incident_id", "action_key"])
      .execute();
    await db.schema.createIndex("incident_actions_status").on("incident_actions").column("status").execute();
  },
};
