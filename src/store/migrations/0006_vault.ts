// 0006_vault: the key hierarchy's versions (wrapped data keys, usage reservations), the master-key
// check value, and versioned secrets (src/keys, src/vault). Nothing here is plaintext: data keys are
// wrapped under their KEK, secret values are rk2 ciphertexts bound to (path, version, field).
import type { StoreMigration } from "./types.js";

export const vault: StoreMigration = {
  async up(db, { types }) {
    await db.schema
      .createTable("key_versions")
      .addColumn("purpose", "text", (c) => c.notNull())
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("wrapped_key", "text", (c) => c.notNull())
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .addColumn("usage_reserved", types.int64, (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint("key_versions_pk", ["purpose", "version"])
      .execute();
    await db.schema
      .createTable("key_master")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("check_value", "text", (c) => c.notNull())
      .addColumn("updated_at", types.millis, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("vault_secrets")
      .addColumn("path", "text", (c) => c.primaryKey())
      .addColumn("current_version", "integer", (c) => c.notNull())
      .addColumn("approval_required", types.flag, (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .addColumn("updated_at", types.millis, (c) => c.notNull())
      .addColumn("deleted_at", types.millis)
      .execute();
    await db.schema
      .createTable("vault_secret_versions")
      .addColumn("path", "text", (c) => c.notNull().references("vault_secrets.path").onDelete("cascade"))
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("destroyed_at", types.millis)
      .addPrimaryKeyConstraint("vault_secret_versions_pk", ["path", "version"])
      .execute();
    await db.schema
      .createTable("vault_values")
      .addColumn("path", "text", (c) => c.notNull())
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("field", "text", (c) => c.notNull())
      .addColumn("ciphertext", "text", (c) => c.notNull())
      .addColumn("key_version", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("vault_values_pk", ["path", "version", "field"])
      .addForeignKeyConstraint(
        "vault_values_version_fk",
        ["path", "version"],
        "vault_secret_versions",
        ["path", "version"],
        (c) => c.onDelete("cascade"),
      )
      .execute();
    await db.schema
      .createIndex("vault_values_key_version")
      .on("vault_values")
      .columns(["key_version", "path", "version", "field"])
      .execute();
  },
  async down(db) {
    for (const t of ["vault_values", "vault_secret_versions", "vault_secrets", "key_master", "key_versions"])
      await db.schema.dropTable(t).execute();
  },
};
