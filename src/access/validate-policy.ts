// Whole-policy validation for roles that do not come through the config schema (users, segregation
// rules, an administrator's edit): every pattern well formed, every role with at least one rule,
// every reference to a role naming a defined one, every route action well formed. All problems
// are reported at once, each with the path where it sits.
import { parseAction, parsePattern } from "./action-grammar.js";
import { policyInvalid } from "./errors.js";
import type { RoleDefinitions } from "./types.js";

/** Somewhere a role is named outside the role definitions, e.g. `users.alice.roles[0]`. */
export interface RoleReference {
  readonly where: string;
  readonly role: string;
}

export interface PolicyInput {
  readonly roles: RoleDefinitions;
  readonly routes?: readonly { readonly action: string }[];
  readonly references?: readonly RoleReference[];
}

function isRoleName(name: string): boolean {
  if (name.length === 0 || name.length > 64) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const lower = c >= 97 && c <= 122;
    if (!(lower || (i > 0 && ((c >= 48 && c <= 57) || c === 95)))) return false;
  }
  return true;
}

/** Every problem, as `path: what is wrong`; empty when the policy is sound. */
export function findPolicyProblems(input: PolicyInput): string[] {
  const problems: string[] = [];
  for (const [name, role] of Object.entries(input.roles)) {
    if (!isRoleName(name))
      problems.push(`roles.${name}: a role name is [a-z][a-z0-9_]* (at most 64 characters)`);
    if (role.permissions.length === 0 && role.restrictions.length === 0)
      problems.push(`roles.${name}: a role needs at least one permission or restriction`);
    for (const listName of ["permissions", "restrictions"] as const) {
      const seen = new Set<string>();
      role[listName].forEach((pattern, i) => {
        const where = `roles.${name}.${listName}[${i}]`;
        if (parsePattern(pattern) === null)
          problems.push(
            `${where}: malformed pattern ${JSON.stringify(pattern)} (expected domain:verb, domain:*, *, or domain:verb:path/*)`,
          );
        else if (seen.has(pattern)) problems.push(`${where}: duplicate pattern ${JSON.stringify(pattern)}`);
        seen.add(pattern);
      });
    }
  }
  (input.routes ?? []).forEach((route, i) => {
    if (parseAction(route.action) === null)
      problems.push(
        `routes[${i}].action: malformed action ${JSON.stringify(route.action)} (expected domain:verb)`,
      );
  });
  const known = new Set(Object.keys(input.roles));
  for (const ref of input.references ?? []) {
    if (!known.has(ref.role)) problems.push(`${ref.where}: unknown role ${JSON.stringify(ref.role)}`);
  }
  return problems;
}

/** Throws ERR_ACCESS_POLICY_INVALID listing every problem findPolicyProblems reports. */
export function validatePolicy(input: PolicyInput): void {
  const problems = findPolicyProblems(input);
  if (problems.length > 0) throw policyInvalid(problems);
}
