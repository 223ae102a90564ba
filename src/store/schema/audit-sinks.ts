// Table types of the ledger's readers: sink cursors and tailed-log offsets (migration 0008_audit_sinks).
import type { Millis } from "../schema.js";

export interface AuditSinkCursorTable {
  name: string;
  next_index: number;
  checkpoint_size: number;
  updated_at: Millis;
}

export interface AuditIngestOffsetTable {
  path: string;
  file_id: string;
  offset: number;
  updated_at: Millis;
}

export interface AuditSinkTables {
  audit_sink_cursors: AuditSinkCursorTable;
  audit_ingest_offsets: AuditIngestOffsetTable;
}
