// What the sinks and the audit API read, as ports (src/store/repos/ledger-sinks.ts implements them):
// the ledger's entries and checkpoints in order, each sink's persisted cursor, filtered event
// queries, and the offsets of followed log files.
import type { LedgerLeaf, StoredCheckpoint } from "../ports.js";
import type { EventType, Outcome } from "../types.js";

/** Where a sink has got to: entries below nextIndex and checkpoints up to checkpointSize are delivered. */
export interface SinkCursor {
  readonly nextIndex: number;
  readonly checkpointSize: number;
}

export interface SinkCursorStore {
  read(name: string): Promise<SinkCursor | undefined>;
  write(name: string, cursor: SinkCursor): Promise<void>;
}

export interface SinkSource {
  size(): Promise<number>;
  readLeaves(from: number, to: number): AsyncIterable<LedgerLeaf>;
  /** Checkpoints with after < tree_size ≤ upTo, smallest first, at most `limit`. */
  checkpointsBetween(after: number, upTo: number, limit: number): Promise<StoredCheckpoint[]>;
}

export interface EventFilter {
  readonly eventType?: EventType | undefined;
  readonly userId?: string | undefined;
  /** Exact action, or a prefix when it ends with "*" ("auth.*"). */
  readonly action?: string | undefined;
  readonly outcome?: Outcome | undefined;
  /** Inclusive lower and exclusive upper bound, ms since the epoch. */
  readonly fromMs?: number | undefined;
  readonly toMs?: number | undefined;
  /** Newest first (default) or oldest first. */
  readonly order: "asc" | "desc";
  /** Continue after this index (exclusive) in the chosen order. */
  readonly after?: number | undefined;
  readonly limit: number;
}

export interface LedgerQuery {
  findEvents(filter: EventFilter): Promise<LedgerLeaf[]>;
}

/** A followed file's position: `fileId` names the file (device:inode) the byte offset is in. */
export interface FileOffset {
  readonly fileId: string;
  readonly offset: number;
}

export interface FileOffsetStore {
  read(path: string): Promise<FileOffset | undefined>;
  write(path: string, offset: FileOffset): Promise<void>;
}
