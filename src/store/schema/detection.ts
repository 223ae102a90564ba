// Table types of src/detection and src/response (migrations 0009_detection, 0012_incident_version). JSON columns are
// text, serialised by repos/detection.ts.
import type { Flag, Millis } from "../schema.js";

export interface DetectionStateTable {
  consumer: string;
  next_index: number;
  snapshot: string;
  updated_at: Millis;
}

export interface DetectionRecordTable {
  idx: number;
  ts: Millis;
  anomaly: number;
  risk_score: number;
  threat_level: string;
  rules: string;
  subject: string | null;
}

export interface IncidentTable {
  id: string;
  type: string;
  subject: string;
  status: string;
  severity: string;
  opened_at: Millis;
  updated_at: Millis;
  first_index: number;
  last_index: number;
  first_event_at: Millis;
  last_event_at: Millis;
  event_count: number;
  detection_count: number;
  escalated: Flag;
  dry_run: Flag;
  acknowledged_by: string | null;
  closed_by: string | null;
  resolution: string | null;
  rules: string;
  context: string;
  /** Bumped by every write; writes are conditional on it (migration 0012_incident_version). */
  version: number;
}

export interface IncidentEvidenceTable {
  incident_id: string;
  idx: number;
  rule: string;
}

export interface IncidentActionTable {
  incident_id: string;
  action_key: string;
  action: string;
  target: string;
  status: string;
  attempts: number;
  dry_run: Flag;
  detail: string | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface DetectionTables {
  detection_state: DetectionStateTable;
  detection_records: DetectionRecordTable;
  incidents: IncidentTable;
  incident_evidence: IncidentEvidenceTable;
  incident_actions: IncidentActionTable;
}
