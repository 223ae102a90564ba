// Access control: role policy compiled for fast, explainable checks (restrictions first, then
// permissions, unknown roles denied), the route map from requests to actions, and the matrix.
// Segregation of duties, two-person approval (four-eyes proposals with pluggable appliers) and
// access reviews build on this; step-up is enforced by the gateway from config `step_up`.

export type {
  AccessReview,
  AccessReviewDeps,
  ReviewEntry,
  ReviewedUserInput,
} from "./access-review.js";
export { attestAccessReview, buildAccessReview, listAttestations } from "./access-review.js";
export type { ParsedAction, ParsedPattern } from "./action-grammar.js";
export {
  isValidAction,
  MAX_ACTION_LENGTH,
  parseAction,
  parsePattern,
  patternMatches,
  patternSpecificity,
} from "./action-grammar.js";
export type {
  ApplyContext,
  ApprovalActor,
  ApprovalStore,
  Approver,
  Proposal,
  ProposalDecision,
  ProposalStatus,
} from "./approval-types.js";
export { proposalView } from "./approval-types.js";
export type { ApprovalDeps, ApprovalSettings, ProposeInput } from "./approvals.js";
export {
  APPROVE_ACTION,
  ApprovalService,
  createApprovalService,
  PROPOSE_ACTION,
  VIEW_ACTION,
} from "./approvals.js";
export type {
  RoleDefinitionApproverDeps,
  RoleDefinitionChange,
  UserRolesApproverDeps,
  UserRolesChange,
} from "./built-in-approvers.js";
export {
  applyStoredRoleDefinitions,
  roleDefinitionApprover,
  userRolesApprover,
} from "./built-in-approvers.js";
export type { CompileOptions } from "./compile-policy.js";
export { compilePolicy } from "./compile-policy.js";
export type { AccessErrorCode } from "./errors.js";
export { AccessError, accessDenied, proposalInvalid, sodConflict } from "./errors.js";
export { buildMatrix, explainDecision, renderMatrixJson, renderMatrixMarkdown } from "./explain.js";
export { LivePolicy } from "./live-policy.js";
export type {
  AccessReviewStore,
  Attestation,
  RoleDefinitionStore,
  StoredRoleDefinition,
} from "./ports.js";
export { decodeRequestPath } from "./request-path.js";
export type { RoleChangeBus, RoleDefinitionSyncOptions } from "./role-definition-sync.js";
export { RoleDefinitionSync } from "./role-definition-sync.js";
export { compileRouteMap } from "./route-map.js";
export type { SodRules, SodSubject, SodViolation } from "./segregation.js";
export {
  checkRoleAssignment,
  findSodConflicts,
  findSodProblems,
  findSodViolations,
} from "./segregation.js";
export type {
  CompiledPolicy,
  Decision,
  DecisionReason,
  PolicyMatrix,
  RoleDefinitions,
  RouteMap,
  RouteMatch,
} from "./types.js";
export type { PolicyInput, RoleReference } from "./validate-policy.js";
export { findPolicyProblems, validatePolicy } from "./validate-policy.js";
