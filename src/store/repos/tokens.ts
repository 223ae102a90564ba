// The token module's TokenStore port over Kysely (SQLite and PostgreSQL alike). Rotation is one
// transaction (old current → previous, new current inserted; a racing rotation loses on the unique
// version); revocations are conditional UPDATEs (revoked_at IS NULL) whose row count says who won.
import type { Kysely, Selectable } from "kysely";
import type { UserId } from "../../kernel/index.js";
import type { StoredSigningKey, TokenRecord, TokenStore } from "../../tokens/index.js";
import { isUniqueViolation } from "../errors.js";
import type { Store } from "../open.js";
import type { ApiTokenTable, TokenSigningKeyTable } from "../schema/tokens.js";
import type { Database } from "../schema.js";

const changed = (r: { numUpdatedRows?: bigint } | undefined): number => Number(r?.numUpdatedRows ?? 0n);
const num = (v: number | null): number | null => (v === null ? null : Number(v));

function toKey(r: Selectable<TokenSigningKeyTable>): StoredSigningKey {
  return {
    kid: r.kid,
    version: Number(r.version),
    alg: r.alg,
    publicKeyDer: r.public_key,
    privateKeyEnc: r.private_key_enc,
    jweKeyEnc: r.jwe_key_enc,
    status: r.status as StoredSigningKey["status"],
    createdAt: Number(r.created_at),
    supersededAt: num(r.superseded_at),
    retiredAt: num(r.retired_at),
  };
}

function toRecord(r: Selectable<ApiTokenTable>): TokenRecord {
  return {
    jti: r.jti,
    userId: r.user_id as UserId,
    kid: r.kid,
    sid: r.sid,
    roles: JSON.parse(r.roles) as string[],
    scope: JSON.parse(r.scope) as string[],
    ipBinding: r.ip_binding,
    description: r.description,
    issuedAt: Number(r.issued_at),
    expiresAt: Number(r.expires_at),
    revokedAt: num(r.revoked_at),
    revokedReason: r.revoked_reason,
  };
}

export class TokenRepository implements TokenStore {
  constructor(private readonly store: Store) {}

  private get db(): Kysely<Database> {
    return this.store.db;
  }

  async listSigningKeys(): Promise<StoredSigningKey[]> {
    const rows = await this.db.selectFrom("token_signing_keys").selectAll().orderBy("version").execute();
    return rows.map(toKey);
  }

  async rotateSigningKey(key: StoredSigningKey, now: number): Promise<boolean> {
    try {
      await this.store.transaction(async (trx) => {
        await trx
          .updateTable("token_signing_keys")
          .set({ status: "previous", superseded_at: now })
          .where("status", "=", "current")
          .execute();
        await trx
          .insertInto("token_signing_keys")
          .values({
            kid: key.kid,
            version: key.version,
            alg: key.alg,
            public_key: key.publicKeyDer,
            private_key_enc: key.privateKeyEnc,
            jwe_key_enc: key.jweKeyEnc,
            status: "current",
            created_at: key.createdAt,
            superseded_at: null,
            retired_at: null,
          })
          .execute();
      });
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async retireSigningKey(kid: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable("token_signing_keys")
      .set({ status: "retired", retired_at: now })
      .where("kid", "=", kid)
      .where("status", "=", "previous")
      .executeTakeFirst();
    return changed(r) === 1;
  }

  async latestExpiryForKey(kid: string): Promise<number | null> {
    const r = await this.db
      .selectFrom("api_tokens")
      .select((eb) => eb.fn.max("expires_at").as("latest"))
      .where("kid", "=", kid)
      .executeTakeFirst();
    return r?.latest === null || r?.latest === undefined ? null : Number(r.latest);
  }

  async insertToken(t: TokenRecord): Promise<void> {
    await this.db
      .insertInto("api_tokens")
      .values({
        jti: t.jti,
        user_id: t.userId,
        kid: t.kid,
        sid: t.sid,
        roles: JSON.stringify(t.roles),
        scope: JSON.stringify(t.scope),
        ip_binding: t.ipBinding,
        description: t.description,
        issued_at: t.issuedAt,
        expires_at: t.expiresAt,
        revoked_at: t.revokedAt,
        revoked_reason: t.revokedReason,
      })
      .execute();
  }

  async findToken(jti: string): Promise<TokenRecord | null> {
    const r = await this.db.selectFrom("api_tokens").selectAll().where("jti", "=", jti).executeTakeFirst();
    return r ? toRecord(r) : null;
  }

  async listTokens(filter: {
    userId?: UserId;
    includeInactive: boolean;
    now: number;
  }): Promise<TokenRecord[]> {
    let q = this.db.selectFrom("api_tokens").selectAll();
    if (filter.userId !== undefined) q = q.where("user_id", "=", filter.userId);
    if (!filter.includeInactive) q = q.where("revoked_at", "is", null).where("expires_at", ">", filter.now);
    const rows = await q.orderBy("issued_at", "desc").limit(10_000).execute();
    return rows.map(toRecord);
  }

  async revokeToken(jti: string, reason: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable("api_tokens")
      .set({ revoked_at: now, revoked_reason: reason })
      .where("jti", "=", jti)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return changed(r) === 1;
  }

  async revokeUserTokens(userId: UserId, reason: string, now: number): Promise<string[]> {
    return this.store.transaction(async (trx) => {
      const rows = await trx
        .selectFrom("api_tokens")
        .select("jti")
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .where("expires_at", ">", now)
        .execute();
      if (rows.length === 0) return [];
      await trx
        .updateTable("api_tokens")
        .set({ revoked_at: now, revoked_reason: reason })
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .where("expires_at", ">", now)
        .execute();
      return rows.map((r) => r.jti);
    });
  }
}
