// 0014_access_proposal_consumed: when a single-use approval (a `secret.read` proposal) was used.
// Set once, by one conditional UPDATE (`consumed_at is null`), so an approval is good for one use
// across restarts and instances; before this the "used" marker lived in the ephemeral store
// (memory or Redis), and losing it (a restart, a flush, an eviction) made the approval usable again.
// Whether an already applied secret.read approval was used cannot be told from the database, so
// they all count as used (fail-closed): an unused one has to be asked for again.
import { sql } from "kysely";
import type { StoreMigration } from "./types.js";

export const accessProposalConsumed: StoreMigration = {
  async up(db, { types }) {
    await db.schema.alterTable("access_proposals").addColumn("consumed_at", types.millis).execute();
    await sql`update access_proposals set consumed_at = applied_at
      where kind = 'secret.read' and applied_at is not null`.execute(db);
  },
  async down(db) {
    await db.schema.alterTable("access_proposals").dropColumn("consumed_at").execute();
  },
};
