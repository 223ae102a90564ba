// Property: the failure budgets hold under concurrency. However many guesses race for one account
// (passwords at login, codes at the MFA step) or come from one address, no more are checked than
// the budget allows: each takes its slot atomically before it is checked, so a burst cannot all
// pass a check that only the failures recorded afterwards would fail, and the right guess arriving
// once the budget is spent is refused like any other. Runs on SQLite + memory always, PostgreSQL +
// Redis when RAMPART_TEST_DATABASE_URL / RAMPART_TEST_REDIS_URL are set.
//
// Every check is held at a gate until the whole burst has either reached a check or been answered,
// so the requests truly overlap whatever the machine's speed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { databaseTargets, ephemeralTargets } from "../store/index.js";
import { base32Decode, totpCodeAt, totpStep } from "./index.js";
import { type IdentityHarness, openIdentityHarness } from "./testing.js";

const PW = "vault-Orbit-42-Meadow";
const cli = { via: "cli" };
const ctx = { ip: "192.0.2.20", userAgent: "burst" };
const code = (e: unknown) => (e as { code?: string }).code;

/** Holds every call `pick` selects until `open()`; `held` counts them (the checks made). */
function gate<A extends unknown[], R>(
  obj: Record<string, unknown>,
  name: string,
  pick: (...args: A) => boolean,
): { readonly held: number; open(): void } {
  const inner = (obj[name] as (...args: A) => Promise<R>).bind(obj);
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const g = { held: 0, open };
  obj[name] = async (...args: A): Promise<R> => {
    if (pick(...args)) {
      g.held++;
      await opened;
    }
    return inner(...args);
  };
  return g;
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Starts `fns` at once; `settled()` counts those answered so far. */
function burst<T>(fns: Array<() => Promise<T>>) {
  let settled = 0;
  const all = Promise.allSettled(
    fns.map((f) =>
      f().finally(() => {
        settled++;
      }),
    ),
  );
  return { all, settled: () => settled };
}

/** A user with a second factor enrolled, and the principal of the session enrolment gave them. */
async function enrolledSession(h: IdentityHarness, username: string) {
  await h.service.createUser({ username, roles: ["trader"], password: PW }, cli);
  const first = await h.service.login(username, PW, ctx);
  const { uri } = await h.service.beginTotpEnrollment(first.challenge, ctx);
  const secret = base32Decode(new URL(uri).searchParams.get("secret") ?? "");
  const { session } = await h.service.confirmTotpEnrollment(
    first.challenge,
    totpCodeAt(secret, totpStep(h.clock.now())),
    ctx,
  );
  return h.service.validateSession(session.token);
}

const targets = databaseTargets(process.env).flatMap((d, i) => {
  const k = ephemeralTargets(process.env)[i];
  return k ? [{ d, k, skip: d.skip || k.skip }] : [];
});

for (const { d, k, skip } of targets) {
  describe(`failure budgets under concurrency on ${d.dialect} + ${k.kind}`, { skip }, () => {
    const withHarness = (name: string, fn: (h: IdentityHarness) => Promise<void>) =>
      test(name, async () => {
        const h = await openIdentityHarness(d, k);
        try {
          await fn(h);
        } finally {
          await h.dispose();
        }
      });

    withHarness(
      "parallel wrong passwords check at most the threshold; the right one after them is refused; the account locks once",
      async (h) => {
        const { threshold, baseMs } = h.deps.settings.lockout;
        const n = 4 * threshold;
        await h.service.createUser({ username: "mallet", roles: ["trader"], password: PW }, cli);
        const hash = (await h.deps.store.findUserByFoldedName("mallet"))?.passwordHash;
        const checks = gate(h.deps.hasher as never, "verify", (enc: string) => enc === hash);

        const wrong = burst(
          Array.from({ length: n }, (_, i) => () => h.service.login("mallet", `${PW}-${i}`, ctx)),
        );
        await waitFor(() => checks.held + wrong.settled() === n, "the wrong guesses");
        let rightSettled = false;
        const right = h.service.login("mallet", PW, ctx).then(
          (r) => r,
          (e: unknown) => e,
        );
        void right.finally(() => {
          rightSettled = true;
        });
        await waitFor(() => rightSettled || checks.held > n, "the right guess");
        checks.open();
        const outcomes = [...(await wrong.all), { status: "settled", value: await right }];

        assert.ok(checks.held <= threshold, `${checks.held} guesses checked, threshold ${threshold}`);
        assert.equal(code(await right), "ERR_AUTH_INVALID_CREDENTIALS", "the right password is refused");
        for (const o of outcomes.slice(0, n)) {
          assert.equal(o.status, "rejected");
          assert.equal(code((o as PromiseRejectedResult).reason), "ERR_AUTH_INVALID_CREDENTIALS");
        }
        const u = await h.service.getUser("mallet");
        assert.equal(u.status, "locked");
        assert.equal(u.lockedUntil, h.clock.now() + baseMs);
        assert.equal(h.audit.actions().filter((a) => a === "auth.lockout").length, 1, "locked once");
        assert.equal((await h.deps.store.findUserByFoldedName("mallet"))?.lockoutCount, 1);

        // Once the lock has run out, a fresh budget: the right password passes again.
        h.clock.advance(baseMs);
        assert.equal((await h.service.login("mallet", PW, ctx)).mfa, "enroll");
      },
    );

    withHarness(
      "parallel TOTP codes across many challenges check at most the threshold; the right code after them is refused",
      async (h) => {
        const { threshold } = h.deps.settings.lockout;
        const n = 3 * threshold;
        await h.service.createUser({ username: "trudy", roles: ["trader"], password: PW }, cli);
        const { uri } = await h.service.enrollTotpForUser("trudy", cli);
        const challenges: string[] = [];
        for (let i = 0; i <= n; i++) {
          const r = await h.service.login("trudy", PW, ctx);
          assert.equal(r.mfa, "required");
          challenges.push(r.challenge);
        }
        const secret = base32Decode(new URL(uri).searchParams.get("secret") ?? "");
        const step = totpStep(h.clock.now());
        const valid = new Set([-1, 0, 1].map((o) => totpCodeAt(secret, step + o)));
        const wrongCodes = Array.from({ length: 1000 }, (_, i) => String(100000 + i))
          .filter((c) => !valid.has(c))
          .slice(0, n);
        const userId = (await h.deps.store.findUserByFoldedName("trudy"))?.id;
        // A code's check starts by loading the factor (second-factor.ts); the challenge's own
        // credential check loads it too, earlier, and is let through.
        const checks = gate(
          h.deps.store as never,
          "getTotp",
          (id: string) => id === userId && (new Error().stack ?? "").includes("verifySecondFactor"),
        );

        const wrong = burst(
          wrongCodes.map((c, i) => () => h.service.completeMfa(challenges[i] ?? "", c, ctx)),
        );
        await waitFor(() => checks.held + wrong.settled() === n, "the wrong codes");
        let rightSettled = false;
        const right = h.service.completeMfa(challenges[n] ?? "", totpCodeAt(secret, step), ctx).then(
          (s) => s,
          (e: unknown) => e,
        );
        void right.finally(() => {
          rightSettled = true;
        });
        await waitFor(() => rightSettled || checks.held > n, "the right code");
        checks.open();
        const outcomes = await wrong.all;

        assert.ok(checks.held <= threshold, `${checks.held} codes checked, threshold ${threshold}`);
        assert.ok(
          ["ERR_AUTH_CHALLENGE_INVALID", "ERR_AUTH_MFA_INVALID"].includes(code(await right) ?? ""),
          "the right code is refused",
        );
        assert.ok(outcomes.every((o) => o.status === "rejected"));
        assert.equal((await h.deps.store.listLiveSessions(userId as never, h.clock.now())).length, 0);
        assert.equal((await h.service.getUser("trudy")).status, "locked");
        assert.equal(h.audit.actions().filter((a) => a === "auth.lockout").length, 1, "locked once");
      },
    );

    withHarness("parallel step-up codes in one session check at most the threshold", async (h) => {
      const { threshold } = h.deps.settings.lockout;
      const n = 3 * threshold;
      await h.service.createUser({ username: "sybil", roles: ["trader"], password: PW }, cli);
      const { uri } = await h.service.enrollTotpForUser("sybil", cli);
      const secret = base32Decode(new URL(uri).searchParams.get("secret") ?? "");
      const r = await h.service.login("sybil", PW, ctx);
      const step = totpStep(h.clock.now());
      const session = await h.service.completeMfa(r.challenge, totpCodeAt(secret, step), ctx);
      const p = await h.service.validateSession(session.token);
      const valid = new Set([-1, 0, 1].map((o) => totpCodeAt(secret, step + o)));
      const wrongCodes = Array.from({ length: 1000 }, (_, i) => String(100000 + i))
        .filter((c) => !valid.has(c))
        .slice(0, n);
      const checks = gate(
        h.deps.store as never,
        "getTotp",
        (id: string) => id === p.userId && (new Error().stack ?? "").includes("verifySecondFactor"),
      );
      const b = burst(wrongCodes.map((c) => () => h.service.stepUp(p, c, ctx)));
      await waitFor(() => checks.held + b.settled() === n, "the step-up codes");
      checks.open();
      const outcomes = await b.all;
      assert.ok(checks.held <= threshold, `${checks.held} codes checked, threshold ${threshold}`);
      for (const o of outcomes)
        assert.equal(o.status === "rejected" && code(o.reason), "ERR_AUTH_MFA_INVALID");
      assert.equal((await h.service.getUser("sybil")).status, "locked");
    });

    withHarness("a login completing during a burst does not lift the lock the burst set", async (h) => {
      const { threshold, baseMs } = h.deps.settings.lockout;
      await h.service.createUser({ username: "victor", roles: ["trader"], password: PW }, cli);
      const { uri } = await h.service.enrollTotpForUser("victor", cli);
      const secret = base32Decode(new URL(uri).searchParams.get("secret") ?? "");
      const r = await h.service.login("victor", PW, ctx);
      assert.equal(r.mfa, "required");
      const userId = (await h.deps.store.findUserByFoldedName("victor"))?.id;
      const checks = gate(
        h.deps.store as never,
        "getTotp",
        (id: string) => id === userId && (new Error().stack ?? "").includes("verifySecondFactor"),
      );
      // The user's own code is being checked (one slot of the budget) while a burst of wrong
      // passwords fills the rest and locks the account.
      const own = h.service.completeMfa(r.challenge, totpCodeAt(secret, totpStep(h.clock.now())), ctx);
      await waitFor(() => checks.held === 1, "the user's code check");
      const attack = await Promise.allSettled(
        Array.from({ length: threshold + 3 }, (_, i) => h.service.login("victor", `${PW}-${i}`, ctx)),
      );
      assert.ok(attack.every((o) => o.status === "rejected"));
      const lockedUntil = h.clock.now() + baseMs;
      assert.equal((await h.service.getUser("victor")).lockedUntil, lockedUntil);
      checks.open();
      // Its check was within the budget, so it is answered; the lock stays in force all the same.
      await own;
      const u = await h.service.getUser("victor");
      assert.equal(u.status, "locked");
      assert.equal(u.lockedUntil, lockedUntil);
      await assert.rejects(
        h.service.login("victor", PW, ctx),
        (e) => code(e) === "ERR_AUTH_INVALID_CREDENTIALS",
      );
    });

    withHarness(
      "parallel wrong current passwords in a password change check at most the threshold (a stolen session guessing)",
      async (h) => {
        const { threshold } = h.deps.settings.lockout;
        const n = 3 * threshold;
        const p = await enrolledSession(h, "sally");
        const hash = (await h.deps.store.findUserByFoldedName("sally"))?.passwordHash;
        const checks = gate(h.deps.hasher as never, "verify", (enc: string) => enc === hash);
        const guesses = burst(
          Array.from(
            { length: n },
            (_, i) => () => h.service.changePassword(p, `${PW}-${i}`, "Heron-Velvet-31-Quarry", ctx),
          ),
        );
        await waitFor(() => checks.held + guesses.settled() === n, "the guesses");
        checks.open();
        const outcomes = await guesses.all;
        assert.ok(checks.held <= threshold, `${checks.held} guesses checked, threshold ${threshold}`);
        for (const o of outcomes) {
          assert.equal(o.status, "rejected");
          assert.equal(code((o as PromiseRejectedResult).reason), "ERR_AUTH_INVALID_CREDENTIALS");
        }
        assert.equal((await h.service.getUser("sally")).status, "locked");
      },
    );

    withHarness(
      "wrong codes in a session while the account is locked count for nothing: the lock runs out on time",
      async (h) => {
        const { threshold, baseMs } = h.deps.settings.lockout;
        const p = await enrolledSession(h, "lena");
        for (let i = 0; i < threshold; i++)
          await assert.rejects(h.service.login("lena", `${PW}-${i}`, ctx), {
            code: "ERR_AUTH_INVALID_CREDENTIALS",
          });
        assert.equal((await h.service.getUser("lena")).status, "locked");
        // The session outlived the lock: wrong step-up codes and wrong current passwords meanwhile.
        for (let i = 0; i < threshold; i++) {
          await assert.rejects(h.service.stepUp(p, "000000", ctx));
          await assert.rejects(h.service.changePassword(p, `${PW}-x${i}`, "Heron-Velvet-31-Quarry", ctx));
        }
        h.clock.advance(baseMs);
        const r = await h.service.login("lena", PW, ctx);
        assert.equal(r.mfa, "required", "the right password works once the lock has run out");
      },
    );

    withHarness(
      "parallel failures from one address check no more than its budget; the rest get 429",
      async (h) => {
        const { max, windowMs } = h.deps.settings.ipFailures;
        h.clock.set(Math.ceil(h.clock.now() / windowMs) * windowMs);
        const n = max + 20;
        // The unknown-user path makes its dummy hash once; let that happen before the burst.
        await h.service.login("ghost", "whatever-password", { ip: "192.0.2.99" }).catch(() => {});
        const checks = gate(h.deps.hasher as never, "verify", () => true);

        const b = burst(
          Array.from({ length: n }, (_, i) => () => h.service.login(`ghost${i}`, "whatever-password", ctx)),
        );
        await waitFor(() => checks.held + b.settled() === n, "the burst");
        checks.open();
        const outcomes = await b.all;

        assert.ok(checks.held <= max, `${checks.held} guesses checked, budget ${max}`);
        const codes = outcomes.map((o) => (o.status === "rejected" ? code(o.reason) : "fulfilled"));
        assert.equal(codes.filter((c) => c === "ERR_AUTH_INVALID_CREDENTIALS").length, max);
        const limited = outcomes.filter(
          (o) => o.status === "rejected" && code(o.reason) === "ERR_AUTH_RATE_LIMITED",
        );
        assert.equal(limited.length, n - max);
        for (const o of limited)
          assert.equal((o as PromiseRejectedResult).reason.expose.retryAfter, windowMs / 1000);
        // Another address is unaffected; the next window starts afresh.
        await assert.rejects(
          h.service.login("ghost", "whatever-password", { ip: "192.0.2.11" }),
          (e) => code(e) === "ERR_AUTH_INVALID_CREDENTIALS",
        );
        h.clock.advance(windowMs);
        await assert.rejects(
          h.service.login("ghost", "whatever-password", ctx),
          (e) => code(e) === "ERR_AUTH_INVALID_CREDENTIALS",
        );
      },
    );
  });
}
