// Step one of a login: username + password → a challenge for the second factor ("required"), or an
// enrolment-only challenge when the user has no active factor yet ("enroll"). Unknown user, wrong
// password, locked and disabled accounts all end in the same ERR_AUTH_INVALID_CREDENTIALS after the
// same work (an argon2id verify against a dummy hash when there is no user); the reason is recorded
// in the audit event only. A successful verify upgrades the stored hash when parameters have risen
// (unless the password was replaced meanwhile). The IP's and the account's failure budgets are spent
// before the password is checked (failures.ts): a locked account's, or one whose budget is taken,
// is never checked — its request does the same work against the dummy hash.
import type { PasswordHasher } from "../crypto/index.js";
import { randomToken } from "../crypto/index.js";
import { credentialState, issueChallenge } from "./challenges.js";
import { invalidCredentials } from "./errors.js";
import { emit } from "./events.js";
import { effectiveStatus, takeAccountSlot, withIpSlot } from "./failures.js";
import { PASSWORD_MAX } from "./password-policy.js";
import type { IdentityDeps } from "./settings.js";
import type { LoginResult, RequestContext } from "./types.js";
import { foldUsername } from "./username.js";

const dummies = new WeakMap<PasswordHasher, Promise<string>>();

/**
 * A hash of a random password made with the current parameters, so a miss costs a real verify.
 * A failed attempt (the hasher shedding load) is not kept: it would fail every later unknown-user
 * login at once, which is both an outage and a tell that the user does not exist.
 */
function dummyHash(hasher: PasswordHasher): Promise<string> {
  let d = dummies.get(hasher);
  if (!d) {
    d = hasher.hash(randomToken(16));
    dummies.set(hasher, d);
    d.catch(() => {
      if (dummies.get(hasher) === d) dummies.delete(hasher);
    });
  }
  return d;
}

export async function login(
  deps: IdentityDeps,
  username: string,
  password: string,
  ctx: RequestContext,
): Promise<LoginResult> {
  // The IP's slot is kept only by a failure; a success or an error (the hasher shedding load) gives it back.
  return withIpSlot(
    deps,
    ctx.ip,
    (attempt) => checkPassword(deps, username, password, ctx, attempt),
    () => emit(deps, { action: "auth.login", outcome: "denied", ctx, details: { reason: "rate_limited" } }),
  );
}

async function checkPassword(
  deps: IdentityDeps,
  username: string,
  password: string,
  ctx: RequestContext,
  attempt: { failed: boolean },
): Promise<LoginResult> {
  const fail = async (reason: string, userId: string | null, extra: Record<string, unknown> = {}) => {
    attempt.failed = true;
    await emit(deps, {
      action: "auth.login",
      outcome: "failure",
      userId,
      ctx,
      details: { reason, ...extra },
    });
    return invalidCredentials();
  };
  if (typeof username !== "string" || typeof password !== "string" || username.length > 256)
    throw await fail("malformed", null);
  // Longer than any valid password: refuse before the hasher sees it (it cannot match anyway).
  if ([...password].length > PASSWORD_MAX) throw await fail("malformed", null);

  const user = await deps.store.findUserByFoldedName(foldUsername(username));
  if (!user) {
    await deps.hasher.verify(await dummyHash(deps.hasher), password);
    throw await fail("unknown_user", null);
  }
  const now = deps.clock.now();
  const status = effectiveStatus(user, now);
  if (status !== "active") {
    await deps.hasher.verify(await dummyHash(deps.hasher), password);
    throw await fail(status, user.id, status === "locked" ? { locked_until: user.lockedUntil } : {});
  }
  const account = await takeAccountSlot(deps, user);
  if (!account.allowed) {
    // The threshold's worth of guesses are already failures or being checked: refused like a
    // locked account, unchecked.
    await deps.hasher.verify(await dummyHash(deps.hasher), password);
    throw await fail("locked", user.id, { budget_spent: true });
  }
  const valid = await account.check(() => deps.hasher.verify(user.passwordHash, password));
  if (!valid) {
    attempt.failed = true;
    const f = await account.fail();
    await emit(deps, {
      action: f.lockedUntil === null ? "auth.login" : "auth.lockout",
      outcome: "failure",
      userId: user.id,
      ctx,
      details: { reason: "wrong_password", consecutive_failures: f.failures, locked_until: f.lockedUntil },
      ...(f.lockedUntil === null ? {} : { risk: 70 }),
    });
    throw invalidCredentials();
  }
  await account.release();

  // The challenge is bound to the hash verified here: if it is replaced before the challenge is
  // redeemed (an administrator's reset), the challenge is refused.
  let verifiedHash = user.passwordHash;
  if (deps.hasher.needsRehash(user.passwordHash)) {
    const passwordHash = await deps.hasher.hash(password);
    // Only over the hash just verified: a password set meanwhile is never replaced by the old one.
    if (await deps.store.replacePasswordHash(user.id, user.passwordHash, passwordHash, { updatedAt: now }))
      verifiedHash = passwordHash;
  }
  const factor = await deps.store.getTotp(user.id);
  const kind = factor?.status === "active" ? "mfa" : "enroll";
  const { challenge, expiresAt } = await issueChallenge(
    deps,
    user.id,
    kind,
    credentialState(verifiedHash, factor),
  );
  await emit(deps, {
    action: "auth.login",
    outcome: "success",
    userId: user.id,
    ctx,
    details: { stage: "password", next: kind === "mfa" ? "mfa" : "mfa_enrolment" },
  });
  return kind === "mfa" ? { mfa: "required", challenge, expiresAt } : { mfa: "enroll", challenge, expiresAt };
}
