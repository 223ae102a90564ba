// 0005_tokens: machine identity (src/tokens, src/pki). Token signing keys (private halves wrapped
// by the KeyRing, purpose "tokens"), the record of every issued API token (never the token itself:
// its jti), Rampart's CA (key wrapped, purpose "ca"), service accounts and their client certificates.
import type { StoreMigration } from "./types.js";

export const tokens: StoreMigration = {
  async up(db, { types }) {
    await db.schema
      .createTable("token_signing_keys")
      .addColumn("kid", "text", (c) => c.primaryKey())
      .addColumn("version", "integer", (c) => c.notNull().unique())
      .addColumn("alg", "text", (c) => c.notNull())
      .addColumn("public_key", types.binary, (c) => c.notNull())
      .addColumn("private_key_enc", "text", (c) => c.notNull())
      .addColumn("jwe_key_enc", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .addColumn("superseded_at", types.millis)
      .addColumn("retired_at", types.millis)
      .execute();
    await db.schema
      .createTable("api_tokens")
      .addColumn("jti", "text", (c) => c.primaryKey())
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("kid", "text", (c) => c.notNull().references("token_signing_keys.kid"))
      .addColumn("sid", "text", (c) => c.notNull())
      .addColumn("roles", types.json, (c) => c.notNull())
      .addColumn("scope", types.json, (c) => c.notNull())
      .addColumn("ip_binding", "text")
      .addColumn("description", "text")
      .addColumn("issued_at", types.millis, (c) => c.notNull())
      .addColumn("expires_at", types.millis, (c) => c.notNull())
      .addColumn("revoked_at", types.millis)
      .addColumn("revoked_reason", "text")
      .execute();
    await db.schema.createIndex("api_tokens_user_id").on("api_tokens").column("user_id").execute();
    await db.schema.createIndex("api_tokens_kid").on("api_tokens").column("kid").execute();
    await db.schema
      .createTable("pki_ca")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("cert_pem", "text", (c) => c.notNull())
      .addColumn("key_enc", "text", (c) => c.notNull())
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("service_accounts")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull().unique())
      .addColumn("roles", types.json, (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("created_at", types.millis, (c) => c.notNull())
      .addColumn("updated_at", types.millis, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("service_certificates")
      .addColumn("serial", "text", (c) => c.primaryKey())
      .addColumn("service_id", "text", (c) =>
        c.notNull().references("service_accounts.id").onDelete("cascade"),
      )
      .addColumn("fingerprint", "text", (c) => c.notNull().unique())
      .addColumn("not_before", types.millis, (c) => c.notNull())
      .addColumn("not_after", types.millis, (c) => c.notNull())
      .addColumn("issued_at", types.millis, (c) => c.notNull())
      .addColumn("revoked_at", types.millis)
      .addColumn("revoked_reason", "text")
      .execute();
    await db.schema
      .createIndex("service_certificates_service_id")
      .on("service_certificates")
      .column("service_id")
      .execute();
  },
  async down(db) {
    for (const t of [
      "service_certificates",
      "service_accounts",
      "pki_ca",
      "api_tokens",
      "token_signing_keys",
    ])
      await db.schema.dropTable(t).execute();
  },
};
