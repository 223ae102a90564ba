// The storage port the ledger depends on. src/store/repos/ledger.ts implements it over Kysely
// (SQLite and PostgreSQL); this module never sees a query builder or a driver.

import type { PreparedEvent } from "./event.js";
import type { Hash, NodeKey, StoredNode } from "./merkle.js";
import type { EventType, Outcome } from "./types.js";
import type { ChunkScanner } from "./verify-chunk.js";

/** One ledger row as stored: the canonical event text is what is hashed; the rest is for queries. */
export interface LedgerRow {
  readonly index: number;
  readonly leafHash: Hash;
  readonly canonical: string;
  readonly eventId: string;
  readonly eventType: EventType;
  readonly action: string;
  readonly outcome: Outcome;
  readonly userId: string | null;
  readonly timestampMs: number;
}

/** What verification reads of a row. */
export type LedgerLeaf = Pick<LedgerRow, "index" | "leafHash" | "canonical">;

export interface StoredCheckpoint {
  readonly treeSize: number;
  readonly rootHash: Hash;
  /** The signed note, exactly as signed (C2SP tlog-checkpoint). */
  readonly note: string;
  readonly createdAtMs: number;
}

export interface StoredLedgerKey {
  /** The signed-note key name (the log's origin). */
  readonly name: string;
  /** SPKI DER. */
  readonly publicKey: Uint8Array;
  /** PKCS#8 DER wrapped by the KeyRing (purpose "ledger"). */
  readonly wrappedPrivateKey: string;
  readonly createdAtMs: number;
}

/** Hashes of perfect subtrees; level 0 is leaf hashes. Missing nodes are an error, not undefined. */
export interface NodeReader {
  readNodes(keys: readonly NodeKey[]): Promise<Hash[]>;
}

/** Operations allowed inside the append transaction, which holds the ledger's append lock. */
export interface LedgerAppendTx extends NodeReader {
  /** Committed tree size (highest index + 1), read under the lock. */
  size(): Promise<number>;
  /** Inserts rows and completed interior nodes; never updates or deletes. */
  insert(rows: readonly LedgerRow[], nodes: readonly StoredNode[]): Promise<void>;
}

export interface LedgerStore extends NodeReader {
  /**
   * Runs `fn` in one write transaction holding the ledger's append lock, so that processes sharing
   * a database keep one ordered log. Resolves after a durable commit; rolls back when `fn` throws.
   */
  appendTransaction<T>(fn: (tx: LedgerAppendTx) => Promise<T>): Promise<T>;
  /**
   * Optional, for a store that can do the whole append where its lock is (the SQLite writer
   * thread): one durable transaction that assigns the indexes under the append lock, writes each
   * event's canonical form with its leaf hash, and the interior nodes the batch completes — the
   * same rows appendTransaction would get from the ledger. Resolves after the commit with the first
   * index and the tree's right edge after the batch (CompactRange's size and hashes).
   */
  appendPrepared?(
    batch: readonly PreparedEvent[],
  ): Promise<{ readonly start: number; readonly size: number; readonly edgeHashes: readonly Hash[] }>;
  size(): Promise<number>;
  /** Rows with from ≤ index < to, in index order (pages; never a long-held cursor). */
  readLeaves(from: number, to: number): AsyncIterable<LedgerLeaf>;
  readEntry(index: number): Promise<LedgerLeaf | undefined>;
  /** false when a checkpoint of that size already exists (another process wrote it). */
  insertCheckpoint(cp: StoredCheckpoint): Promise<boolean>;
  listCheckpoints(): Promise<StoredCheckpoint[]>;
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  readLedgerKey(): Promise<StoredLedgerKey | undefined>;
  /** false when a key already exists (another process created it first). */
  insertLedgerKey(key: StoredLedgerKey): Promise<boolean>;
  /** Verifies chunks of entries in parallel, each worker reading its own chunk (verify-chunk.ts). */
  readonly verifyChunks?: ChunkScanner | undefined;
}
