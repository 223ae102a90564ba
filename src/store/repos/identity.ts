// The identity module's IdentityStore port over Kysely (SQLite and PostgreSQL alike). Single-use
// guards are single conditional UPDATEs whose affected-row count says who won: the TOTP replay
// guard (last_step < :step), recovery codes (used_at IS NULL), session revocation
// (revoked_at IS NULL), a password change or rehash (password_hash = the hash verified) and a
// factor's activation (secret_enc = the secret the code was checked against). Multi-row changes (activate factor + recovery codes) run in a transaction.
import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type {
  IdentityStore,
  Session,
  TotpFactor,
  TotpStatus,
  User,
  UserListing,
  UserPatch,
  UserStatus,
} from "../../identity/index.js";
import type { SessionId, UserId } from "../../kernel/index.js";
import { isUniqueViolation } from "../errors.js";
import type { Store } from "../open.js";
import type { Database, UserSessionTable, UserTable, UserTotpTable } from "../schema.js";

type Db = Kysely<Database> | Transaction<Database>;

const changed = (r: { numUpdatedRows?: bigint; numDeletedRows?: bigint } | undefined): number =>
  Number(r?.numUpdatedRows ?? r?.numDeletedRows ?? 0n);

function toUser(r: Selectable<UserTable>): User {
  return {
    id: r.id as UserId,
    username: r.username,
    usernameFolded: r.username_folded,
    displayName: r.display_name,
    roles: JSON.parse(r.roles) as string[],
    status: r.status as UserStatus,
    passwordHash: r.password_hash,
    mustChangePassword: r.must_change_password === 1,
    lockoutCount: Number(r.lockout_count),
    lockedUntil: r.locked_until === null ? null : Number(r.locked_until),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    lastLoginAt: r.last_login_at === null ? null : Number(r.last_login_at),
  };
}

function toTotp(r: Selectable<UserTotpTable>): TotpFactor {
  return {
    userId: r.user_id as UserId,
    secretEnc: r.secret_enc,
    status: r.status as TotpStatus,
    lastStep: Number(r.last_step),
    createdAt: Number(r.created_at),
    confirmedAt: r.confirmed_at === null ? null : Number(r.confirmed_at),
  };
}

function toSession(r: Selectable<UserSessionTable>): Session {
  return {
    id: r.id as SessionId,
    userId: r.user_id as UserId,
    tokenHash: r.token_hash,
    csrfHash: r.csrf_hash,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    idleTimeoutMs: Number(r.idle_timeout_ms),
    lastSeenAt: Number(r.last_seen_at),
    mfaAt: Number(r.mfa_at),
    ip: r.ip,
    userAgent: r.user_agent,
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    revokedReason: r.revoked_reason,
  };
}

async function insertRecoveryCodes(db: Db, userId: string, hashes: readonly string[], now: number) {
  await db.deleteFrom("user_recovery_codes").where("user_id", "=", userId).execute();
  if (hashes.length > 0)
    await db
      .insertInto("user_recovery_codes")
      .values(hashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: now, used_at: null })))
      .execute();
}

export class IdentityRepository implements IdentityStore {
  constructor(private readonly store: Store) {}

  private get db(): Kysely<Database> {
    return this.store.db;
  }

  async deleteUser(id: UserId): Promise<void> {
    await this.db.deleteFrom("users").where("id", "=", id).execute();
  }

