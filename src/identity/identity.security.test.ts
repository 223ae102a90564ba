// Properties: no audit event or error produced during a full identity flow contains a password,
// TOTP secret, code, recovery code, challenge or session/CSRF token; the stored rows hold only
// hashes and ciphertexts; a replayed TOTP code inside its window is rejected.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PasswordHasher } from "../crypto/index.js";
import { base32Decode, totpCodeAt, totpStep } from "./index.js";
import { CHEAP_ARGON2, openIdentityHarness } from "./testing.js";

test("no event or error carries a password, secret, code or token; storage holds only hashes and ciphertexts", async () => {
  const h = await openIdentityHarness();
  const secrets: string[] = [];
  const errors: unknown[] = [];
  const attempt = async <T>(p: Promise<T>): Promise<T | undefined> => {
    try {
      return await p;
    } catch (e) {
      errors.push(e);
      return undefined;
    }
  };
  const ctx = { ip: "198.51.100.7", userAgent: "sec-test" };
  try {
    const pw = "Quokka-Lantern-58-Ridge";
    secrets.push(pw);
    const created = await h.service.createUser({ username: "mallory", roles: ["trader"] }, { via: "cli" });
    const otp = created.oneTimePassword ?? "";
    secrets.push(otp);
    await attempt(h.service.login("mallory", `${otp}-wrong`, ctx));
    secrets.push(`${otp}-wrong`);
    const r = await h.service.login("mallory", otp, ctx);
    secrets.push(r.challenge);
    const { uri } = await h.service.beginTotpEnrollment(r.challenge, ctx);
    const b32 = new URL(uri).searchParams.get("secret") ?? "";
    const secret = base32Decode(b32);
    secrets.push(b32, secret.toString("hex"), secret.toString("base64"));
    await attempt(h.service.confirmTotpEnrollment(r.challenge, "000000", ctx));
    const code = totpCodeAt(secret, totpStep(h.clock.now()));
    secrets.push(code);
    const { session, recoveryCodes } = await h.service.confirmTotpEnrollment(r.challenge, code, ctx);
    secrets.push(
      session.token,
      session.csrfToken,
      ...recoveryCodes,
      ...recoveryCodes.map((c) => c.replace(/-/g, "")),
    );
    const p = await h.service.validateSession(session.token);
    await attempt(h.service.changePassword(p, "not-the-current-pw", pw, ctx));
    await attempt(h.service.changePassword(p, otp, `${pw.slice(0, 3)}`, ctx));
    await h.service.changePassword(p, otp, pw, ctx);
    await attempt(h.service.stepUp(p, code, ctx)); // replay: refused
    h.clock.advance(30_000);
    const r2 = await h.service.login("mallory", pw, ctx);
    secrets.push(r2.challenge);
    await attempt(h.service.completeMfa(r2.challenge, recoveryCodes[0] ?? "", ctx));
    const r3 = await h.service.login("mallory", pw, ctx);
    secrets.push(r3.challenge);
    await attempt(h.service.completeMfa(r3.challenge, recoveryCodes[0] ?? "", ctx));
    await attempt(h.service.validateSession(`${session.token}x`));
    await h.service.setPassword("mallory", "Walrus-Tinsel-77-Canyon", { via: "cli" });
    secrets.push("Walrus-Tinsel-77-Canyon");
    await attempt(h.service.validateSession(session.token));
    await attempt(h.service.setPassword("mallory", "mallory-is-my-name-1", { via: "cli" }));
    secrets.push("mallory-is-my-name-1");
    await h.service.resetMfa("mallory", { via: "cli" });

    const replays = errors.filter((e) => (e as { code?: string }).code === "ERR_AUTH_MFA_INVALID");
    assert.ok(replays.length >= 2, "the replayed TOTP code and the reused recovery code were refused");
    const haystack = JSON.stringify({
      events: h.audit.events,
      errors: errors.map((e) => {
        const x = e as { code?: string; message?: string; detail?: string; expose?: unknown; stack?: string };
        return { code: x.code, message: x.message, detail: x.detail, expose: x.expose, stack: x.stack };
      }),
    });
    assert.ok(h.audit.events.length >= 15 && errors.length >= 7);
    for (const s of secrets)
      assert.ok(s.length >= 6 && !haystack.includes(s), `leaked a secret of length ${s.length}`);

    // At rest: the token, CSRF token and secret never appear as such.
    const u = await h.deps.store.findUserByFoldedName("mallory");
    const sess = await h.deps.store.findSessionById(session.sessionId);
    const atRest = JSON.stringify({ u, sess });
    for (const s of [session.token, session.csrfToken, pw, otp, b32]) assert.ok(!atRest.includes(s));
    assert.match(u?.passwordHash ?? "", /^\$argon2id\$/);
  } finally {
    await h.dispose();
  }
});

test("a replayed TOTP inside its window is rejected, also when the same code races itself", async () => {
  const h = await openIdentityHarness();
  try {
    const pw = "Quokka-Lantern-58-Ridge";
    await h.service.createUser({ username: "oscar", roles: ["trader"], password: pw }, { via: "cli" });
    const e = await h.service.enrollTotpForUser("oscar", { via: "cli" });
    const secret = base32Decode(new URL(e.uri).searchParams.get("secret") ?? "");
    const code = totpCodeAt(secret, totpStep(h.clock.now()));
    const challenges = await Promise.all([1, 2, 3, 4].map(() => h.service.login("oscar", pw, {})));
    const results = await Promise.allSettled(
      challenges.map((c) => h.service.completeMfa(c.challenge, code, {})),
    );
    assert.equal(results.filter((x) => x.status === "fulfilled").length, 1);
  } finally {
    await h.dispose();
  }
});

test("an unknown-user login shed under load does not break later ones (nor tell that the user is unknown)", async () => {
  // One hash at a time and no queue: a second concurrent argon2 call is shed (ERR_AUTH_BUSY).
  const hasher = new PasswordHasher({ params: CHEAP_ARGON2, concurrency: 1, queueLimit: 0 });
  const h = await openIdentityHarness(undefined, undefined, hasher);
  const ctx = { ip: "198.51.100.9", userAgent: "sec-test" };
  const code = (e: unknown) => (e as { code?: string }).code;
  try {
    const password = "Quokka-Lantern-58-Ridge";
    await h.service.createUser({ username: "known", roles: ["trader"], password }, { via: "cli" });
    const busy = hasher.hash("occupies-the-only-slot");
    // The first unknown-user login must make the dummy hash, and is shed.
    await assert.rejects(
      h.service.login("nobody", password, ctx),
      (e: unknown) => code(e) === "ERR_AUTH_BUSY",
    );
    await busy;
    // Once the hasher is free, unknown and known users fail alike again, after a real verify.
    for (const name of ["nobody", "known"])
      await assert.rejects(
        h.service.login(name, "Wrong-Password-1234", ctx),
        (e: unknown) => code(e) === "ERR_AUTH_INVALID_CREDENTIALS",
        name,
      );
  } finally {
    await h.dispose();
  }
});
