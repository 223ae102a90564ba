// The approvers access control owns: `user.set_roles` (replace a user's roles; needs
// `users:set_roles`) and `role.define` (replace a configured role's permissions and restrictions;
// needs `config:modify`). Trading (`trading.resume`) and the vault (`secret.read`) register their
// own through ApprovalService.registerApprover.
import type { Approver } from "./approval-types.js";
import { proposalInvalid, sodConflict } from "./errors.js";
import type { RoleDefinitionStore } from "./ports.js";
import { findSodConflicts, type SodRules } from "./segregation.js";
import type { RoleDefinitions } from "./types.js";
import { findPolicyProblems } from "./validate-policy.js";

export interface UserRolesChange {
  readonly username: string;
  readonly roles: readonly string[];
}

export interface RoleDefinitionChange {
  readonly role: string;
  readonly permissions: readonly string[];
  readonly restrictions: readonly string[];
}

function stringList(v: unknown, what: string, max: number): string[] {
  if (!Array.isArray(v) || v.length > max || !v.every((x) => typeof x === "string" && x.length <= 256))
    throw proposalInvalid(`${what} must be a list of at most ${max} strings`);
  return v as string[];
}

function object(v: unknown, keys: readonly string[]): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw proposalInvalid("the payload must be an object");
  const extra = Object.keys(v).filter((k) => !keys.includes(k));
  if (extra.length > 0) throw proposalInvalid(`unknown field ${JSON.stringify(extra[0])}`);
  return v as Record<string, unknown>;
}

export interface UserRolesApproverDeps {
  hasRole(role: string): boolean;
  readonly sodRules: SodRules;
  /** identity's setUserRoles (which runs its own checks again when applied). */
  setUserRoles(
    username: string,
    roles: readonly string[],
    actor: { via: string; userId: string; requestId?: string | null | undefined },
  ): Promise<{ username: string; roles: readonly string[] }>;
}

/** `user.set_roles` {username, roles}: refused at proposal time when a role is unknown or conflicts. */
export function userRolesApprover(deps: UserRolesApproverDeps): Approver<UserRolesChange> {
  return {
    action: "users:set_roles",
    parse(raw) {
      const o = object(raw, ["username", "roles"]);
      if (typeof o["username"] !== "string" || o["username"].length === 0 || o["username"].length > 64)
        throw proposalInvalid("username must be a user name");
      const roles = [...new Set(stringList(o["roles"], "roles", 32))].sort();
      if (roles.length === 0) throw proposalInvalid("at least one role is required");
      const unknown = roles.find((r) => !deps.hasRole(r));
      if (unknown !== undefined) throw proposalInvalid(`unknown role ${JSON.stringify(unknown)}`);
      const conflict = findSodConflicts(roles, deps.sodRules)[0];
      if (conflict !== undefined) throw sodConflict(`user ${o["username"]}`, conflict.rule);
      return { username: o["username"], roles };
    },
    describe: (c) => `set roles of ${c.username} to ${c.roles.join(", ")}`,
    async apply(c, { proposal, approver }) {
      const u = await deps.setUserRoles(c.username, c.roles, {
        via: `approval:${proposal.id}`,
        userId: approver.id,
        requestId: approver.requestId,
      });
      return { username: u.username, roles: [...u.roles] };
    },
  };
}

export interface RoleDefinitionApproverDeps {
  /** The role definitions in force on this instance (config with approved changes); checks proposals. */
  current(): RoleDefinitions;
  readonly store: RoleDefinitionStore;
  /**
   * Runs `write` alone (one role definition change at a time) with the definitions as stored now,
   * then rebuilds the live policy from the database and tells other instances to
   * (RoleDefinitionSync.change).
   */
  change<T>(write: (stored: RoleDefinitions) => Promise<T>): Promise<T>;
  readonly clock: { now(): number };
}

/** `role.define` {role, permissions, restrictions}: changes an existing role's rules. */
export function roleDefinitionApprover(deps: RoleDefinitionApproverDeps): Approver<RoleDefinitionChange> {
  const merged = (base: RoleDefinitions, c: RoleDefinitionChange): RoleDefinitions => ({
    ...base,
    [c.role]: { permissions: c.permissions, restrictions: c.restrictions },
  });
  return {
    action: "config:modify",
    parse(raw) {
      const o = object(raw, ["role", "permissions", "restrictions"]);
      const role = o["role"];
      if (typeof role !== "string" || !Object.hasOwn(deps.current(), role))
        throw proposalInvalid("role must name a configured role");
      const change = {
        role,
        permissions: stringList(o["permissions"] ?? [], "permissions", 256),
        restrictions: stringList(o["restrictions"] ?? [], "restrictions", 256),
      };
      const problems = findPolicyProblems({ roles: merged(deps.current(), change) });
      if (problems.length > 0) throw proposalInvalid(problems.join("; "));
      return change;
    },
    describe: (c) =>
      `define role ${c.role}: permissions [${c.permissions.join(", ")}], restrictions [${c.restrictions.join(", ")}]`,
    // Checked again against what is stored when it applies (not what was in force at proposal time),
    // written, and only then is the policy rebuilt, from the database: so a change approved
    // concurrently, on another instance or before a restart is never dropped.
    apply: (c, { proposal }) =>
      deps.change(async (stored) => {
        if (!Object.hasOwn(stored, c.role)) throw proposalInvalid("role must name a configured role");
        const problems = findPolicyProblems({ roles: merged(stored, c) });
        if (problems.length > 0) throw proposalInvalid(problems.join("; "));
        await deps.store.putRoleDefinition({
          role: c.role,
          permissions: c.permissions,
          restrictions: c.restrictions,
          proposalId: proposal.id,
          updatedAt: deps.clock.now(),
        });
        return { role: c.role };
      }),
  };
}

/** Config roles with stored (approved) definitions laid over them; for the composition root at startup. */
export function applyStoredRoleDefinitions(
  configured: RoleDefinitions,
  stored: readonly { role: string; permissions: readonly string[]; restrictions: readonly string[] }[],
): RoleDefinitions {
  const out: Record<string, { permissions: readonly string[]; restrictions: readonly string[] }> = {
    ...configured,
  };
  for (const s of stored)
    if (Object.hasOwn(out, s.role))
      out[s.role] = { permissions: s.permissions, restrictions: s.restrictions };
  return out;
}
