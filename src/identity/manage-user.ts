// Administrative changes to a user: disable / enable and role changes. Disabling or changing roles
// revokes every session of the user at once (a session must never carry stale roles).
//
// What can widen access (enabling, a role change) is recorded before it is made: with the ledger
// down it does not happen. Disabling only narrows access, so it happens first and is recorded after.
// If the write fails after the record, a failure event follows it (best effort).
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
  const event = { action: "user.enabled", userId: user.id, ctx: actor };
  await emit(deps, { ...event, outcome: "success", details: { previous_status: user.status } });
  await recordedThenMade(deps, event, () =>
    deps.store.updateUser(user.id, { status: "active", lockoutCount: 0, lockedUntil: null, updatedAt: now }),
  );
  await clearAccountFailures(deps, user);
  return getUser(deps, username);
}

/** Runs a change already recorded; if it fails, says so on the record too, and rethrows. */
export async function recordedThenMade<T>(
  deps: IdentityDeps,
  event: { action: string; userId: string; ctx: Actor },
  change: () => Promise<T>,
): Promise<T> {
  try {
    return await change();
  } catch (e) {
    await emit(deps, { ...event, outcome: "error", details: { reason: "not_applied" } }).catch(() => {});
    throw e;
  }
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
  const event = { action: "user.roles_changed", userId: user.id, ctx: actor };
  await emit(deps, { ...event, outcome: "success", details: { from: user.roles, to: next } });
  await recordedThenMade(deps, event, () => deps.store.updateUser(user.id, { roles: next, updatedAt: now }));
  await deps.store.revokeUserSessions(user.id, "roles_changed", now);
  return getUser(deps, username);
}
