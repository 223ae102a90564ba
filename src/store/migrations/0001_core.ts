// 0001_core: the `meta` table (install id and other facts about this installation).
import type { StoreMigration } from "./types.js";

interface MetaRow {
  key: string;
  value: string;
}

export const core: StoreMigration = {
  async up(db) {
    await db.schema
      .createTable("meta")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("value", "text", (c) => c.notNull())
      .execute();
    await db
      .withTables<{ meta: MetaRow }>()
      .insertInto("meta")
      .values({ key: "install_id", value: globalThis.crypto.randomUUID() })
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("meta").execute();
  },
};
