// The detection model: a ledger event as the stream delivers it, what a rule raises (a Detection),
// and what every event is scored with (an Assessment: anomaly, composite risk score, threat level).
import type { LedgerEvent } from "../audit/index.js";

export const THREAT_LEVELS = ["low", "medium", "high", "critical"] as const;
export type ThreatLevel = (typeof THREAT_LEVELS)[number];
export type Severity = ThreatLevel;

/** One ledger entry in stream order; `atMs` is the event's own timestamp (never the wall clock). */
export interface StreamEvent {
  readonly index: number;
  readonly atMs: number;
  readonly event: LedgerEvent;
}

/** What a rule raises: grouped into incidents by (type, subject) downstream. */
export interface Detection {
  /** Rule name, e.g. "auth.brute_force" or a configured rule's name. */
  readonly rule: string;
  /** Incident type (a key of config incident_types). */
  readonly type: string;
  /** Who or what it is about: `user:ID`, `ip:ADDR`, `strategy:NAME`, `instrument:CODE`, `ledger`. */
  readonly subject: string;
  /** The ledger index that made it fire. */
  readonly index: number;
  readonly atMs: number;
  /** Ledger indices that make the case (bounded), ascending. */
  readonly evidence: readonly number[];
  /** Overrides the incident type's severity (e.g. a failed ledger verification is critical). */
  readonly severity?: Severity | undefined;
  /** Alert context: addresses, users, sessions, instruments, strategies seen in the evidence. */
  readonly context: DetectionContext;
  readonly summary: string;
}

export interface DetectionContext {
  readonly ips: readonly string[];
  readonly users: readonly string[];
  readonly sessions: readonly string[];
  readonly instruments: readonly string[];
  readonly strategies: readonly string[];
  readonly patterns: readonly string[];
}

/** The per-event score written to the event's detection record (not into the immutable entry). */
export interface Assessment {
  readonly index: number;
  readonly atMs: number;
  /** Behavioural anomaly in [0, 1] (0 while the subject's baseline is warming up). */
  readonly anomaly: number;
  /** Composite of rules, anomaly, the event's own risk and data classification, 0..100. */
  readonly riskScore: number;
  readonly threatLevel: ThreatLevel;
  /** Rules that fired on this event. */
  readonly rules: readonly string[];
  readonly subject: string | null;
}

export function threatLevelOf(riskScore: number): ThreatLevel {
  if (riskScore >= 75) return "critical";
  if (riskScore >= 50) return "high";
  if (riskScore >= 25) return "medium";
  return "low";
}
