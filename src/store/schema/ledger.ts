// Table types of the audit ledger (migration 0003_ledger).
import type { Bytes, Millis } from "../schema.js";

export interface AuditEntryTable {
  idx: number;
  leaf_hash: Bytes;
  event: string;
  event_id: string;
  event_type: string;
  action: string;
  outcome: string;
  user_id: string | null;
  ts: Millis;
}

export interface AuditNodeTable {
  level: number;
  idx: number;
  hash: Bytes;
}

export interface AuditCheckpointTable {
  tree_size: number;
  root_hash: Bytes;
  note: string;
  created_at: Millis;
}

export interface AuditLedgerKeyTable {
  name: string;
  public_key: Bytes;
  private_key: string;
  created_at: Millis;
}

export interface LedgerTables {
  audit_entries: AuditEntryTable;
  audit_nodes: AuditNodeTable;
  audit_checkpoints: AuditCheckpointTable;
  audit_ledger_keys: AuditLedgerKeyTable;
}
