// The login flow end to end against the real repository: SQLite + memory always, PostgreSQL +
// Redis when RAMPART_TEST_DATABASE_URL / RAMPART_TEST_REDIS_URL are set.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { databaseTargets, ephemeralTargets } from "../store/index.js";
import { base32Decode, type IssuedSession, totpCodeAt, totpStep } from "./index.js";
import { type IdentityHarness, openIdentityHarness } from "./testing.js";

const PW = "vault-Orbit-42-Meadow";
const cli = { via: "cli" };
const ctx = { ip: "192.0.2.10", userAgent: "test-agent" };

export function codeAt(uri: string, ms: number, offsetSteps = 0): string {
  const secret = base32Decode(new URL(uri).searchParams.get("secret") ?? "");
  return totpCodeAt(secret, totpStep(ms) + offsetSteps);
}

/** Creates `name`, logs in, enrols TOTP through the challenge; returns the URI, codes and session. */
export async function enrolled(h: IdentityHarness, name: string, roles = ["trader"]) {
  await h.service.createUser({ username: name, roles, password: PW }, cli);
  const first = await h.service.login(name, PW, ctx);
  assert.equal(first.mfa, "enroll");
  const { uri, qrSvg } = await h.service.beginTotpEnrollment(first.challenge, ctx);
  assert.match(uri, new RegExp(`^otpauth://totp/Rampart:${name}\\?secret=[A-Z2-7]{32}&issuer=Rampart`));
  assert.match(qrSvg, /^<svg/);
  const { session, recoveryCodes } = await h.service.confirmTotpEnrollment(
    first.challenge,
    codeAt(uri, h.clock.now()),
    ctx,
  );
  assert.equal(recoveryCodes.length, 10);
  return { uri, recoveryCodes, session };
}

const code = (e: unknown) => (e as { code?: string }).code;
const rejectsWith = (p: Promise<unknown>, c: string) => assert.rejects(p, (e) => code(e) === c);

const targets = databaseTargets(process.env).flatMap((d, i) => {
  const k = ephemeralTargets(process.env)[i];
  return k ? [{ d, k, skip: d.skip || k.skip }] : [];
});

