// Step one of a login: username + password → a challenge for the second factor ("required"), or an
// enrolment-only challenge when the user has no active factor yet ("enroll"). Unknown user, wrong
// password, locked and disabled accounts all end in the same ERR_AUTH_INVALID_CREDENTIALS after the
// same work (an argon2id verify against a dummy hash when there is no user); the reason is recorded
// in the audit event only. A successful verify upgrades the stored hash when parameters have risen.
import type { PasswordHasher } from "../crypto/index.js";
import { randomToken } from "../crypto/index.js";
import { issueChallenge } from "./challenges.js";
import { invalidCredentials, rateLimited } from "./errors.js";
import { emit } from "./events.js";
import { effectiveStatus, ipRetryAfter, recordAccountFailure, recordIpFailure } from "./failures.js";
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
  const wait = await ipRetryAfter(deps, ctx.ip);
  if (wait > 0) {
    await emit(deps, { action: "auth.login", outcome: "denied", ctx, details: { reason: "rate_limited" } });
    throw rateLimited(wait);
  }
  const fail = async (reason: string, userId: string | null, extra: Record<string, unknown> = {}) => {
    await recordIpFailure(deps, ctx.ip);
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
  const valid = await deps.hasher.verify(user.passwordHash, password);
  const now = deps.clock.now();
  const status = effectiveStatus(user, now);
  if (status === "disabled") throw await fail("disabled", user.id);
  if (status === "locked") throw await fail("locked", user.id, { locked_until: user.lockedUntil });
  if (!valid) {
    await recordIpFailure(deps, ctx.ip);
    const f = await recordAccountFailure(deps, user);
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

  if (deps.hasher.needsRehash(user.passwordHash)) {
    const passwordHash = await deps.hasher.hash(password);
    await deps.store.updateUser(user.id, { passwordHash, updatedAt: now });
  }
  if (user.status === "locked") await deps.store.updateUser(user.id, { status: "active", updatedAt: now });
  const factor = await deps.store.getTotp(user.id);
  const kind = factor?.status === "active" ? "mfa" : "enroll";
  const { challenge, expiresAt } = await issueChallenge(deps, user.id, kind);
  await emit(deps, {
    action: "auth.login",
    outcome: "success",
    userId: user.id,
    ctx,
    details: { stage: "password", next: kind === "mfa" ? "mfa" : "mfa_enrolment" },
  });
  return kind === "mfa" ? { mfa: "required", challenge, expiresAt } : { mfa: "enroll", challenge, expiresAt };
}
