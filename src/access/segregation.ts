// Segregation of duties (SOX-style incompatible functions): config `segregation_of_duties` lists
// sets of roles that one user or service account may not hold together (default: trader with
// risk_manager, trader with system_administrator). A rule is violated when a subject holds every
// role of the set. `checkRoleAssignment` is what identity (users) and machine identity (service
// accounts) consult before assigning roles; `findSodViolations` reports what is already assigned.
import { sodConflict } from "./errors.js";

/** Each rule: roles that may not be held together (two or more). */
export type SodRules = readonly (readonly string[])[];

/** Whoever holds roles: a user or a service account. */
export interface SodSubject {
  readonly kind: "user" | "service";
  readonly name: string;
  readonly roles: readonly string[];
}

export interface SodViolation {
  readonly subject: SodSubject;
  /** The violated rule, as configured. */
  readonly rule: readonly string[];
  /** Its position in `segregation_of_duties`. */
  readonly ruleIndex: number;
}

/** The rules `roles` would violate, in config order (empty: no conflict). */
export function findSodConflicts(
  roles: readonly string[],
  rules: SodRules,
): { rule: readonly string[]; ruleIndex: number }[] {
  const held = new Set(roles);
  const out: { rule: readonly string[]; ruleIndex: number }[] = [];
  rules.forEach((rule, ruleIndex) => {
    if (rule.length > 0 && rule.every((r) => held.has(r))) out.push({ rule, ruleIndex });
  });
  return out;
}

/**
 * A check to run before roles are assigned: throws ERR_ACCESS_SOD_CONFLICT (409) naming the first
 * violated rule and the subject. Plug it into identity as `roleAssignmentCheck`.
 */
export function checkRoleAssignment(
  rules: SodRules,
): (roles: readonly string[], subject: { kind: "user" | "service"; name: string }) => void {
  const frozen = rules.map((r) => Object.freeze([...r]));
  return (roles, subject) => {
    const first = findSodConflicts(roles, frozen)[0];
    if (first !== undefined) throw sodConflict(`${subject.kind} ${subject.name}`, first.rule);
  };
}

/** Every subject holding a conflicting set, once per violated rule (`rampart access sod-check`). */
export function findSodViolations(subjects: readonly SodSubject[], rules: SodRules): SodViolation[] {
  const out: SodViolation[] = [];
  for (const subject of subjects)
    for (const c of findSodConflicts(subject.roles, rules)) out.push({ subject, ...c });
  return out;
}

/** Problems with the rules themselves (unknown roles, sets of fewer than two), as `path: what`. */
export function findSodProblems(rules: SodRules, knownRoles: readonly string[]): string[] {
  const known = new Set(knownRoles);
  const problems: string[] = [];
  rules.forEach((rule, i) => {
    if (new Set(rule).size < 2)
      problems.push(`segregation_of_duties[${i}]: a rule needs at least two different roles`);
    rule.forEach((role, j) => {
      if (!known.has(role))
        problems.push(`segregation_of_duties[${i}][${j}]: unknown role ${JSON.stringify(role)}`);
    });
  });
  return problems;
}
