// Compiles role definitions into lookup tables so a check costs a few hash lookups whatever the
// number of patterns: per role and per list (restrictions, permissions) a map of exact actions,
// a map of wildcard domains, per `domain:verb` a map of path prefixes keyed by length, and a flag
// for `*`. The seed's semantics (RoleBasedAccessControl.check_permission): restrictions first,
// then permissions, then deny; unknown roles are denied. Decisions are built once at compile
// time and shared, so a check allocates nothing; results are memoised per role in a bounded map.
import {
  MAX_ACTION_LENGTH,
  type ParsedAction,
  type ParsedPattern,
  parseAction,
  parsePattern,
} from "./action-grammar.js";
import { policyInvalid } from "./errors.js";
import type { CompiledPolicy, Decision, RoleDefinitions } from "./types.js";

/** Per-role memo entries by default; the map is cleared when full (actions come from a bounded set). */
const DEFAULT_MEMO_LIMIT = 4096;

export interface CompileOptions {
  /** Memoised decisions per role; 0 turns the memo off (every check walks the tables). */
  readonly memoLimit?: number;
}

const NO_ROLES: Decision = Object.freeze({ allowed: false, role: null, matched: null, reason: "no_roles" });
const INVALID_ACTION: Decision = Object.freeze({
  allowed: false,
  role: null,
  matched: null,
  reason: "invalid_action",
});

interface PrefixTable {
  /** Distinct prefix lengths, longest first, so the first hit is the most specific. */
  readonly lengths: number[];
  readonly byPrefix: Map<string, Decision>;
}

/** One list of patterns (a role's restrictions or its permissions) and the decision each gives. */
class PatternTable {
  private readonly exact = new Map<string, Decision>();
  private readonly domains = new Map<string, Decision>();
  private readonly prefixes = new Map<string, PrefixTable>();
  private any: Decision | null = null;

  add(p: ParsedPattern, decision: Decision): void {
    switch (p.kind) {
      case "any":
        this.any = decision;
        return;
      case "domain":
        this.domains.set(p.domain, decision);
        return;
      case "exact":
        this.exact.set(p.pattern, decision);
        return;
      case "prefix": {
        let t = this.prefixes.get(p.verbKey);
        if (t === undefined) {
          t = { lengths: [], byPrefix: new Map() };
          this.prefixes.set(p.verbKey, t);
        }
        t.byPrefix.set(p.prefix, decision);
        if (!t.lengths.includes(p.prefix.length)) {
          t.lengths.push(p.prefix.length);
          t.lengths.sort((a, b) => b - a);
        }
      }
    }
  }

  /** The most specific matching pattern's decision: exact, longest prefix, domain:*, then *. */
  match(a: ParsedAction): Decision | undefined {
    const exact = this.exact.get(a.action);
    if (exact !== undefined) return exact;
    if (a.path !== null && this.prefixes.size > 0) {
      const t = this.prefixes.get(a.verbKey);
      if (t !== undefined) {
        for (const len of t.lengths) {
          if (len > a.path.length) continue;
          const hit = t.byPrefix.get(len === a.path.length ? a.path : a.path.slice(0, len));
          if (hit !== undefined) return hit;
        }
      }
    }
    return this.domains.get(a.domain) ?? this.any ?? undefined;
  }
}

class CompiledRole {
  readonly restrictions = new PatternTable();
  readonly permissions = new PatternTable();
  readonly noPermission: Decision;
  private readonly memo = new Map<string, Decision>();

  constructor(
    readonly name: string,
    private readonly memoLimit: number,
  ) {
    this.noPermission = Object.freeze({ allowed: false, role: name, matched: null, reason: "no_permission" });
  }

  decide(action: string): Decision {
    const hit = this.memo.get(action);
    if (hit !== undefined) return hit;
    if (action.length > MAX_ACTION_LENGTH) return INVALID_ACTION; // never kept in the memo
    const parsed = parseAction(action);
    const d =
      parsed === null
        ? INVALID_ACTION
        : (this.restrictions.match(parsed) ?? this.permissions.match(parsed) ?? this.noPermission);
    if (this.memoLimit > 0) {
      if (this.memo.size >= this.memoLimit) this.memo.clear();
      this.memo.set(action, d);
    }
    return d;
  }
}

/** Deny reasons ranked by how much they tell: a restriction beats "no permission" beats "unknown role". */
function denyRank(d: Decision): number {
  switch (d.reason) {
    case "invalid_action":
      return 4;
    case "restriction":
      return 3;
    case "no_permission":
      return 2;
    default:
      return 1;
  }
}

class Policy implements CompiledPolicy {
  readonly roleNames: readonly string[];
  constructor(private readonly roles: ReadonlyMap<string, CompiledRole>) {
    this.roleNames = Object.freeze([...roles.keys()]);
    Object.freeze(this);
  }

  hasRole(role: string): boolean {
    return this.roles.has(role);
  }

  check(roles: readonly string[], action: string): Decision {
    let best: Decision | null = null;
    let bestRank = 0;
    for (let i = 0; i < roles.length; i++) {
      const name = roles[i] as string;
      const role = this.roles.get(name);
      let d: Decision;
      if (role === undefined) {
        if (bestRank >= 1) continue;
        d = unknownRole(name);
      } else {
        d = role.decide(action);
        if (d.allowed) return d;
      }
      const rank = denyRank(d);
      if (rank > bestRank) {
        best = d;
        bestRank = rank;
      }
    }
    if (best === null) return NO_ROLES;
    // With only unknown roles the action was never parsed: a malformed one still says so.
    if (bestRank === 1 && parseAction(action) === null) return INVALID_ACTION;
    return best;
  }
}

function unknownRole(name: string): Decision {
  return Object.freeze({ allowed: false, role: name, matched: null, reason: "unknown_role" });
}

/**
 * Compiles role definitions. Throws ERR_ACCESS_POLICY_INVALID naming every malformed pattern;
 * validatePolicy checks the rest (empty roles, references to unknown roles).
 */
export function compilePolicy(definitions: RoleDefinitions, options: CompileOptions = {}): CompiledPolicy {
  const memoLimit = Math.max(0, Math.floor(options.memoLimit ?? DEFAULT_MEMO_LIMIT));
  const problems: string[] = [];
  const roles = new Map<string, CompiledRole>();
  for (const [name, def] of Object.entries(definitions)) {
    const role = new CompiledRole(name, memoLimit);
    const lists = [
      ["restrictions", def.restrictions, role.restrictions],
      ["permissions", def.permissions, role.permissions],
    ] as const;
    for (const [listName, patterns, table] of lists) {
      patterns.forEach((pattern, i) => {
        const p = parsePattern(pattern);
        if (p === null) {
          problems.push(`roles.${name}.${listName}[${i}]: malformed pattern ${JSON.stringify(pattern)}`);
          return;
        }
        const decision: Decision =
          listName === "restrictions"
            ? { allowed: false, role: name, matched: pattern, reason: "restriction" }
            : { allowed: true, role: name, matched: pattern, reason: "permission" };
        table.add(p, Object.freeze(decision));
      });
    }
    roles.set(name, role);
  }
  if (problems.length > 0) throw policyInvalid(problems);
  return new Policy(roles);
}
