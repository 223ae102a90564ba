// Response: incidents (grouping, lifecycle, escalation, evidence) and playbooks whose actions are
// real operations — IP blocks, session isolation, trading halts, read-only mode, alerts, sealed
// evidence — each idempotent, under a deadline, retried then escalated, and recorded in the ledger.

export type { ActionOutcome, ActionPorts } from "./actions.js";
export { describeAction, executeAction, planTargets } from "./actions.js";
export { identityActionsFrom, tradingActionsFrom } from "./adapters.js";
export { AlertFanout } from "./alert-fanout.js";
export type { AllowEntry, BlocklistSettings, BlockResult } from "./blocklist.js";
export { ALLOWED_SET, BLOCKED_SET, IpBlocklist, normaliseIp } from "./blocklist.js";
export type { MailTransport } from "./email-alerts.js";
export { EmailAlerts } from "./email-alerts.js";
export { actionFailed, actionTimeout, incidentNotFound, incidentTransition } from "./errors.js";
export { LedgerEvidenceBundler } from "./evidence-bundle.js";
export { MemoryIncidentStore } from "./memory-store.js";
export type {
  AlertChannel,
  AlertSender,
  EphemeralSets,
  EvidencePreserver,
  IdentityActions,
  IncidentFilter,
  IncidentStore,
  TradingActions,
} from "./ports.js";
export { ReadOnlyMode } from "./read-only.js";
export type { IncidentActor, IncidentView, ResponderOptions } from "./responder.js";
export { Responder } from "./responder.js";
export type { IncidentTypeConfig, Playbook, ResponseConfigSection, ResponseSettings } from "./settings.js";
export {
  allowEntries,
  DEFAULT_RESPONSE,
  escalationActions,
  incidentType,
  playbookFor,
  responseSettingsFromConfig,
  unknownActions,
} from "./settings.js";
export type {
  ActionName,
  ActionRecord,
  ActionStatus,
  EvidenceItem,
  Incident,
  IncidentContext,
  IncidentStatus,
} from "./types.js";
export { ACTION_STATUSES, ACTIONS, CLOSED, INCIDENT_STATUSES } from "./types.js";
export type { FetchLike, WebhookChannel } from "./webhook-alerts.js";
export { signWebhook, WebhookAlerts } from "./webhook-alerts.js";
