// Step two of a login: a challenge from `login` plus a TOTP or recovery code → a session. A wrong
// code counts against the IP budget and the account (it may lock it) and puts the challenge back
// for another try, up to the per-challenge limit; the right code consumes the challenge for good.

import type { UserId } from "../kernel/index.js";
import { returnChallenge, takeChallenge } from "./challenges.js";
import { recordCodeFailure } from "./code-failure.js";
import { completeLogin } from "./create-session.js";
import { challengeInvalid, mfaInvalid, rateLimited } from "./errors.js";
import { emit } from "./events.js";
import { effectiveStatus, ipRetryAfter } from "./failures.js";
import { verifySecondFactor } from "./second-factor.js";
import type { IdentityDeps } from "./settings.js";
import type { IssuedSession, RequestContext } from "./types.js";

export async function completeMfa(
  deps: IdentityDeps,
  challenge: string,
  code: string,
  ctx: RequestContext,
): Promise<IssuedSession> {
  const wait = await ipRetryAfter(deps, ctx.ip);
  if (wait > 0) {
    await emit(deps, { action: "auth.mfa", outcome: "denied", ctx, details: { reason: "rate_limited" } });
    throw rateLimited(wait);
  }
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
  const result = await verifySecondFactor(deps, user.id, code);
  if (!result.ok) {
    const { locked } = await recordCodeFailure(deps, user, "auth.mfa", result.reason, ctx);
    if (!locked) await returnChallenge(deps, challenge, state);
    throw mfaInvalid();
  }
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