for (const { d, k, skip } of targets) {
  describe(`identity on ${d.dialect} + ${k.kind}`, { skip }, () => {
    const withHarness = (name: string, fn: (h: IdentityHarness) => Promise<void>) =>
      test(name, async () => {
        const h = await openIdentityHarness(d, k);
        try {
          await fn(h);
        } finally {
          await h.dispose();
        }
      });

    withHarness("password then TOTP gives a session; validate, list, logout", async (h) => {
      const { uri } = await enrolled(h, "alice");
      h.clock.advance(60_000);
      const r = await h.service.login("ALICE", PW, ctx);
      assert.equal(r.mfa, "required");
      const s = await h.service.completeMfa(r.challenge, codeAt(uri, h.clock.now()), ctx);
      const p = await h.service.validateSession(s.token);
      assert.equal(p.username, "alice");
      assert.deepEqual(p.roles, ["trader"]);
      assert.equal(p.expiresAt, h.clock.now() + 8 * 3600_000);
      assert.ok(p.checkCsrf(s.csrfToken));
      assert.ok(!p.checkCsrf("x") && !p.checkCsrf(undefined));
      assert.equal((await h.service.listOwnSessions(p)).length, 2);
      await h.service.logout(p, ctx);
      await rejectsWith(h.service.validateSession(s.token), "ERR_AUTH_SESSION_INVALID");
      await rejectsWith(
        h.service.completeMfa(r.challenge, codeAt(uri, h.clock.now()), ctx),
        "ERR_AUTH_CHALLENGE_INVALID",
      );
    });

    withHarness(
      "a TOTP code accepted once is refused the second time; two steps old is refused",
      async (h) => {
        const { uri } = await enrolled(h, "bob");
        h.clock.advance(90_000);
        const now = h.clock.now();
        const r1 = await h.service.login("bob", PW, ctx);
        await h.service.completeMfa(r1.challenge, codeAt(uri, now), ctx);
        const r2 = await h.service.login("bob", PW, ctx);
        await rejectsWith(h.service.completeMfa(r2.challenge, codeAt(uri, now), ctx), "ERR_AUTH_MFA_INVALID");
        // The previous step is behind the accepted one: refused too.
        await rejectsWith(
          h.service.completeMfa(r2.challenge, codeAt(uri, now, -1), ctx),
          "ERR_AUTH_MFA_INVALID",
        );
        h.clock.advance(120_000);
        const r3 = await h.service.login("bob", PW, ctx);
        await rejectsWith(
          h.service.completeMfa(r3.challenge, codeAt(uri, h.clock.now(), -2), ctx),
          "ERR_AUTH_MFA_INVALID",
        );
        await h.service.completeMfa(r3.challenge, codeAt(uri, h.clock.now(), 1), ctx);
      },
    );

    withHarness("each recovery code works once; regenerating invalidates the old set", async (h) => {
      const { recoveryCodes } = await enrolled(h, "carol");
      let last: IssuedSession | undefined;
      for (const rc of recoveryCodes.slice(0, 3)) {
        const r = await h.service.login("carol", PW, ctx);
        last = await h.service.completeMfa(r.challenge, rc.toUpperCase(), ctx);
        const again = await h.service.login("carol", PW, ctx);
        await rejectsWith(h.service.completeMfa(again.challenge, rc, ctx), "ERR_AUTH_MFA_INVALID");
      }
      assert.ok(h.audit.actions().includes("mfa.recovery_used"));
      const p = await h.service.validateSession(last?.token);
      const fresh = await h.service.regenerateRecoveryCodes(p, ctx);
      const r = await h.service.login("carol", PW, ctx);
      await rejectsWith(
        h.service.completeMfa(r.challenge, recoveryCodes[5] ?? "", ctx),
        "ERR_AUTH_MFA_INVALID",
      );
      await h.service.completeMfa(r.challenge, fresh[0] ?? "", ctx);
    });

    withHarness(
      "5 wrong passwords lock the account: the right one is refused alike until the lock ends, then doubles",
      async (h) => {
        await h.service.createUser({ username: "dave", roles: ["trader"], password: PW }, cli);
        const errors: unknown[] = [];
        for (let i = 0; i < 5; i++) errors.push(await h.service.login("dave", `${PW}x`, ctx).catch((e) => e));
        const locked = await h.service.login("dave", PW, ctx).catch((e) => e);
        for (const e of [...errors, locked]) {
          assert.equal(code(e), "ERR_AUTH_INVALID_CREDENTIALS");
          assert.equal((e as Error).message, "invalid username or password");
        }
        assert.ok(h.audit.actions().includes("auth.lockout"));
        assert.equal((await h.service.getUser("dave")).status, "locked");
        h.clock.advance(15 * 60_000 - 1000);
        await rejectsWith(h.service.login("dave", PW, ctx), "ERR_AUTH_INVALID_CREDENTIALS");
        h.clock.advance(1000);
        assert.equal((await h.service.login("dave", PW, ctx)).mfa, "enroll");
        for (let i = 0; i < 5; i++)
          await h.service.login("dave", "wrong-password-entirely", ctx).catch(() => {});
        const u = await h.service.getUser("dave");
        assert.equal(u.lockedUntil, h.clock.now() + 30 * 60_000);
      },
    );

    withHarness("unknown and known usernames answer alike, both after an argon2id verify", async (h) => {
      await h.service.createUser({ username: "erin", roles: ["trader"], password: PW }, cli);
      let verifies = 0;
      const verify = h.deps.hasher.verify.bind(h.deps.hasher);
      h.deps.hasher.verify = (enc, pw) => {
        verifies++;
        return verify(enc, pw);
      };
      const a = await h.service.login("erin", "not-her-password-1", ctx).catch((e) => e);
      const b = await h.service.login("nobody", "not-her-password-1", ctx).catch((e) => e);
      assert.equal(verifies, 2);
      assert.deepEqual([a.code, a.status, a.message], [b.code, b.status, b.message]);
      await h.service.disableUser("erin", cli);
      const c = await h.service.login("erin", PW, ctx).catch((e) => e);
      assert.deepEqual([c.code, c.status, c.message], [b.code, b.status, b.message]);
    });

    withHarness("the per-IP failure budget answers 429 with retryAfter", async (h) => {
      const { max, windowMs } = h.deps.settings.ipFailures;
      h.clock.set(Math.ceil(h.clock.now() / windowMs) * windowMs);
      for (let i = 0; i < max; i++)
        await h.service.login(`ghost${i}`, "whatever-password", ctx).catch(() => {});
      const e = await h.service.login("ghost", "whatever-password", ctx).catch((x) => x);
      assert.equal(code(e), "ERR_AUTH_RATE_LIMITED");
      assert.equal(e.status, 429);
      assert.equal(e.expose.retryAfter, windowMs / 1000);
      await rejectsWith(
        h.service.login("ghost", "whatever-password", { ip: "192.0.2.11" }),
        "ERR_AUTH_INVALID_CREDENTIALS",
      );
      h.clock.advance(windowMs);
      await rejectsWith(h.service.login("ghost", "whatever-password", ctx), "ERR_AUTH_INVALID_CREDENTIALS");
    });

    withHarness("a session ends at its role's lifetime and at the idle limit", async (h) => {
      const { session } = await enrolled(h, "frank", ["system_administrator", "trader"]);
      assert.equal(session.expiresAt, h.clock.now() + 3600_000);
      for (let i = 0; i < 3; i++) {
        h.clock.advance(20 * 60_000);
        if (i < 2) await h.service.validateSession(session.token);
      }
      await rejectsWith(h.service.validateSession(session.token), "ERR_AUTH_SESSION_INVALID");
      assert.ok(
        h.audit.events.some((e) => e.action === "session.expired" && e.details?.["reason"] === "absolute"),
      );
      const r = await h.service.login("frank", PW, ctx);
      const u = await h.service.getUser("frank");
      assert.ok(u.mfaEnrolled && r.mfa === "required");
    });

    withHarness("idle sessions expire; role change, disable and MFA reset revoke at once", async (h) => {
      const { session, uri } = await enrolled(h, "grace");
      h.clock.advance(30 * 60_000);
      await rejectsWith(h.service.validateSession(session.token), "ERR_AUTH_SESSION_INVALID");
      const fresh = async () => {
        h.clock.advance(31_000);
        const r = await h.service.login("grace", PW, ctx);
        return h.service.completeMfa(r.challenge, codeAt(uri, h.clock.now()), ctx);
      };
      const s1 = await fresh();
      await h.service.setUserRoles("grace", ["read_only_analyst"], cli);
      await rejectsWith(h.service.validateSession(s1.token), "ERR_AUTH_SESSION_INVALID");
      const s2 = await fresh();
      assert.deepEqual((await h.service.validateSession(s2.token)).roles, ["read_only_analyst"]);
      await h.service.disableUser("grace", cli);
      await rejectsWith(h.service.validateSession(s2.token), "ERR_AUTH_SESSION_INVALID");
      await h.service.enableUser("grace", cli);
      const s3 = await fresh();
      await h.service.resetMfa("grace", cli);
      await rejectsWith(h.service.validateSession(s3.token), "ERR_AUTH_SESSION_INVALID");
      assert.equal((await h.service.login("grace", PW, ctx)).mfa, "enroll");
    });

    withHarness("a challenge is redeemed once even when requests race", async (h) => {
      const { uri } = await enrolled(h, "heidi");
      h.clock.advance(30_000);
      const r = await h.service.login("heidi", PW, ctx);
      const c = codeAt(uri, h.clock.now());
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => h.service.completeMfa(r.challenge, c, ctx)),
      );
      assert.equal(results.filter((x) => x.status === "fulfilled").length, 1);
    });

    withHarness(
      "password change needs the current password, ends other sessions; one-time passwords force it",
      async (h) => {
        const created = await h.service.createUser({ username: "ivan", roles: ["risk_manager"] }, cli);
        const otp = created.oneTimePassword ?? "";
        assert.ok(otp.length >= 20 && created.user.mustChangePassword);
        const r = await h.service.login("ivan", otp, ctx);
        const { uri } = await h.service.beginTotpEnrollment(r.challenge, ctx);
        const { session } = await h.service.confirmTotpEnrollment(
          r.challenge,
          codeAt(uri, h.clock.now()),
          ctx,
        );
        const p = await h.service.validateSession(session.token);
        assert.ok(p.mustChangePassword);
        await rejectsWith(
          h.service.changePassword(p, "wrong-current-pass", PW, ctx),
          "ERR_AUTH_INVALID_CREDENTIALS",
        );
        await rejectsWith(
          h.service.changePassword(p, otp, "password1234", ctx),
          "ERR_IDENTITY_PASSWORD_POLICY",
        );
        await h.service.changePassword(p, otp, PW, ctx);
        assert.equal((await h.service.validateSession(session.token)).mustChangePassword, false);
        assert.equal((await h.service.login("ivan", PW, ctx)).mfa, "required");
      },
    );

    withHarness("step-up refreshes mfaAt and refuses a replayed code", async (h) => {
      const { session, uri } = await enrolled(h, "judy");
      const p = await h.service.validateSession(session.token);
      h.clock.advance(10 * 60_000);
      await rejectsWith(h.service.regenerateRecoveryCodes(p, ctx), "ERR_AUTH_STEP_UP_REQUIRED");
      const c = codeAt(uri, h.clock.now());
      const { mfaAt } = await h.service.stepUp(p, c, ctx);
      assert.equal(mfaAt, h.clock.now());
      assert.equal((await h.service.validateSession(session.token)).mfaAt, mfaAt);
      await rejectsWith(h.service.stepUp(p, c, ctx), "ERR_AUTH_MFA_INVALID");
    });
  });
}
