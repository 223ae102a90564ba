// The two storage contracts identity depends on. The database port is implemented by
// src/store/repos/identity.ts (SQLite and PostgreSQL); the ephemeral port by the store's kv
// EphemeralStore (memory or Redis). Every operation that guards a single use — a TOTP time step,
// a recovery code, a challenge, a session revocation — is one atomic call that answers whether
// this caller won, so two instances racing on the same value cannot both succeed.
import type { SessionId, UserId } from "../kernel/index.js";
import type { Session, User, UserStatus } from "./types.js";

export interface UserPatch {
  displayName?: string;
  roles?: readonly string[];
  status?: UserStatus;
  passwordHash?: string;
  mustChangePassword?: boolean;
  lockoutCount?: number;
  lockedUntil?: number | null;
  lastLoginAt?: number;
  updatedAt: number;
}

export type TotpStatus = "pending" | "active";

export interface TotpFactor {
  userId: UserId;
  /** KeyRing ciphertext (purpose "mfa", location users/<id>/totp_secret). */
  secretEnc: string;
  status: TotpStatus;
  /** The last accepted RFC 6238 time step; a code at or below it is never accepted again. */
  lastStep: number;
  createdAt: number;
  confirmedAt: number | null;
}

export interface UserListing {
  user: User;
  mfaEnrolled: boolean;
}

export interface IdentityStore {
  /** False when the folded username is taken (unique violation), true when inserted. */
  insertUser(user: User): Promise<boolean>;
  findUserById(id: UserId): Promise<User | null>;
  findUserByFoldedName(folded: string): Promise<User | null>;
  listUsers(): Promise<UserListing[]>;
  countUsers(): Promise<number>;
  updateUser(id: UserId, patch: UserPatch): Promise<boolean>;
  /**
   * Compare-and-set of the password: stores `newHash` (and `patch`) only while the stored hash is
   * still `expectedHash`, the one just verified; false (and no change) when another write replaced
   * it meanwhile (an administrator's reset, another change), so a stale check never overwrites it.
   */
  replacePasswordHash(
    id: UserId,
    expectedHash: string,
    newHash: string,
    patch: { mustChangePassword?: boolean; updatedAt: number },
  ): Promise<boolean>;
  /** Undoes an insert whose audit event could not be written (fail-closed); cascades to factors. */
  deleteUser(id: UserId): Promise<void>;
  /**
   * Locks the account in one UPDATE: status locked, lockout_count + 1 and locked_until = now +
   * durationsMs[lockout_count before it] (the last entry for any beyond) — unless a lock is already
   * in force or the user is disabled. The new locked_until, or null when nothing changed.
   */
  lockUser(id: UserId, now: number, durationsMs: readonly number[]): Promise<number | null>;
  /**
   * After a complete login: lockout_count 0, no locked_until, a lapsed lock's status back to active —
   * only while no lock is in force (one a concurrent burst set stays). False when one is.
   */
  resetLockout(id: UserId, now: number): Promise<boolean>;

  getTotp(userId: UserId): Promise<TotpFactor | null>;
  /** Stores a pending factor, replacing a pending one; false (and no change) when one is active. */
  putPendingTotp(userId: UserId, secretEnc: string, now: number): Promise<boolean>;
  /**
   * In one transaction: pending → active with last_step = step, and the recovery code set replaced,
   * only if the pending factor is still the one with `secretEnc` (the secret the code was checked
   * against). False when it is not: none pending (confirmed or reset meanwhile) or another secret
   * (a new enrolment begun meanwhile).
   */
  activateTotp(
    userId: UserId,
    secretEnc: string,
    step: number,
    recoveryCodeHashes: readonly string[],
    now: number,
  ): Promise<boolean>;
  /** Atomic replay guard: UPDATE … SET last_step = step WHERE active AND last_step < step. */
  acceptTotpStep(userId: UserId, step: number): Promise<boolean>;
  /** Removes the factor and every recovery code; true when a factor existed. */
  deleteMfa(userId: UserId): Promise<boolean>;

  /** Replaces the whole recovery code set (old codes stop working). */
  replaceRecoveryCodes(userId: UserId, hashes: readonly string[], now: number): Promise<void>;
  /** Atomic single use: marks the unused code used; false when unknown or already used. */
  consumeRecoveryCode(userId: UserId, hash: string, now: number): Promise<boolean>;
  countUnusedRecoveryCodes(userId: UserId): Promise<number>;

  insertSession(session: Session): Promise<void>;
  findSessionByTokenHash(tokenHash: string): Promise<Session | null>;
  findSessionById(id: SessionId): Promise<Session | null>;
  touchSession(id: SessionId, now: number): Promise<void>;
  setSessionMfaAt(id: SessionId, now: number): Promise<void>;
  /** Sessions neither revoked nor past their absolute end. */
  listLiveSessions(userId: UserId, now: number): Promise<Session[]>;
  /** True when this call revoked it (it was not revoked before). */
  revokeSession(id: SessionId, reason: string, now: number): Promise<boolean>;
  /** Revokes every unrevoked session of the user (but `exceptId`); answers how many. */
  revokeUserSessions(userId: UserId, reason: string, now: number, exceptId?: SessionId): Promise<number>;
}

/**
 * Shared short-lived state (memory or Redis): failure counters and login challenges — the subset of
 * the store's EphemeralStore identity uses, so that store is passed in as it is. TTLs are a clean-up
 * aid; correctness never depends on them (windows and expiry are judged by the injected clock).
 */
export interface EphemeralState {
  /** Adds `by` and returns the new value; a new key expires `ttlMs` later (a fixed window). */
  incr(key: string, by: number, ttlMs: number): Promise<number>;
  get(key: string): Promise<string | null>;
  /** Sets only when absent; true for exactly one of any number of racing callers. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** True if the key existed: of racing deleters exactly one sees true (single use). */
  del(key: string): Promise<boolean>;
  /** Removes the key and answers its value, atomically: of racing takers exactly one gets it. */
  getDel(key: string): Promise<string | null>;
}
