// Access control: role policy compiled for fast, explainable checks (restrictions first, then
// permissions, unknown roles denied), the route map from requests to actions, and the matrix.
// Segregation of duties, two-person approval, step-up and access reviews build on this.

export type { ParsedAction, ParsedPattern } from "./action-grammar.js";
export {
  isValidAction,
  MAX_ACTION_LENGTH,
  parseAction,
  parsePattern,
  patternMatches,
  patternSpecificity,
} from "./action-grammar.js";
export type { CompileOptions } from "./compile-policy.js";
export { compilePolicy } from "./compile-policy.js";
export type { AccessErrorCode } from "./errors.js";
export { AccessError, accessDenied } from "./errors.js";
export { buildMatrix, explainDecision, renderMatrixJson, renderMatrixMarkdown } from "./explain.js";
export { LivePolicy } from "./live-policy.js";
export { decodeRequestPath } from "./request-path.js";
export { compileRouteMap } from "./route-map.js";
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
