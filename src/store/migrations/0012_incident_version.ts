// 0012_incident_version: optimistic concurrency for incidents. Every write of an incident row is
// conditional on the version it was read at and bumps it (src/store/repos/detection.ts), so the
// detection consumer (one per instance), the action runner and people closing incidents cannot
// overwrite one another's changes; rows that exist already start at 0. Also an index to find the
// records of one action and target across incidents (who else still holds a block on an address).
import type { StoreMigration } from "./types.js";

export const incidentVersion: StoreMigration = {
  async up(db) {
    await db.schema
      .alterTable("incidents")
      .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex("incident_actions_key").on("incident_actions").column("action_key").execute();
  },
  async down(db) {
    await db.schema.dropIndex("incident_actions_key").execute();
    await db.schema.alterTable("incidents").dropColumn("version").execute();
  },
};