  async lockUser(id: UserId, now: number, durationsMs: readonly number[]): Promise<number | null> {
    // Every SET expression reads the row as it was, so lockout_count in the CASE is the number of
    // lockouts before this one. The values are integers computed here, inlined as literals (a
    // parameter in a CASE arm has no type PostgreSQL can infer).
    const until = (d: number | undefined) => {
      const t = now + (d ?? 0);
      if (!Number.isSafeInteger(t)) throw new RangeError("lockUser: locked_until must be an integer");
      return sql.lit(t);
    };
    const last = durationsMs.length - 1;
    const lockedUntil =
      last <= 0
        ? sql<number>`${until(durationsMs[0])}`
        : sql<number>`case ${sql.join(
            durationsMs
              .slice(0, last)
              .map((d, k) => sql`when lockout_count = ${sql.lit(k)} then ${until(d)}`),
            sql` `,
          )} else ${until(durationsMs[last])} end`;
    const r = await this.db
      .updateTable("users")
      .set({
        status: "locked",
        lockout_count: sql<number>`lockout_count + 1`,
        locked_until: lockedUntil,
        updated_at: now,
      })
      .where("id", "=", id)
      .where((eb) =>
        eb.or([
          eb("status", "=", "active"),
          eb.and([
            eb("status", "=", "locked"),
            eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now)]),
          ]),
        ]),
      )
      .returning("locked_until")
      .executeTakeFirst();
    return r?.locked_until == null ? null : Number(r.locked_until);
  }

  async resetLockout(id: UserId, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable("users")
      .set({
        lockout_count: 0,
        locked_until: null,
        status: sql<string>`case when status = 'locked' then 'active' else status end`,
        updated_at: now,
      })
      .where("id", "=", id)
      .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now)]))
      .executeTakeFirst();
    return changed(r) === 1;
  }

  async insertUser(u: User): Promise<boolean> {
    try {
      await this.db
        .insertInto("users")
        .values({
          id: u.id,
          username: u.username,
          username_folded: u.usernameFolded,
          display_name: u.displayName,
          roles: JSON.stringify(u.roles),
          status: u.status,
          password_hash: u.passwordHash,
          must_change_password: u.mustChangePassword,
          lockout_count: u.lockoutCount,
          locked_until: u.lockedUntil,
          created_at: u.createdAt,
          updated_at: u.updatedAt,
          last_login_at: u.lastLoginAt,
        })
        .execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async findUserById(id: UserId): Promise<User | null> {
    const r = await this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? toUser(r) : null;
  }

  async findUserByFoldedName(folded: string): Promise<User | null> {
    const r = await this.db
      .selectFrom("users")
      .selectAll()
      .where("username_folded", "=", folded)
      .executeTakeFirst();
    return r ? toUser(r) : null;
  }

  async listUsers(): Promise<UserListing[]> {
    const users = await this.db.selectFrom("users").selectAll().orderBy("username_folded").execute();
    const active = await this.db
      .selectFrom("user_totp")
      .select("user_id")
      .where("status", "=", "active")
      .execute();
    const enrolled = new Set(active.map((r) => r.user_id));
    return users.map((r) => ({ user: toUser(r), mfaEnrolled: enrolled.has(r.id) }));
  }

  async countUsers(): Promise<number> {
    const r = await this.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async updateUser(id: UserId, p: UserPatch): Promise<boolean> {
    const r = await this.db
      .updateTable("users")
      .set({
        updated_at: p.updatedAt,
        ...(p.displayName !== undefined && { display_name: p.displayName }),
        ...(p.roles !== undefined && { roles: JSON.stringify(p.roles) }),
        ...(p.status !== undefined && { status: p.status }),
        ...(p.passwordHash !== undefined && { password_hash: p.passwordHash }),
        ...(p.mustChangePassword !== undefined && { must_change_password: p.mustChangePassword }),
        ...(p.lockoutCount !== undefined && { lockout_count: p.lockoutCount }),
        ...(p.lockedUntil !== undefined && { locked_until: p.lockedUntil }),
        ...(p.lastLoginAt !== undefined && { last_login_at: p.lastLoginAt }),
      })
      .where("id", "=", id)
      .executeTakeFirst();
    return changed(r) === 1;
  }

  async replacePasswordHash(
    id: UserId,
    expectedHash: string,
    newHash: string,
    p: { mustChangePassword?: boolean; updatedAt: number },
  ): Promise<boolean> {
    const r = await this.db
      .updateTable("users")
      .set({
        password_hash: newHash,
        updated_at: p.updatedAt,
        ...(p.mustChangePassword !== undefined && { must_change_password: p.mustChangePassword }),
      })
      .where("id", "=", id)
      .where("password_hash", "=", expectedHash)
      .executeTakeFirst();
    return changed(r) === 1;
  }

  async getTotp(userId: UserId): Promise<TotpFactor | null> {
    const r = await this.db
      .selectFrom("user_totp")
      .selectAll()
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return r ? toTotp(r) : null;
  }

  putPendingTotp(userId: UserId, secretEnc: string, now: number): Promise<boolean> {
    return this.store.transaction(async (trx) => {
      const existing = await trx
        .selectFrom("user_totp")
        .select("status")
        .where("user_id", "=", userId)
        .executeTakeFirst();
      if (existing?.status === "active") return false;
      await trx
        .deleteFrom("user_totp")
        .where("user_id", "=", userId)
        .where("status", "=", "pending")
        .execute();
      await trx
        .insertInto("user_totp")
        .values({
          user_id: userId,
          secret_enc: secretEnc,
          status: "pending",
          last_step: 0,
          created_at: now,
          confirmed_at: null,
        })
        .execute();
      return true;
    });
  }

  activateTotp(
    userId: UserId,
    secretEnc: string,
    step: number,
    hashes: readonly string[],
    now: number,
  ): Promise<boolean> {
    return this.store.transaction(async (trx) => {
      const r = await trx
        .updateTable("user_totp")
        .set({ status: "active", last_step: step, confirmed_at: now })
        .where("user_id", "=", userId)
        .where("status", "=", "pending")
        .where("secret_enc", "=", secretEnc)
        .executeTakeFirst();
      if (changed(r) !== 1) return false;
      await insertRecoveryCodes(trx, userId, hashes, now);
      return true;
    });
  }

  async acceptTotpStep(userId: UserId, step: number): Promise<boolean> {
    const r = await this.db
      .updateTable("user_totp")
      .set({ last_step: step })
      .where("user_id", "=", userId)
      .where("status", "=", "active")
      .where("last_step", "<", step)
      .executeTakeFirst();
    return changed(r) === 1;
  }

  deleteMfa(userId: UserId): Promise<boolean> {
    return this.store.transaction(async (trx) => {
      await trx.deleteFrom("user_recovery_codes").where("user_id", "=", userId).execute();
      const r = await trx.deleteFrom("user_totp").where("user_id", "=", userId).executeTakeFirst();
      return changed(r) > 0;
    });
  }

  replaceRecoveryCodes(userId: UserId, hashes: readonly string[], now: number): Promise<void> {
    return this.store.transaction((trx) => insertRecoveryCodes(trx, userId, hashes, now));
  }

  async consumeRecoveryCode(userId: UserId, hash: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable("user_recovery_codes")
      .set({ used_at: now })
      .where("user_id", "=", userId)
      .where("code_hash", "=", hash)
      .where("used_at", "is", null)
      .executeTakeFirst();
    return changed(r) === 1;
  }

  async countUnusedRecoveryCodes(userId: UserId): Promise<number> {
    const r = await this.db
      .selectFrom("user_recovery_codes")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("user_id", "=", userId)
      .where("used_at", "is", null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async insertSession(s: Session): Promise<void> {
    await this.db
      .insertInto("user_sessions")
      .values({
        id: s.id,
        user_id: s.userId,
        token_hash: s.tokenHash,
        csrf_hash: s.csrfHash,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        idle_timeout_ms: s.idleTimeoutMs,
        last_seen_at: s.lastSeenAt,
        mfa_at: s.mfaAt,
        ip: s.ip,
        user_agent: s.userAgent,
        revoked_at: s.revokedAt,
        revoked_reason: s.revokedReason,
      })
      .execute();
  }

  async findSessionByTokenHash(tokenHash: string): Promise<Session | null> {
    const r = await this.db
      .selectFrom("user_sessions")
      .selectAll()
      .where("token_hash", "=", tokenHash)
      .executeTakeFirst();
    return r ? toSession(r) : null;
  }

  async findSessionById(id: SessionId): Promise<Session | null> {
    const r = await this.db.selectFrom("user_sessions").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? toSession(r) : null;
  }

  async touchSession(id: SessionId, now: number): Promise<void> {
    await this.db
      .updateTable("user_sessions")
      .set({ last_seen_at: now })
      .where("id", "=", id)
      .where("last_seen_at", "<", now)
      .execute();
  }

  async setSessionMfaAt(id: SessionId, now: number): Promise<void> {
    await this.db.updateTable("user_sessions").set({ mfa_at: now }).where("id", "=", id).execute();
  }

  async listLiveSessions(userId: UserId, now: number): Promise<Session[]> {
    const rows = await this.db
      .selectFrom("user_sessions")
      .selectAll()
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .orderBy("created_at", "desc")
      .execute();
    return rows.map(toSession);
  }

  async revokeSession(id: SessionId, reason: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable("user_sessions")
      .set({ revoked_at: now, revoked_reason: reason })
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return changed(r) === 1;
  }

  async revokeUserSessions(
    userId: UserId,
    reason: string,
    now: number,
    exceptId?: SessionId,
  ): Promise<number> {
    let q = this.db
      .updateTable("user_sessions")
      .set({ revoked_at: now, revoked_reason: reason })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null);
    if (exceptId !== undefined) q = q.where("id", "!=", exceptId);
    return changed(await q.executeTakeFirst());
  }
}
