// Property: the identity cache never outlives a change. A session revoked, a user disabled or a
// step-up recorded through one instance's cached store is seen at once by another instance that
// had the old answer cached (shared database, shared ephemeral bus: memory backend or Redis).
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { CachedIdentityStore, type Session, type User } from "../../identity/index.js";
import type { SessionId, UserId } from "../../kernel/index.js";
import { ManualClock } from "../../kernel/index.js";
import { until } from "../../kernel/testing.js";
import {
  ephemeralTargets,
  IdentityRepository,
  MemoryBackend,
  openTestEphemeral,
  openTestStore,
  randomTag,
} from "../index.js";

for (const target of ephemeralTargets(process.env)) {
  describe(`identity cache invalidation [${target.kind}]`, { skip: target.skip }, () => {
    const cleanup: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of cleanup.reverse()) await c();
    });

    test("revocation, disabling and step-up through instance A are seen by instance B at once", async () => {
      const db = await openTestStore({ url: undefined });
      cleanup.push(() => db.dispose());
      const backend = new MemoryBackend();
      const prefix = `rampart:test:cache:${randomTag()}:`;
      const ea = await openTestEphemeral(target, { prefix, memoryBackend: backend });
      const eb = await openTestEphemeral(target, { prefix, memoryBackend: backend });
      cleanup.push(
        () => ea.close(),
        () => eb.close(),
      );
      const clock = new ManualClock();
      const inner = new IdentityRepository(db.store);
      const a = new CachedIdentityStore(inner, { bus: ea, now: () => clock.now(), ttlMs: 60_000 });
      const b = new CachedIdentityStore(inner, { bus: eb, now: () => clock.now(), ttlMs: 60_000 });
      await a.start();
      await b.start();
      cleanup.push(
        () => a.stop(),
        () => b.stop(),
      );

      const now = clock.now();
      const user: User = {
        id: "u1" as UserId,
        username: "tina",
        usernameFolded: "tina",
        displayName: "Tina",
        roles: ["trader"],
        status: "active",
        passwordHash: "$argon2id$x",
        mustChangePassword: false,
        lockoutCount: 0,
        lockedUntil: null,
        createdAt: now,
        updatedAt: now,
        lastLoginAt: null,
      };
      await inner.insertUser(user);
      const session: Session = {
        id: "s1" as SessionId,
        userId: user.id,
        tokenHash: "h1",
        csrfHash: "c1",
        createdAt: now,
        expiresAt: now + 3_600_000,
        idleTimeoutMs: 1_800_000,
        lastSeenAt: now,
        mfaAt: now,
        ip: null,
        userAgent: null,
        revokedAt: null,
        revokedReason: null,
      };
      await inner.insertSession(session);

      assert.equal((await b.findSessionByTokenHash("h1"))?.revokedAt, null);
      assert.equal((await b.findUserById(user.id))?.status, "active");

      // B's cache entries outlive the test (ManualClock, 60 s TTL): only A's message can clear them.
      await a.setSessionMfaAt(session.id, now + 5000);
      await until(async () => (await b.findSessionByTokenHash("h1"))?.mfaAt === now + 5000, 5000, 1);

      await a.updateUser(user.id, { status: "disabled", updatedAt: now + 6000 });
      await until(async () => (await b.findUserById(user.id))?.status === "disabled", 5000, 1);

      await a.revokeSession(session.id, "test", now);
      await until(async () => (await b.findSessionByTokenHash("h1"))?.revokedAt != null, 5000, 1);
    });
  });
}
