// The response model: incidents (the seed's SecurityIncident) with their lifecycle, and the
// playbook actions taken for them.
import type { Severity } from "../detection/index.js";

export const INCIDENT_STATUSES = [
  "detected",
  "responding",
  "contained",
  "resolved",
  "false_positive",
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const CLOSED: readonly IncidentStatus[] = ["resolved", "false_positive"];

export const ACTIONS = [
  "block_ip",
  "isolate_user_session",
  "lock_user",
  "alert_security_team",
  "notify_management",
  "alert_risk_manager",
  "freeze_positions",
  "halt_strategy",
  "stop_all_processes",
  "immediate_isolation",
  "preserve_evidence",
  "manual_review",
] as const;
export type ActionName = (typeof ACTIONS)[number];

export interface IncidentContext {
  ips: string[];
  users: string[];
  sessions: string[];
  instruments: string[];
  strategies: string[];
  patterns: string[];
  summaries: string[];
}

export interface Incident {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly status: IncidentStatus;
  readonly severity: Severity;
  readonly openedAt: number;
  readonly updatedAt: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly firstEventAt: number;
  readonly lastEventAt: number;
  /** Ledger entries in the evidence. */
  readonly eventCount: number;
  readonly detectionCount: number;
  readonly escalated: boolean;
  readonly dryRun: boolean;
  readonly acknowledgedBy: string | null;
  readonly closedBy: string | null;
  readonly resolution: string | null;
  readonly rules: readonly string[];
  readonly context: IncidentContext;
  /**
   * Optimistic concurrency: how many times the stored incident has been written (0 when
   * inserted). IncidentStore.update applies only over this exact version, and stores version + 1.
   */
  readonly version: number;
}

export interface EvidenceItem {
  readonly index: number;
  readonly rule: string;
}

export const ACTION_STATUSES = ["pending", "running", "done", "skipped", "dry_run", "failed"] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];
export const ACTION_FINISHED: readonly ActionStatus[] = ["done", "skipped", "dry_run", "failed"];

export interface ActionRecord {
  readonly incidentId: string;
  /** `ACTION:TARGET`: the idempotency key within an incident. */
  readonly key: string;
  readonly action: ActionName;
  /** An address, `user:ID`, a trading scope, `escalation`, or `-`. */
  readonly target: string;
  readonly status: ActionStatus;
  readonly attempts: number;
  readonly dryRun: boolean;
  /** Outcome or last error (never a secret). */
  readonly detail: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}
