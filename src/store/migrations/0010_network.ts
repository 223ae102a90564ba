// 0010_network: IP allow/block entries added at run time (config entries live in rampart.yaml).
import type { StoreMigration } from "./types.js";

export const network: StoreMigration = {
  async up(db, { types }) {
    await db.schema
      .createTable("ip_rules")
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("cidr", "text", (c) => c.notNull())
      .addColumn("expires_at", types.millis)
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .addPrimaryKeyConstraint("ip_rules_pk", ["kind", "cidr"])
      .execute();
  },
};
