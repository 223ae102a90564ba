// The access-control vocabulary: decisions (explainable, auditable values), the compiled policy,
// and the route map's answer. Decisions are frozen values; a check never throws for a denial.
import type { RouteConfig } from "../config/index.js";

/** Why a check came out the way it did. */
export type DecisionReason =
  | "permission"
  | "restriction"
  | "no_permission"
  | "unknown_role"
  | "no_roles"
  | "invalid_action";

/**
 * The answer to "may these roles perform this action?". `role` is the role that decided (the
 * allowing role, or the role whose deny is the most informative); `matched` is the rule.
 */
export type Decision =
  | { readonly allowed: true; readonly role: string; readonly matched: string; readonly reason: "permission" }
  | {
      readonly allowed: false;
      readonly role: string;
      readonly matched: string;
      readonly reason: "restriction";
    }
  | {
      readonly allowed: false;
      readonly role: string;
      readonly matched: null;
      readonly reason: "no_permission" | "unknown_role";
    }
  | {
      readonly allowed: false;
      readonly role: null;
      readonly matched: null;
      readonly reason: "no_roles" | "invalid_action";
    };

/** Roles as they come from config: name → permission and restriction patterns. */
export type RoleDefinitions = Readonly<
  Record<string, { readonly permissions: readonly string[]; readonly restrictions: readonly string[] }>
>;

/**
 * A policy compiled for fast checks. Immutable from the outside: a change of roles compiles a
 * new policy, which replaces the old one by reference (see LivePolicy).
 */
export interface CompiledPolicy {
  /** Role names in the order config lists them. */
  readonly roleNames: readonly string[];
  hasRole(role: string): boolean;
  /** Allowed when at least one role allows; otherwise the most informative deny. */
  check(roles: readonly string[], action: string): Decision;
}

/** A route of the route map and the action a request to it needs. */
export interface RouteMatch {
  readonly route: Readonly<RouteConfig>;
  readonly action: string;
  /** The percent-decoded path that was matched (what the upstream will route on). */
  readonly path: string;
}

export interface RouteMap {
  /** Every route, in config order. */
  readonly routes: readonly Readonly<RouteConfig>[];
  /** The distinct actions of all routes, sorted. */
  readonly actions: readonly string[];
  /**
   * The route for a request, or null (404) when none matches or the path is not acceptable
   * (dot segments, encoded slashes, empty segments, malformed escapes). `path` may carry a
   * query string, which is ignored.
   */
  match(method: string, path: string): RouteMatch | null;
}

/** Role × action table: `cells[a][r]` is the decision for `actions[a]` and `roles[r]`. */
export interface PolicyMatrix {
  readonly roles: readonly string[];
  readonly actions: readonly string[];
  readonly cells: readonly (readonly Decision[])[];
}
