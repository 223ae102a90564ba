// The audit event model (the seed's AuditTrailManager fields) and the one interface through which
// every module records a security-relevant fact. The ledger implements AuditRecorder; a module that
// must not act without a record awaits record() before acknowledging its effect (fail-closed).

export const EVENT_TYPES = [
  "authentication",
  "authorization",
  "trading",
  "data_access",
  "secrets",
  "keys",
  "config",
  "incident",
  "system",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type Outcome = "success" | "failure" | "denied" | "error";

/** What a caller supplies; the ledger adds event_id, timestamp, schema version, index and leaf hash. */
export interface AuditEventInput {
  event_type: EventType;
  /** Dotted verb naming what happened, e.g. "auth.login", "auth.mfa", "access.decision", "trading.halt". */
  action: string;
  outcome: Outcome;
  user_id?: string | null;
  ip_address?: string | null;
  /** Never the session token itself: its public id. */
  session_id?: string | null;
  resource?: string | null;
  /** Structured context. Never a password, code, token or secret value. */
  details?: Record<string, unknown>;
  risk_score?: number | null;
  /** Gateway request id, so logs and ledger entries can be joined. */
  request_id?: string | null;
}

export interface AuditReceipt {
  event_id: string;
  index: number;
}

export interface AuditRecorder {
  record(event: AuditEventInput): Promise<AuditReceipt>;
}
