// Step two of a login: a challenge from `login` plus a TOTP or recovery code → a session. A wrong
// code counts against the IP budget and the account (it may lock it) and puts the challenge back
// for another try, up to the per-challenge limit; the right code consumes the challenge for good.
// A challenge issued before the user's password or second factor changed is refused. The IP's and
// the account's failure budgets are spent before the code is checked (failures.ts), so codes sent in
// parallel over many challenges are checked no more often than the lockout threshold allows.

import type { UserId } from "../kernel/index.js";
import { returnChallenge, sameCredentials, takeChallenge } from "./challenges.js";
import { recordCodeFailure } from "./code-failure.js";
import { completeLogin } from "./create-session.js";
import { challengeInvalid, mfaInvalid } from "./errors.js";
import { emit } from "./events.js";
import { effectiveStatus, takeAccountSlotOrRefuse, withIpSlot } from "./failures.js";
import { verifySecondFactor } from "./second-factor.js";
import type { IdentityDeps } from "./settings.js";
import type { IssuedSession, RequestContext } from "./types.js";

export async function completeMfa(
  deps: IdentityDeps,
  challenge: string,
  code: string,
  ctx: RequestContext,
): Promise<IssuedSession> {
  // The IP's slot is kept only by a wrong code; anything else (a bad challenge included) gives it back.
  return withIpSlot(
    deps,
    ctx.ip,
    (attempt) => checkCode(deps, challenge, code, ctx, attempt),
    () => emit(deps, { action: "auth.mfa", outcome: "denied", ctx, details: { reason: "rate_limited" } }),
  );
}

async function checkCode(
  deps: IdentityDeps,
  challenge: string,
  code: string,
  ctx: RequestContext,
  attempt: { failed: boolean },
): Promise<IssuedSession> {
  const state = await takeChallenge(deps, challenge, "mfa").catch(async (e: unknown) => {
    await emit(deps, { action: "auth.mfa", outcome: "failure", ctx, details: { reason: "bad_challenge" } });
    throw e;
  });
  const user = await deps.store.findUserById(state.userId as UserId);
  if (!user || effectiveStatus(user, deps.clock.now()) !== "active") {
    await emit(deps, {
      action: "auth.mfa",
      outcome: "failure",
      userId: state.userId,
      ctx,
      details: { reason: "account_unavailable" },
    });
    throw challengeInvalid();
  }
  // Earned against the password and factor of the moment it was issued: a password set or a factor
  // reset (and re-enrolled) since then ends it, as it ends the user's sessions.
  if (!sameCredentials(state, user.passwordHash, await deps.store.getTotp(user.id))) {
    await emit(deps, {
      action: "auth.mfa",
      outcome: "failure",
      userId: user.id,
      ctx,
      details: { reason: "credentials_changed" },
    });
    throw challengeInvalid();
  }
  // The threshold's worth of guesses already failures or being checked: refused like a locked
  // account (the challenge is spent), the code unchecked.
  const account = await takeAccountSlotOrRefuse(deps, user, { action: "auth.mfa", ctx }, challengeInvalid);
  const result = await account.check(() => verifySecondFactor(deps, user.id, code));
  if (!result.ok) {
    attempt.failed = true;
    const { locked } = await recordCodeFailure(deps, user, "auth.mfa", result.reason, ctx, null, account);
    if (!locked) await returnChallenge(deps, challenge, state);
    throw mfaInvalid();
  }
  await account.release();
  const session = await completeLogin(deps, user, ctx);
  const recovery = result.method === "recovery_code";
  try {
    await emit(deps, {
      action: recovery ? "mfa.recovery_used" : "auth.mfa",
      outcome: "success",
      userId: user.id,
      sessionId: session.sessionId,
      ctx,
      details: recovery
        ? {
            stage: "complete",
            method: "recovery_code",
            remaining: await deps.store.countUnusedRecoveryCodes(user.id),
          }
        : { stage: "complete", method: "totp" },
    });
  } catch (e) {
    // Fail closed: a session whose creation could not be recorded does not survive.
    await deps.store.revokeSession(session.sessionId, "audit_failed", deps.clock.now());
    throw e;
  }
  return session;
}
