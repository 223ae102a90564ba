// 0002_identity: users, their TOTP factor and recovery codes, and sessions (src/identity).
// Secrets never appear in clear: password hashes are argon2id strings, the TOTP secret a KeyRing
// ciphertext, recovery codes and session / CSRF tokens SHA-256 hashes.
import type { StoreMigration } from "./types.js";

export const identity: StoreMigration = {
  async up(db, { types }) {
    await db.schema
      .createTable("users")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("username", "text", (c) => c.notNull())
      .addColumn("username_folded", "text", (c) => c.notNull().unique())
      .addColumn("display_name", "text", (c) => c.notNull())
      .addColumn("roles", types.json, (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("password_hash", "text", (c) => c.notNull())
      .addColumn("must_change_password", types.flag, (c) => c.notNull().defaultTo(0))
      .addColumn("lockout_count", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("locked_until", types.millis)
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .addColumn("updated_at", types.millis, (c) => c.notNull())
      .addColumn("last_login_at", types.millis)
      .execute();
    await db.schema
      .createTable("user_totp")
      .addColumn("user_id", "text", (c) => c.primaryKey().references("users.id").onDelete("cascade"))
      .addColumn("secret_enc", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("last_step", types.int64, (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .addColumn("confirmed_at", types.millis)
      .execute();
    await db.schema
      .createTable("user_recovery_codes")
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("code_hash", "text", (c) => c.notNull())
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .addColumn("used_at", types.millis)
      .addPrimaryKeyConstraint("user_recovery_codes_pk", ["user_id", "code_hash"])
      .execute();
    await db.schema
      .createTable("user_sessions")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("token_hash", "text", (c) => c.notNull().unique())
      .addColumn("csrf_hash", "text", (c) => c.notNull())
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .addColumn("expires_at", types.millis, (c) => c.notNull())
      .addColumn("idle_timeout_ms", types.int64, (c) => c.notNull())
      .addColumn("last_seen_at", types.millis, (c) => c.notNull())
      .addColumn("mfa_at", types.millis, (c) => c.notNull())
      .addColumn("ip", "text")
      .addColumn("user_agent", "text")
      .addColumn("revoked_at", types.millis)
      .addColumn("revoked_reason", "text")
      .execute();
    await db.schema.createIndex("user_sessions_user_id").on("user_sessions").column("user_id").execute();
  },
  async down(db) {
    for (const t of ["user_sessions", "user_recovery_codes", "user_totp", "users"])
      await db.schema.dropTable(t).execute();
  },
};
