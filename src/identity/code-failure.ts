// What a wrong second-factor code costs, wherever it is presented (login, enrolment confirm,
// step-up): one failure against the IP budget and one against the account (which may lock it),
// recorded as one event — auth.lockout when this failure locked the account. A caller that took its
// slots before checking the code (see failures.ts) passes the account's: the failure is that slot,
// and the IP's slot it holds is kept as the IP failure.
import { emit } from "./events.js";
import { recordAccountFailure, recordIpFailure, type TakenAccountSlot } from "./failures.js";
import type { IdentityDeps } from "./settings.js";
import type { RequestContext, User } from "./types.js";

export async function recordCodeFailure(
  deps: IdentityDeps,
  user: User,
  action: string,
  reason: string,
  ctx: RequestContext,
  sessionId: string | null = null,
  slot?: TakenAccountSlot,
): Promise<{ locked: boolean }> {
  if (!slot) await recordIpFailure(deps, ctx.ip);
  const f = slot ? await slot.fail() : await recordAccountFailure(deps, user);
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
