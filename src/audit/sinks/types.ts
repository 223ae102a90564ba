// What a sink receives: ledger entries (with their index, so receivers can de-duplicate an
// at-least-once stream) and signed checkpoints (so a copy of each lives outside the box), in ledger
// order — a checkpoint of size n follows entry n-1.

export interface SinkEntryRecord {
  readonly kind: "audit_event";
  readonly index: number;
  /** Hex SHA-256 leaf hash of the stored event (of the unredacted canonical text). */
  readonly leaf_hash: string;
  /** The event, with restricted fields replaced by hmac-sha256:<hex>; null if the row is unreadable. */
  readonly event: Record<string, unknown> | null;
}

export interface SinkCheckpointRecord {
  readonly kind: "audit_checkpoint";
  readonly tree_size: number;
  /** Hex. */
  readonly root_hash: string;
  /** The C2SP tlog-checkpoint signed note, exactly as signed. */
  readonly note: string;
  readonly created_at: string;
}

export type SinkRecord = SinkEntryRecord | SinkCheckpointRecord;

/** One destination. deliver() resolves only once the records are handed over; it throws to retry. */
export interface Sink {
  readonly name: string;
  readonly type: "jsonl" | "syslog" | "webhook";
  deliver(records: readonly SinkRecord[]): Promise<void>;
  close(): Promise<void>;
}
