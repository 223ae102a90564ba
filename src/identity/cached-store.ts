// A read-through cache in front of the IdentityStore for the two lookups every authenticated request
// makes (session by token hash, user by id): on the gateway's hot path these cost more than the
// rest of the pipeline together (bench/gateway). Every write that can change an answer drops the
// entry here and tells the other instances over the ephemeral store's pub/sub, so a revocation,
// disabled user, role change or step-up holds everywhere at once; entries also expire after
// `ttlMs`, so a missed message heals within that bound.
import type { SessionId, UserId } from "../kernel/index.js";
import type { IdentityStore, UserPatch } from "./ports.js";
import type { Session, User } from "./types.js";

export interface InvalidationBus {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
}

const CHANNEL = "identity:invalidate";
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  value: T;
  at: number;
}

export class CachedIdentityStore implements IdentityStore {
  readonly #inner: IdentityStore;
  readonly #bus: InvalidationBus;
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #sessions = new Map<string, Entry<Session>>();
  readonly #users = new Map<string, Entry<User>>();
  #unsubscribe: (() => Promise<void>) | undefined;
  /**
   * Bumped by every invalidation. A read that was in flight when one arrived may have seen the row
   * before that change (a session not yet revoked): it is answered, but not cached.
   */
  #generation = 0;

  constructor(inner: IdentityStore, opts: { bus: InvalidationBus; now: () => number; ttlMs?: number }) {
    this.#inner = inner;
    this.#bus = opts.bus;
    this.#now = opts.now;
    this.#ttlMs = opts.ttlMs ?? 2000;
  }

  async start(): Promise<void> {
    this.#unsubscribe ??= await this.#bus.subscribe(CHANNEL, (m) => this.#drop(m));
  }

  async stop(): Promise<void> {
    const u = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await u?.();
  }

  #drop(message: string): void {
    this.#generation++;
    const [kind, id] = message.split(":", 2) as [string, string];
    if (kind === "user" || kind === "user-sessions") {
      this.#users.delete(id);
      if (kind === "user-sessions")
        for (const [k, e] of this.#sessions) if (e.value.userId === id) this.#sessions.delete(k);
    } else if (kind === "session") {
      for (const [k, e] of this.#sessions) if (e.value.id === id) this.#sessions.delete(k);
    }
  }

  async #invalidate(message: string): Promise<void> {
    this.#drop(message);
    await this.#bus.publish(CHANNEL, message);
  }

  #fresh<T>(map: Map<string, Entry<T>>, key: string): T | undefined {
    const e = map.get(key);
    if (!e) return undefined;
    if (this.#now() - e.at > this.#ttlMs) {
      map.delete(key);
      return undefined;
    }
    return e.value;
  }

  #put<T>(map: Map<string, Entry<T>>, key: string, value: T): void {
    if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as string);
    map.set(key, { value, at: this.#now() });
  }

  // The cached reads.
  async findSessionByTokenHash(tokenHash: string): Promise<Session | null> {
    const hit = this.#fresh(this.#sessions, tokenHash);
    if (hit) return hit;
    const gen = this.#generation;
    const s = await this.#inner.findSessionByTokenHash(tokenHash);
    if (s && s.revokedAt === null && gen === this.#generation) this.#put(this.#sessions, tokenHash, s);
    return s;
  }

  async findUserById(id: UserId): Promise<User | null> {
    const hit = this.#fresh(this.#users, id);
    if (hit) return hit;
    const gen = this.#generation;
    const u = await this.#inner.findUserById(id);
    if (u && gen === this.#generation) this.#put(this.#users, id, u);
    return u;
  }

  // Writes that change a cached answer.
  async updateUser(id: UserId, patch: UserPatch): Promise<boolean> {
    const r = await this.#inner.updateUser(id, patch);
    await this.#invalidate(`user:${id}`);
    return r;
  }
  async replacePasswordHash(
    id: UserId,
    expectedHash: string,
    newHash: string,
    patch: { mustChangePassword?: boolean; updatedAt: number },
  ): Promise<boolean> {
    const r = await this.#inner.replacePasswordHash(id, expectedHash, newHash, patch);
    await this.#invalidate(`user:${id}`);
    return r;
  }
  async deleteUser(id: UserId): Promise<void> {
    await this.#inner.deleteUser(id);
    await this.#invalidate(`user-sessions:${id}`);
  }
  async lockUser(id: UserId, now: number, durationsMs: readonly number[]): Promise<number | null> {
    const r = await this.#inner.lockUser(id, now, durationsMs);
    await this.#invalidate(`user:${id}`);
    return r;
  }
  async resetLockout(id: UserId, now: number): Promise<boolean> {
    const r = await this.#inner.resetLockout(id, now);
    await this.#invalidate(`user:${id}`);
    return r;
  }
  async touchSession(id: SessionId, now: number): Promise<void> {
    await this.#inner.touchSession(id, now);
    for (const e of this.#sessions.values()) if (e.value.id === id) e.value = { ...e.value, lastSeenAt: now };
  }
  async setSessionMfaAt(id: SessionId, now: number): Promise<void> {
    await this.#inner.setSessionMfaAt(id, now);
    await this.#invalidate(`session:${id}`);
  }
  async revokeSession(id: SessionId, reason: string, now: number): Promise<boolean> {
    const r = await this.#inner.revokeSession(id, reason, now);
    await this.#invalidate(`session:${id}`);
    return r;
  }
  async revokeUserSessions(
    userId: UserId,
    reason: string,
    now: number,
    exceptId?: SessionId,
  ): Promise<number> {
    const r = await this.#inner.revokeUserSessions(userId, reason, now, exceptId);
    await this.#invalidate(`user-sessions:${userId}`);
    return r;
  }

  // Everything else passes through.
  insertUser: IdentityStore["insertUser"] = (u) => this.#inner.insertUser(u);
  findUserByFoldedName: IdentityStore["findUserByFoldedName"] = (f) => this.#inner.findUserByFoldedName(f);
  listUsers: IdentityStore["listUsers"] = () => this.#inner.listUsers();
  countUsers: IdentityStore["countUsers"] = () => this.#inner.countUsers();
  getTotp: IdentityStore["getTotp"] = (id) => this.#inner.getTotp(id);
  putPendingTotp: IdentityStore["putPendingTotp"] = (id, s, n) => this.#inner.putPendingTotp(id, s, n);
  activateTotp: IdentityStore["activateTotp"] = (id, enc, st, c, n) =>
    this.#inner.activateTotp(id, enc, st, c, n);
  acceptTotpStep: IdentityStore["acceptTotpStep"] = (id, st) => this.#inner.acceptTotpStep(id, st);
  deleteMfa: IdentityStore["deleteMfa"] = (id) => this.#inner.deleteMfa(id);
  replaceRecoveryCodes: IdentityStore["replaceRecoveryCodes"] = (id, h, n) =>
    this.#inner.replaceRecoveryCodes(id, h, n);
  consumeRecoveryCode: IdentityStore["consumeRecoveryCode"] = (id, h, n) =>
    this.#inner.consumeRecoveryCode(id, h, n);
  countUnusedRecoveryCodes: IdentityStore["countUnusedRecoveryCodes"] = (id) =>
    this.#inner.countUnusedRecoveryCodes(id);
  insertSession: IdentityStore["insertSession"] = (s) => this.#inner.insertSession(s);
  findSessionById: IdentityStore["findSessionById"] = (id) => this.#inner.findSessionById(id);
  listLiveSessions: IdentityStore["listLiveSessions"] = (id, n) => this.#inner.listLiveSessions(id, n);
}
