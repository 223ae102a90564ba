// What a wrong code or current password costs, wherever it is presented (the MFA step, enrolment
// confirm, step-up, password change): the account's slot, taken before the check (failures.ts),
// becomes a failure (which may lock the account), and the caller keeps its IP slot as the IP's;
// recorded as one event — auth.lockout when this failure locked the account.
import { emit } from "./events.js";
import type { TakenAccountSlot } from "./failures.js";
import type { IdentityDeps } from "./settings.js";
import type { RequestContext, User } from "./types.js";

export async function recordCodeFailure(
  deps: IdentityDeps,
  user: User,
  action: string,
  reason: string,
  ctx: RequestContext,
  sessionId: string | null,
  slot: TakenAccountSlot,
): Promise<{ locked: boolean }> {
  const f = await slot.fail();
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
