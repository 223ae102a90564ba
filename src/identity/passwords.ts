// Password changes. By the user (current password + new): the current one is checked like a login
// (the IP's and the account's failure budgets are spent before it is checked, failures.ts), the new
// hash is written only over the one checked (a password set meanwhile wins, and the change answers
// ERR_AUTH_INVALID_CREDENTIALS), and the user's other sessions end. By an administrator
// (`rampart user passwd`): the policy applies, the write is unconditional and every session of the
// user ends. Either way the user's API tokens are revoked too (onCredentialsChanged).
import { recordCodeFailure } from "./code-failure.js";
import { invalidCredentials, passwordPolicy } from "./errors.js";
import { emit } from "./events.js";
import { takeAccountSlotOrRefuse, withIpSlot } from "./failures.js";
import { recordedThenMade } from "./manage-user.js";
import { checkPasswordPolicy, PASSWORD_MAX } from "./password-policy.js";
import type { IdentityDeps } from "./settings.js";
import type { Actor, Principal, RequestContext } from "./types.js";
import { requireUser } from "./users.js";

export async function changePassword(
  deps: IdentityDeps,
  principal: Principal,
  currentPassword: string,
  newPassword: string,
  ctx: RequestContext,
): Promise<void> {
  // The IP's slot is kept only by a wrong current password.
  await withIpSlot(deps, ctx.ip, (attempt) =>
    checkAndChange(deps, principal, currentPassword, newPassword, ctx, attempt),
  );
}

async function checkAndChange(
  deps: IdentityDeps,
  principal: Principal,
  currentPassword: string,
  newPassword: string,
  ctx: RequestContext,
  attempt: { failed: boolean },
): Promise<void> {
  const user = await requireUser(deps, principal.username);
  const account = await takeAccountSlotOrRefuse(
    deps,
    user,
    { action: "auth.password_changed", ctx, sessionId: principal.sessionId, details: { by: "self" } },
    invalidCredentials,
  );
  const valid =
    typeof currentPassword === "string" &&
    [...currentPassword].length <= PASSWORD_MAX &&
    (await account.check(() => deps.hasher.verify(user.passwordHash, currentPassword)));
  if (!valid) {
    attempt.failed = true;
    await recordCodeFailure(
      deps,
      user,
      "auth.password_changed",
      "wrong_password",
      ctx,
      principal.sessionId,
      account,
    );
    throw invalidCredentials();
  }
  await account.release();
  if (typeof newPassword !== "string") throw passwordPolicy("a password is required");
  checkPasswordPolicy(newPassword, user.username);
  if (newPassword === currentPassword) throw passwordPolicy("it must differ from the current password");
  const now = deps.clock.now();
  const passwordHash = await deps.hasher.hash(newPassword);
  // Only over the hash the current password was checked against: if an administrator set a password
  // (or another change landed) meanwhile, that one stays and this change is refused.
  if (
    !(await deps.store.replacePasswordHash(user.id, user.passwordHash, passwordHash, {
      mustChangePassword: false,
      updatedAt: now,
    }))
  ) {
    await emit(deps, {
      action: "auth.password_changed",
      outcome: "failure",
      userId: user.id,
      sessionId: principal.sessionId,
      ctx,
      details: { by: "self", reason: "password_replaced_meanwhile" },
    });
    throw invalidCredentials();
  }
  const revoked = await deps.store.revokeUserSessions(user.id, "password_changed", now, principal.sessionId);
  await emit(deps, {
    action: "auth.password_changed",
    outcome: "success",
    userId: user.id,
    sessionId: principal.sessionId,
    ctx,
    details: { by: "self", other_sessions_revoked: revoked },
  });
  await deps.onCredentialsChanged?.(user.id, "password_changed", {
    userId: user.id,
    via: "api",
    ip: ctx.ip ?? null,
    requestId: ctx.requestId ?? null,
  });
}

export interface SetPasswordOptions {
  /** Force a change at the next login (default false). */
  mustChange?: boolean;
}

export async function setPassword(
  deps: IdentityDeps,
  username: string,
  newPassword: string,
  actor: Actor,
  opts: SetPasswordOptions = {},
): Promise<void> {
  const user = await requireUser(deps, username);
  checkPasswordPolicy(newPassword, user.username);
  const now = deps.clock.now();
  const passwordHash = await deps.hasher.hash(newPassword);
  // A new way in: on the record before it works (with the ledger down, nothing changes).
  const event = { action: "auth.password_changed", userId: user.id, ctx: actor };
  await emit(deps, { ...event, outcome: "success", details: { by: "administrator" } });
  await recordedThenMade(deps, event, () =>
    deps.store.updateUser(user.id, {
      passwordHash,
      mustChangePassword: opts.mustChange ?? false,
      updatedAt: now,
    }),
  );
  // The change is made and on the record; what follows ends the old ways in.
  await deps.store.revokeUserSessions(user.id, "password_set", now);
  await deps.onCredentialsChanged?.(user.id, "password_set", actor);
}
