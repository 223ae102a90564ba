// Property: the identity cache never outlives a change. A session revoked, a user disabled, a
// password replaced or a step-up recorded through one instance's cached store is seen at once by
// another instance that had the old answer cached (shared database, shared ephemeral bus: memory
// backend or Redis).
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { CachedIdentityStore, type IdentityStore, type Session, type User } from "../../identity/index.js";
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

    /** Instances A and B over one database and one bus; B reads through `wrapB` if given. */
    async function pair(wrapB: (inner: IdentityStore) => IdentityStore = (i) => i) {
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
      const b = new CachedIdentityStore(wrapB(inner), { bus: eb, now: () => clock.now(), ttlMs: 60_000 });
      await a.start();
      await b.start();
      cleanup.push(
        () => a.stop(),
        () => b.stop(),
      );
      // Subscribed after B on B's connection: once this has a message, B has handled it too.
      const delivered: string[] = [];
      await eb.subscribe("identity:invalidate", (m) => delivered.push(m));
      return { inner, a, b, clock, delivered };
    }

    test("revocation, disabling, a password replaced and step-up through instance A are seen by instance B at once", async () => {
      const { inner, a, b, clock } = await pair();
      const now = clock.now();
      const { user, session } = await fixtures(inner, now);

      assert.equal((await b.findSessionByTokenHash("h1"))?.revokedAt, null);
      assert.equal((await b.findUserById(user.id))?.status, "active");

      // B's cache entries outlive the test (ManualClock, 60 s TTL): only A's message can clear them.
      await a.setSessionMfaAt(session.id, now + 5000);
      await until(async () => (await b.findSessionByTokenHash("h1"))?.mfaAt === now + 5000, 5000, 1);

      await a.updateUser(user.id, { status: "disabled", updatedAt: now + 6000 });
      await until(async () => (await b.findUserById(user.id))?.status === "disabled", 5000, 1);

      // A password replaced only over the expected hash: a stale expectation changes nothing.
      assert.equal(
        await a.replacePasswordHash(user.id, "$argon2id$stale", "$argon2id$z", { updatedAt: now }),
        false,
      );
      assert.equal(
        await a.replacePasswordHash(user.id, "$argon2id$x", "$argon2id$y", { updatedAt: now }),
        true,
      );
      await until(async () => (await b.findUserById(user.id))?.passwordHash === "$argon2id$y", 5000, 1);

      await a.revokeSession(session.id, "test", now);
      await until(async () => (await b.findSessionByTokenHash("h1"))?.revokedAt != null, 5000, 1);
    });

    test("a read in flight when a revocation arrives answers, but is not cached past it", async () => {
      // B's session read has its row (not yet revoked) and is held until the test lets it go.
      let hold: Promise<void> | undefined;
      const { inner, a, b, clock, delivered } = await pair(
        (i) =>
          new Proxy(i, {
            get(target, prop, receiver) {
              if (prop !== "findSessionByTokenHash") return Reflect.get(target, prop, receiver);
              return async (hash: string) => {
                const row = await target.findSessionByTokenHash(hash);
                await hold;
                return row;
              };
            },
          }),
      );
      const { session } = await fixtures(inner, clock.now());
      let release: () => void = () => {};
      hold = new Promise<void>((r) => {
        release = r;
      });
      const inFlight = b.findSessionByTokenHash("h1");
      await a.revokeSession(session.id, "test", clock.now());
      await until(() => delivered.includes(`session:${session.id}`), 5000, 1);
      release();
      hold = undefined;
      assert.equal((await inFlight)?.revokedAt, null, "it read the row before the revocation");
      assert.notEqual((await b.findSessionByTokenHash("h1"))?.revokedAt, null, "the next read is not stale");
    });
  });
}

/** A user and one live session of theirs, in the database. */
async function fixtures(inner: IdentityRepository, now: number): Promise<{ user: User; session: Session }> {
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
  return { user, session };
}
