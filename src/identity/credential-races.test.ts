// Races between a credential check and a concurrent credential change, made deterministic: the store
// (or the ephemeral state) is wrapped so that one read answers only once the test has made the
// concurrent change. SQLite + memory always, PostgreSQL + Redis when RAMPART_TEST_DATABASE_URL /
// RAMPART_TEST_REDIS_URL are set.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PasswordHasher } from "../crypto/index.js";
import { databaseTargets, ephemeralTargets } from "../store/index.js";
import { base32Decode, totpCodeAt, totpStep } from "./index.js";
import { CHEAP_ARGON2, type IdentityHarness, openIdentityHarness } from "./testing.js";

const PW = "vault-Orbit-42-Meadow";
const ADMIN_PW = "Walrus-Tinsel-77-Canyon";
const MINE_PW = "Quokka-Lantern-58-Ridge";
const cli = { via: "cli" };
const ctx = { ip: "192.0.2.20", userAgent: "race-test" };

const code = (e: unknown) => (e as { code?: string } | undefined)?.code;
const rejectsWith = (p: Promise<unknown>, c: string) => assert.rejects(p, (e) => code(e) === c);

function codeAt(uri: string, ms: number, offsetSteps = 0): string {
  const secret = base32Decode(new URL(uri).searchParams.get("secret") ?? "");
  return totpCodeAt(secret, totpStep(ms) + offsetSteps);
}

interface Held {
  /** Resolves once the held call has its answer (and waits). */
  reached: Promise<void>;
  release(): void;
}

/**
 * Wraps objects so that the next call of a chosen method (whose arguments match) keeps its answer
 * until the test releases it: the read has happened, the caller has not yet seen it.
 */
class Holds {
  readonly #armed: Array<{
    methods: string[];
    match: (args: unknown[]) => boolean;
    hit(): void;
    released: Promise<void>;
  }> = [];

  hold(methods: string | string[], match: (args: unknown[]) => boolean = () => true): Held {
    let hit = () => {};
    let release = () => {};
    const reached = new Promise<void>((r) => {
      hit = r;
    });
    const released = new Promise<void>((r) => {
      release = r;
    });
    this.#armed.push({ methods: typeof methods === "string" ? [methods] : methods, match, hit, released });
    return { reached, release };
  }

  wrap<T extends object>(target: T): T {
    return new Proxy(target, {
      get: (t, prop) => {
        const v = Reflect.get(t, prop, t) as unknown;
        if (typeof v !== "function") return v;
        return (...args: unknown[]) => {
          const result = (v as (...a: unknown[]) => unknown).apply(t, args);
          const i = this.#armed.findIndex((a) => a.methods.includes(String(prop)) && a.match(args));
          if (i < 0) return result;
          const [armed] = this.#armed.splice(i, 1);
          if (!armed) return result;
          return Promise.resolve(result).then(async (answer) => {
            armed.hit();
            await armed.released;
            return answer;
          });
        };
      },
    });
  }
}

const targets = databaseTargets(process.env).flatMap((d, i) => {
  const k = ephemeralTargets(process.env)[i];
  return k ? [{ d, k, skip: d.skip || k.skip }] : [];
});

