// One chunk of a ledger verification, checked on its own so that chunks can run side by side (worker
// threads, each reading its chunk from the database itself). A chunk is [start, end) with start a
// multiple of a power of two 2^L and end − start ≤ 2^L. In the RFC 9162 tree the compact range of
// [0, k) for start < k < start + 2^L is then the compact range of [0, start) — perfect subtrees of at
// least 2^L leaves — followed by that of [start, k), subtrees smaller than 2^L: a coordinator that
// holds the first can check a checkpoint root at any k inside the chunk from the chunk's part alone.
// Every entry is checked exactly as by a sequential pass, and the first problem is named the same way.
import { checkStoredEntry } from "./event.js";
import { CompactRange, type Hash } from "./merkle.js";

export interface ChunkTask {
  readonly start: number;
  readonly end: number;
  /** Tree sizes k with start < k < end at which the caller checks a root: snapshot the range there. */
  readonly snapshotAt: readonly number[];
  /** true when the ledger ends at `end` (names a shortfall "deleted" rather than "deleted or never written"). */
  readonly final: boolean;
}

export interface EntryProblem {
  readonly index: number;
  readonly reason: string;
}

export interface ChunkSnapshot {
  readonly treeSize: number;
  /** The compact range of [start, treeSize): perfect subtree hashes, left to right. */
  readonly hashes: readonly Hash[];
}

export interface ChunkResult {
  readonly start: number;
  /** Entries [start, reached) were verified; reached is end unless there is a problem. */
  readonly reached: number;
  /** The compact range of [start, reached). */
  readonly frontier: readonly Hash[];
  /** One per requested size up to `reached`, ascending. */
  readonly snapshots: readonly ChunkSnapshot[];
  /** The first problem in the chunk, if any. */
  readonly problem?: EntryProblem;
}

/**
 * Verifies the chunks in order (results in task order; it may stop after a result with a problem).
 * A LedgerSource offers this when it can verify chunks in parallel, reading the entries itself.
 */
export type ChunkScanner = (tasks: readonly ChunkTask[]) => AsyncIterable<ChunkResult>;

export const MISSING = "missing (deleted or never written)";
export const MISSING_AT_END = "missing (deleted)";

/** Feed it the stored rows of one chunk in index order, then call finish(). */
export class ChunkVerifier {
  readonly #task: ChunkTask;
  readonly #range = new CompactRange();
  readonly #snapshots: ChunkSnapshot[] = [];
  #nextSnapshot = 0;
  #problem: EntryProblem | undefined;

  constructor(task: ChunkTask) {
    const { start, end } = task;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start)
      throw new RangeError(`not a chunk: [${start}, ${end})`);
    let width = 1;
    while (width < end - start) width *= 2;
    if (start % width !== 0) throw new RangeError(`chunk [${start}, ${end}) is not aligned on ${width}`);
    this.#task = task;
  }

  /** The next index expected. */
  get next(): number {
    return this.#task.start + this.#range.size;
  }

  /** Checks the next stored row; false once there is a problem (stop feeding rows). */
  push(index: number, leafHash: Uint8Array, canonical: string): boolean {
    if (this.#problem) return false;
    const expected = this.next;
    if (index !== expected) return this.#fail(expected, MISSING);
    const checked = checkStoredEntry(canonical, expected, leafHash);
    if (typeof checked === "string") return this.#fail(expected, checked);
    this.#range.append(checked);
    const size = expected + 1;
    if (this.#task.snapshotAt[this.#nextSnapshot] === size) {
      this.#snapshots.push({ treeSize: size, hashes: [...this.#range.hashes()] });
      this.#nextSnapshot++;
    }
    return true;
  }

  finish(): ChunkResult {
    const reached = this.next;
    if (!this.#problem && reached !== this.#task.end)
      this.#fail(reached, this.#task.final || reached > this.#task.end ? MISSING_AT_END : MISSING);
    const result = {
      start: this.#task.start,
      reached,
      frontier: [...this.#range.hashes()],
      snapshots: this.#snapshots,
    };
    return this.#problem ? { ...result, problem: this.#problem } : result;
  }

  #fail(index: number, reason: string): false {
    this.#problem = { index, reason };
    return false;
  }
}
