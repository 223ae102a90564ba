// Administrative changes to a user: disable / enable and role changes. Disabling or changing roles
// revokes every session of the user at once (a session must never carry stale roles).
import { emit } from "./events.js";
import { clearAccountFailures } from "./failures.js";
import type { IdentityDeps } from "./settings.js";
import type { Actor, UserSummary } from "./types.js";
import { getUser, requireUser, validateRoles } from "./users.js";

export async function disableUser(deps: IdentityDeps, username: string, actor: Actor): Promise<UserSummary> {
  const user = await requireUser(deps, username);
  const now = deps.clock.now();
  await deps.store.updateUser(user.id, { status: "disabled", updatedAt: now });
  const revoked = await deps.store.revokeUserSessions(user.id, "user_disabled", now);
  await emit(deps, {
    action: "user.disabled",
    outcome: "success",
    userId: user.id,
    ctx: actor,
    details: { sessions_revoked: revoked },
  });
  return getUser(deps, username);
}

/** Re-activates a disabled or locked user and clears the lockout history. */
export async function enableUser(deps: IdentityDeps, username: string, actor: Actor): Promise<UserSummary> {
  const user = await requireUser(deps, username);
  const now = deps.clock.now();
  await deps.store.updateUser(user.id, {
    status: "active",
    lockoutCount: 0,
    lockedUntil: null,
    updatedAt: now,
  });
  await clearAccountFailures(deps, user);
  await emit(deps, {
    action: "user.enabled",
    outcome: "success",
    userId: user.id,
    ctx: actor,
    details: { previous_status: user.status },
  });
  return getUser(deps, username);
}

export async function setUserRoles(
  deps: IdentityDeps,
  username: string,
  roles: readonly string[],
  actor: Actor,
): Promise<UserSummary> {
  const user = await requireUser(deps, username);
  const next = validateRoles(deps.settings, roles);
  deps.roleAssignmentCheck?.(next, { kind: "user", name: user.username });
  const now = deps.clock.now();
  await deps.store.updateUser(user.id, { roles: next, updatedAt: now });
  const revoked = await deps.store.revokeUserSessions(user.id, "roles_changed", now);
  await emit(deps, {
    action: "user.roles_changed",
    outcome: "success",
    userId: user.id,
    ctx: actor,
    details: { from: user.roles, to: next, sessions_revoked: revoked },
  });
  return getUser(deps, username);
}
