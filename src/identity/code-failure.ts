// What a wrong second-factor code costs, wherever it is presented (login, enrolment confirm,
// step-up): one failure against the IP budget and one against the account (which may lock it),
// recorded as one event — auth.lockout when this failure locked the account.
import { emit } from "./events.js";
import { recordAccountFailure, recordIpFailure } from "./failures.js";
import type { IdentityDeps } from "./settings.js";
import type { RequestContext, User } from "./types.js";

export async function recordCodeFailure(
  deps: IdentityDeps,
  user: User,
  action: string,
  reason: string,
  ctx: RequestContext,
  sessionId: string | null = null,
): Promise<{ locked: boolean }> {
  await recordIpFailure(deps, ctx.ip);
  const f = await recordAccountFailure(deps, user);
  const locked = f.lockedUntil !== null;
  await emit(deps, {
    action: locked ? "auth.lockout" : action,
    outcome: "failure",
    userId: user.id,
    sessionId,
    ctx,
    details: { reason, consecutive_failures: f.failures, locked_until: f.lockedUntil },
    ...(locked ? { risk: 70 } : {}),
  });
  return { locked };
}
