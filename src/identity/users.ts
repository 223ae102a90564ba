// Reading users: lookups by name (folded) and id, listings without password hashes, and the role
// check every write uses (roles must exist in the configured RBAC roles).
import type { UserId } from "../kernel/index.js";
import { roleUnknown, userNotFound } from "./errors.js";
import { effectiveStatus } from "./failures.js";
import type { IdentityDeps, IdentitySettings } from "./settings.js";
import type { User, UserSummary } from "./types.js";
import { foldUsername } from "./username.js";

export async function requireUser(deps: IdentityDeps, username: string): Promise<User> {
  const user = await deps.store.findUserByFoldedName(foldUsername(username));
  if (!user) throw userNotFound();
  return user;
}

export function summarize(user: User, mfaEnrolled: boolean, now: number): UserSummary {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    roles: user.roles,
    status: effectiveStatus(user, now),
    mustChangePassword: user.mustChangePassword,
    mfaEnrolled,
    lockedUntil: effectiveStatus(user, now) === "locked" ? user.lockedUntil : null,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    lastLoginAt: user.lastLoginAt,
  };
}

export async function getUser(deps: IdentityDeps, username: string): Promise<UserSummary> {
  const user = await requireUser(deps, username);
  const totp = await deps.store.getTotp(user.id);
  return summarize(user, totp?.status === "active", deps.clock.now());
}

export async function getUserById(deps: IdentityDeps, id: string): Promise<UserSummary> {
  const user = await deps.store.findUserById(id as UserId);
  if (!user) throw userNotFound();
  const totp = await deps.store.getTotp(user.id);
  return summarize(user, totp?.status === "active", deps.clock.now());
}

export async function listUsers(deps: IdentityDeps): Promise<UserSummary[]> {
  const now = deps.clock.now();
  const rows = await deps.store.listUsers();
  return rows
    .map((r) => summarize(r.user, r.mfaEnrolled, now))
    .sort((a, b) => a.username.localeCompare(b.username));
}

/** Deduplicated, each a configured role, at least one. */
export function validateRoles(settings: IdentitySettings, roles: readonly string[]): string[] {
  const unique = [...new Set(roles)];
  if (unique.length === 0) throw roleUnknown("(none given: at least one role is required)");
  for (const r of unique) if (!Object.hasOwn(settings.roleSessionTimeouts, r)) throw roleUnknown(r);
  return unique.sort();
}
