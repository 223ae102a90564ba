// Access-control errors. A denial's public message names the action and nothing of the policy;
// which role and which rule decided goes to the log (detail) and to the audit event.
import { RampartError } from "../kernel/index.js";
import { explainDecision } from "./explain.js";
import type { Decision } from "./types.js";

export type AccessErrorCode =
  | "ERR_ACCESS_DENIED"
  | "ERR_ACCESS_POLICY_INVALID"
  | "ERR_ACCESS_ROUTE_INVALID"
  | "ERR_ACCESS_SOD_CONFLICT"
  | "ERR_ACCESS_SELF_APPROVAL"
  | "ERR_ACCESS_PROPOSAL_NOT_FOUND"
  | "ERR_ACCESS_PROPOSAL_NOT_PENDING"
  | "ERR_ACCESS_PROPOSAL_EXPIRED"
  | "ERR_ACCESS_PROPOSAL_KIND_UNKNOWN"
  | "ERR_ACCESS_PROPOSAL_INVALID";

export class AccessError extends RampartError {
  override readonly code: AccessErrorCode;
  constructor(
    code: AccessErrorCode,
    message: string,
    options: { status: number; detail?: string; expose?: Record<string, unknown> },
  ) {
    super(code, message, options);
    this.code = code;
    this.name = "AccessError";
  }
}

/** 403 for a denied decision: `{code: ERR_ACCESS_DENIED, action}` to the client, the reason to the log. */
export function accessDenied(action: string, decision: Decision): AccessError {
  return new AccessError("ERR_ACCESS_DENIED", `access denied: ${action}`, {
    status: 403,
    detail: explainDecision(decision, action),
    expose: { action },
  });
}

/** Roles that cannot be compiled or are inconsistent with what references them (a startup error). */
export function policyInvalid(problems: readonly string[]): AccessError {
  const head =
    problems.length === 1 ? "invalid role policy" : `invalid role policy (${problems.length} problems)`;
  return new AccessError("ERR_ACCESS_POLICY_INVALID", `${head}: ${problems.join("; ")}`, { status: 500 });
}

/** A route map that cannot be compiled (a startup error). */
export function routeInvalid(problems: readonly string[]): AccessError {
  const head =
    problems.length === 1 ? "invalid route map" : `invalid route map (${problems.length} problems)`;
  return new AccessError("ERR_ACCESS_ROUTE_INVALID", `${head}: ${problems.join("; ")}`, { status: 500 });
}

/** Roles that one subject may not hold together (409), naming the rule and the subject. */
export function sodConflict(subject: string, rule: readonly string[]): AccessError {
  return new AccessError(
    "ERR_ACCESS_SOD_CONFLICT",
    `segregation of duties: ${subject} may not hold ${rule.join(" and ")} together`,
    { status: 409, expose: { rule: [...rule] } },
  );
}

export function selfApproval(): AccessError {
  return new AccessError(
    "ERR_ACCESS_SELF_APPROVAL",
    "a proposal must be decided by someone other than its requester",
    {
      status: 403,
    },
  );
}

export function proposalNotFound(): AccessError {
  return new AccessError("ERR_ACCESS_PROPOSAL_NOT_FOUND", "no such proposal", { status: 404 });
}

export function proposalNotPending(status: string): AccessError {
  return new AccessError("ERR_ACCESS_PROPOSAL_NOT_PENDING", `the proposal is no longer pending (${status})`, {
    status: 409,
    expose: { status },
  });
}

export function proposalExpired(): AccessError {
  return new AccessError("ERR_ACCESS_PROPOSAL_EXPIRED", "the proposal has expired", { status: 409 });
}

export function proposalKindUnknown(kind: string): AccessError {
  return new AccessError(
    "ERR_ACCESS_PROPOSAL_KIND_UNKNOWN",
    `no change of kind ${JSON.stringify(kind.slice(0, 64))} can be proposed`,
    { status: 400 },
  );
}

export function proposalInvalid(why: string): AccessError {
  return new AccessError("ERR_ACCESS_PROPOSAL_INVALID", `invalid proposal: ${why}`, { status: 400 });
}