for (const { d, k, skip } of targets) {
  describe(`credential races on ${d.dialect} + ${k.kind}`, { skip }, () => {
    const withHarness = (name: string, fn: (h: IdentityHarness, holds: Holds) => Promise<void>) =>
      test(name, async () => {
        const h = await openIdentityHarness(d, k);
        const holds = new Holds();
        h.deps.store = holds.wrap(h.deps.store);
        h.deps.ephemeral = holds.wrap(h.deps.ephemeral);
        try {
          await fn(h, holds);
        } finally {
          await h.dispose();
        }
      });

    /** Creates `name`, logs in and enrols TOTP; returns the URI and the session. */
    async function enrolled(h: IdentityHarness, name: string) {
      await h.service.createUser({ username: name, roles: ["trader"], password: PW }, cli);
      const first = await h.service.login(name, PW, ctx);
      const { uri } = await h.service.beginTotpEnrollment(first.challenge, ctx);
      const { session } = await h.service.confirmTotpEnrollment(
        first.challenge,
        codeAt(uri, h.clock.now()),
        ctx,
      );
      h.clock.advance(30_000);
      return { uri, session };
    }

    withHarness(
      "a rehash on login never restores a password an administrator set meanwhile",
      async (h, holds) => {
        await h.service.createUser({ username: "alice", roles: ["trader"], password: PW }, cli);
        await h.service.createUser({ username: "bob", roles: ["trader"], password: PW }, cli);
        // The argon2 parameters rise: the next login with the right password rehashes.
        h.deps.hasher = new PasswordHasher({ params: { ...CHEAP_ARGON2, iterations: 2 }, concurrency: 4 });

        // Without a race the rehash happens.
        await h.service.login("bob", PW, ctx);
        assert.match((await h.deps.store.findUserByFoldedName("bob"))?.passwordHash ?? "", /,t=2,/);

        // Alice's login has read her old hash when the administrator resets her password.
        const held = holds.hold("findUserByFoldedName");
        const racing = h.service.login("alice", PW, ctx);
        await held.reached;
        await h.service.setPassword("alice", ADMIN_PW, cli);
        held.release();
        const r = await racing; // the password was right when it was checked
        await rejectsWith(h.service.login("alice", PW, ctx), "ERR_AUTH_INVALID_CREDENTIALS");
        assert.equal((await h.service.login("alice", ADMIN_PW, ctx)).mfa, "enroll");
        // And the challenge that login issued was earned against the old password: it is dead.
        await rejectsWith(h.service.beginTotpEnrollment(r.challenge, ctx), "ERR_AUTH_CHALLENGE_INVALID");
      },
    );

    withHarness(
      "a password change racing an administrator's reset is refused and the reset stands",
      async (h, holds) => {
        const { session } = await enrolled(h, "carol");
        const p = await h.service.validateSession(session.token);
        // The change has checked the current password against the old hash…
        const held = holds.hold("findUserByFoldedName");
        const changing = h.service.changePassword(p, PW, MINE_PW, ctx).catch((e: unknown) => e);
        await held.reached;
        // …when the administrator sets a new one.
        await h.service.setPassword("carol", ADMIN_PW, cli);
        held.release();
        assert.equal(code(await changing), "ERR_AUTH_INVALID_CREDENTIALS");
        await rejectsWith(h.service.login("carol", MINE_PW, ctx), "ERR_AUTH_INVALID_CREDENTIALS");
        await rejectsWith(h.service.login("carol", PW, ctx), "ERR_AUTH_INVALID_CREDENTIALS");
        assert.equal((await h.service.login("carol", ADMIN_PW, ctx)).mfa, "required");
        assert.ok(
          h.audit.events.some(
            (e) =>
              e.action === "auth.password_changed" &&
              e.outcome === "failure" &&
              e.details?.["reason"] === "password_replaced_meanwhile",
          ),
        );
      },
    );

    withHarness(
      "enrolment activates the secret the code was checked against, never one begun meanwhile",
      async (h, holds) => {
        await h.service.createUser({ username: "dave", roles: ["trader"], password: PW }, cli);
        const mine = await h.service.login("dave", PW, ctx);
        const theirs = await h.service.login("dave", PW, { ip: "203.0.113.66" }); // knows the password
        const { uri } = await h.service.beginTotpEnrollment(mine.challenge, ctx);
        // The confirmation has read the pending secret (and checks the code against it)…
        const held = holds.hold("getTotp");
        const confirming = h.service
          .confirmTotpEnrollment(mine.challenge, codeAt(uri, h.clock.now()), ctx)
          .catch((e: unknown) => e);
        await held.reached;
        // …when the attacker begins an enrolment of their own, replacing the pending secret.
        const attacker = await h.service.beginTotpEnrollment(theirs.challenge, { ip: "203.0.113.66" });
        held.release();
        assert.equal(code(await confirming), "ERR_IDENTITY_MFA_ENROLLMENT_CHANGED");
        assert.equal((await h.service.getUser("dave")).mfaEnrolled, false, "nothing was activated");
        assert.notEqual(attacker.uri, uri);
        // The user can still enrol, with a fresh login.
        const again = await h.service.login("dave", PW, ctx);
        const { uri: uri2 } = await h.service.beginTotpEnrollment(again.challenge, ctx);
        await h.service.confirmTotpEnrollment(again.challenge, codeAt(uri2, h.clock.now()), ctx);
        h.clock.advance(30_000);
        const r = await h.service.login("dave", PW, ctx);
        await rejectsWith(
          h.service.completeMfa(r.challenge, codeAt(attacker.uri, h.clock.now()), ctx),
          "ERR_AUTH_MFA_INVALID",
        );
      },
    );

    withHarness("a login challenge dies with a password reset or an MFA reset issued after it", async (h) => {
      // MFA challenge, then an administrator's password reset.
      const { uri } = await enrolled(h, "erin");
      const r1 = await h.service.login("erin", PW, ctx);
      await h.service.setPassword("erin", ADMIN_PW, cli);
      await rejectsWith(
        h.service.completeMfa(r1.challenge, codeAt(uri, h.clock.now()), ctx),
        "ERR_AUTH_CHALLENGE_INVALID",
      );
      assert.ok(
        h.audit.events.some(
          (e) => e.action === "auth.mfa" && e.details?.["reason"] === "credentials_changed",
        ),
      );
      // MFA challenge, then the factor reset and enrolled again.
      const r2 = await h.service.login("erin", ADMIN_PW, ctx);
      await h.service.resetMfa("erin", cli);
      const { uri: uri2 } = await h.service.enrollTotpForUser("erin", cli);
      await rejectsWith(
        h.service.completeMfa(r2.challenge, codeAt(uri2, h.clock.now()), ctx),
        "ERR_AUTH_CHALLENGE_INVALID",
      );
      // Enrolment challenge, then a password reset: neither begin nor confirm accepts it.
      await h.service.createUser({ username: "frank", roles: ["trader"], password: PW }, cli);
      const r3 = await h.service.login("frank", PW, ctx);
      const r4 = await h.service.login("frank", PW, ctx);
      const { uri: uri3 } = await h.service.beginTotpEnrollment(r4.challenge, ctx);
      await h.service.setPassword("frank", ADMIN_PW, cli);
      await rejectsWith(h.service.beginTotpEnrollment(r3.challenge, ctx), "ERR_AUTH_CHALLENGE_INVALID");
      await rejectsWith(
        h.service.confirmTotpEnrollment(r4.challenge, codeAt(uri3, h.clock.now()), ctx),
        "ERR_AUTH_CHALLENGE_INVALID",
      );
      assert.equal((await h.service.getUser("frank")).mfaEnrolled, false);
      // Challenges issued after the change work.
      const r5 = await h.service.login("erin", ADMIN_PW, ctx);
      await h.service.completeMfa(r5.challenge, codeAt(uri2, h.clock.now(), 1), ctx);
    });

    withHarness(
      "a challenge takes no more wrong codes than its limit, also when attempts race",
      async (h, holds) => {
        const { uri } = await enrolled(h, "grace");
        const r = await h.service.login("grace", PW, ctx);
        const wrong = codeAt(uri, h.clock.now(), 5);
        // No IP in the context: only the per-challenge limit (and the account's) applies.
        const noIp = {};
        const isChallengeRead = (args: unknown[]) => String(args[0]).startsWith("identity:challenge:");
        // Attempt B has read the challenge (no attempts counted yet) and is held there…
        const held = holds.hold(["get", "getDel"], isChallengeRead);
        const b = h.service.completeMfa(r.challenge, wrong, noIp).catch((e: unknown) => e);
        await held.reached;
        // …while attempt A tries twice…
        const answers: unknown[] = [];
        for (let i = 0; i < 2; i++)
          answers.push(await h.service.completeMfa(r.challenge, wrong, noIp).catch((e: unknown) => e));
        held.release();
        answers.push(await b);
        // …and goes on until the challenge is gone.
        for (let i = 0; i < 10; i++) {
          const e = await h.service.completeMfa(r.challenge, wrong, noIp).catch((x: unknown) => x);
          answers.push(e);
          if (code(e) === "ERR_AUTH_CHALLENGE_INVALID") break;
        }
        const checked = answers.filter((e) => code(e) === "ERR_AUTH_MFA_INVALID").length;
        assert.equal(checked, h.deps.settings.codeAttemptsPerChallenge, `wrong codes checked: ${checked}`);
        await rejectsWith(
          h.service.completeMfa(r.challenge, codeAt(uri, h.clock.now()), noIp),
          "ERR_AUTH_CHALLENGE_INVALID",
        );
      },
    );
  });
}
