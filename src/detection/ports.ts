// What detection needs from storage: the ledger read in order (LedgerStore satisfies LedgerReader)
// and its own position, state snapshot and detection records (src/store/repos/detection.ts).
import type { LedgerLeaf } from "../audit/index.js";
import type { Assessment } from "./types.js";

export interface LedgerReader {
  size(): Promise<number>;
  /** Rows with from ≤ index < to, in index order. */
  readLeaves(from: number, to: number): AsyncIterable<LedgerLeaf>;
  readEntry(index: number): Promise<LedgerLeaf | undefined>;
}

export interface ConsumerState {
  readonly nextIndex: number;
  readonly snapshot: string;
}

export interface DetectionStore {
  loadState(consumer: string): Promise<ConsumerState | undefined>;
  /** Saves position, snapshot and records in one transaction. */
  saveProgress(
    consumer: string,
    state: ConsumerState,
    records: readonly Assessment[],
    nowMs: number,
  ): Promise<void>;
  getRecord(index: number): Promise<Assessment | undefined>;
  listRecords(filter: { minRisk?: number; limit: number }): Promise<Assessment[]>;
}
