// Trading controls: Rampart's trading state per scope (ACTIVE / REDUCING / HALTED), its gateway
// check, four-eyes resume, control adapters (pysystemtrade actuator, webhook, command, IBC broker
// kill switch), the ledger fail-safe and drills.

export { actuate } from "./actuation.js";
export { CommandAdapter } from "./adapters/command.js";
export type { ReplyBody, RequestBody } from "./adapters/envelope.js";
export { buildRequest, macHex, verifyReply } from "./adapters/envelope.js";
export type { IbcReply } from "./adapters/ibc.js";
export { IbcAdapter, sendIbcCommand } from "./adapters/ibc.js";
export type { LineTransport } from "./adapters/line-transport.js";
export { ChildProcessTransport, UnixSocketTransport } from "./adapters/line-transport.js";
export type { ActuatorStatus } from "./adapters/pysystemtrade.js";
export { checkStatus, PysystemtradeAdapter } from "./adapters/pysystemtrade.js";
export type { Confirmation, TradingAdapter, VerbContext, VerbResult } from "./adapters/types.js";
export { SIGNATURE_HEADER, WebhookAdapter } from "./adapters/webhook.js";
export { tradingHalted } from "./errors.js";
export type { LedgerHealthOptions, LedgerWatch } from "./ledger-health.js";
export { watchLedgerHealth } from "./ledger-health.js";
export type { TradingStore } from "./ports.js";
export type { ResumeApprovals, ResumeApprover } from "./resume-approvals.js";
export {
  APPROVE_RESUME_ACTION,
  LocalResumeApprovals,
  RESUME_APPROVAL_KIND,
  tradingResumeApprover,
} from "./resume-approvals.js";
export { checkReason, effectiveState, normaliseScope, parseScope } from "./scope.js";
export type { DrillReport, GateRequest, StateChange, TradingServiceDeps } from "./service.js";
export { TradingService } from "./service.js";
export type { CreateTradingOptions, TradingSettings } from "./settings.js";
export { auditFailureAction, createAdapter, createTradingService, loadActuatorKey } from "./settings.js";
export type { StatePubSub } from "./state-cache.js";
export { STATE_CHANNEL, TradingStateCache } from "./state-cache.js";
export type {
  ActionStatus,
  ResumeRequest,
  ResumeStatus,
  ScopeState,
  TradingAction,
  TradingActor,
  TradingScope,
  TradingState,
  TradingVerb,
} from "./types.js";
export { TRADING_STATES, TRADING_VERBS } from "./types.js";
