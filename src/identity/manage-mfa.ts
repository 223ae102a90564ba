// Second-factor maintenance: an administrator's reset (factor and recovery codes removed, every
// session revoked, so the next login must enrol again), regeneration of recovery codes by their
// owner (only right after proving a factor in this session), and step-up re-authentication.
import { recordCodeFailure } from "./code-failure.js";
import { mfaInvalid, mfaNotEnrolled, sessionInvalid, stepUpRequired } from "./errors.js";
import { emit } from "./events.js";
import { takeAccountSlotOrRefuse, withIpSlot } from "./failures.js";
import { generateRecoveryCodes, hashRecoveryCode } from "./recovery-codes.js";
import { verifySecondFactor } from "./second-factor.js";
import type { IdentityDeps } from "./settings.js";
import type { Actor, Principal, RequestContext } from "./types.js";
import { requireUser } from "./users.js";

export async function resetMfa(
  deps: IdentityDeps,
  username: string,
  actor: Actor,
): Promise<{ sessionsRevoked: number }> {
  const user = await requireUser(deps, username);
  const now = deps.clock.now();
  const had = await deps.store.deleteMfa(user.id);
  const sessionsRevoked = await deps.store.revokeUserSessions(user.id, "mfa_reset", now);
  await emit(deps, {
    action: "mfa.reset",
    outcome: "success",
    userId: user.id,
    ctx: actor,
    details: { had_factor: had, sessions_revoked: sessionsRevoked },
  });
  await deps.onCredentialsChanged?.(user.id, "mfa_reset", actor);
  return { sessionsRevoked };
}

/**
 * Proves a factor again inside a session (code may be a recovery code); refreshes the session's mfaAt.
 * The IP's and the account's failure budgets are spent before the code is checked (failures.ts).
 */
export async function stepUp(
  deps: IdentityDeps,
  principal: Principal,
  code: string,
  ctx: RequestContext,
): Promise<{ mfaAt: number }> {
  // The IP's slot is kept only by a wrong code.
  return withIpSlot(deps, ctx.ip, (attempt) => checkStepUp(deps, principal, code, ctx, attempt));
}

async function checkStepUp(
  deps: IdentityDeps,
  principal: Principal,
  code: string,
  ctx: RequestContext,
  attempt: { failed: boolean },
): Promise<{ mfaAt: number }> {
  const user = await deps.store.findUserById(principal.userId);
  if (!user) throw sessionInvalid();
  const account = await takeAccountSlotOrRefuse(
    deps,
    user,
    { action: "auth.mfa", ctx, sessionId: principal.sessionId },
    mfaInvalid,
  );
  const result = await account.check(() => verifySecondFactor(deps, user.id, code));
  if (!result.ok) {
    attempt.failed = true;
    await recordCodeFailure(deps, user, "auth.mfa", result.reason, ctx, principal.sessionId, account);
    throw mfaInvalid();
  }
  await account.release();
  const now = deps.clock.now();
  await deps.store.setSessionMfaAt(principal.sessionId, now);
  await emit(deps, {
    action: result.method === "recovery_code" ? "mfa.recovery_used" : "auth.mfa",
    outcome: "success",
    userId: user.id,
    sessionId: principal.sessionId,
    ctx,
    details: { stage: "step_up", method: result.method },
  });
  return { mfaAt: now };
}

/** New recovery codes (the old set stops working); needs a factor proved within `maxAgeMs`. */
export async function regenerateRecoveryCodes(
  deps: IdentityDeps,
  principal: Principal,
  ctx: RequestContext,
  maxAgeMs = 5 * 60_000,
): Promise<string[]> {
  const now = deps.clock.now();
  if (now - principal.mfaAt > maxAgeMs) throw stepUpRequired();
  const factor = await deps.store.getTotp(principal.userId);
  if (factor?.status !== "active") throw mfaNotEnrolled();
  const codes = generateRecoveryCodes(deps.settings.recoveryCodeCount);
  await deps.store.replaceRecoveryCodes(
    principal.userId,
    codes.map((c) => hashRecoveryCode(c) as string),
    now,
  );
  await emit(deps, {
    action: "mfa.recovery_regenerated",
    outcome: "success",
    userId: principal.userId,
    sessionId: principal.sessionId,
    ctx,
    details: { count: codes.length },
  });
  return codes;
}
