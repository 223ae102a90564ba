// Verification of a whole ledger (RFC 9162 §2.1): recompute every leaf hash from the stored event
// (re-canonicalised, RFC 8785), rebuild the tree, and check every stored checkpoint's signature and
// root, the consistency of consecutive checkpoints from the stored interior nodes, and, with
// `against`, that the ledger extends checkpoints saved elsewhere. Stops at the first problem and
// names it: an index, or a checkpoint's tree size.
//
// The entries are checked in chunks aligned on a power of two (verify-chunk.ts). A source that can
// verify chunks in parallel (a database: worker threads that each read their own chunk) offers a
// ChunkScanner; otherwise — an export, a small ledger — one chunk covers the whole ledger and is
// read here. Either way this function folds the chunks' subtrees into the tree in index order and
// checks each root where a checkpoint is, so the first problem is named the same in both cases.
import { type Checkpoint, type NoteVerifierKey, verifyCheckpointNote } from "./checkpoint.js";
import { CompactRange, decomposeRange, foldRange, type Hash, sameHash, verifyConsistency } from "./merkle.js";
import type { LedgerLeaf, NodeReader } from "./ports.js";
import { consistencyProof, rootAt } from "./proofs.js";
import { type ChunkResult, type ChunkScanner, type ChunkTask, ChunkVerifier } from "./verify-chunk.js";

/** What verification reads: a database (LedgerStore) or an export directory. */
export interface LedgerSource {
  size(): Promise<number>;
  readLeaves(from: number, to: number): AsyncIterable<LedgerLeaf>;
  listCheckpoints(): Promise<ReadonlyArray<{ readonly treeSize: number; readonly note: string }>>;
  /** Stored interior nodes (a database has them; an export does not). */
  readonly readNodes?: NodeReader["readNodes"] | undefined;
  /** Verifies chunks in parallel, reading the entries itself (a database may offer it). */
  readonly verifyChunks?: ChunkScanner | undefined;
}

export type VerifyProblem =
  | { readonly kind: "entry"; readonly index: number; readonly reason: string }
  | { readonly kind: "checkpoint"; readonly treeSize: number; readonly reason: string }
  | { readonly kind: "against"; readonly treeSize: number; readonly reason: string }
  | { readonly kind: "tree"; readonly reason: string };

export interface VerifyReport {
  readonly ok: boolean;
  readonly size: number;
  /** Root recomputed from the entries (over the entries read before any problem). */
  readonly rootHash: Hash;
  readonly checkpointsChecked: number;
  readonly problem?: VerifyProblem;
}

export interface VerifyOptions {
  readonly publicKey: NoteVerifierKey;
  /** Checkpoint notes saved earlier (e.g. `--against FILE`): the ledger must extend each. */
  readonly against?: readonly string[] | undefined;
  /** Entries per chunk when the source verifies chunks in parallel: a power of two (default 2^16). */
  readonly chunkSize?: number | undefined;
  /** false: read and check every entry here even when the source offers parallel chunks. */
  readonly parallel?: boolean | undefined;
}

export const DEFAULT_CHUNK_SIZE = 2 ** 16;

interface Target {
  readonly treeSize: number;
  readonly root: Hash;
  readonly kind: "checkpoint" | "against";
}

export function describeProblem(p: VerifyProblem): string {
  switch (p.kind) {
    case "entry":
      return `entry ${p.index}: ${p.reason}`;
    case "checkpoint":
      return `checkpoint at size ${p.treeSize}: ${p.reason}`;
    case "against":
      return `against checkpoint at size ${p.treeSize}: ${p.reason}`;
    case "tree":
      return `tree: ${p.reason}`;
  }
}

function checkNote(note: string, key: NoteVerifierKey): Checkpoint | string {
  try {
    return verifyCheckpointNote(note, key);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Chunks [m, m + chunkSize) over [0, size), each with the target sizes strictly inside it. */
function planChunks(size: number, chunkSize: number, sizes: readonly number[]): ChunkTask[] {
  const tasks: ChunkTask[] = [];
  for (let start = 0; start < size; start += chunkSize) {
    const end = Math.min(start + chunkSize, size);
    tasks.push({ start, end, snapshotAt: sizes.filter((k) => k > start && k < end), final: end === size });
  }
  return tasks;
}

/** The one-chunk fallback: every entry read here, in order. */
async function* scanHere(source: LedgerSource, task: ChunkTask): AsyncIterable<ChunkResult> {
  const chunk = new ChunkVerifier(task);
  for await (const leaf of source.readLeaves(task.start, task.end))
    if (!chunk.push(leaf.index, leaf.leafHash, leaf.canonical)) break;
  yield chunk.finish();
}

export async function verifyLedger(source: LedgerSource, options: VerifyOptions): Promise<VerifyReport> {
  const size = await source.size();
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || (chunkSize & (chunkSize - 1)) !== 0)
    throw new RangeError("chunkSize must be a power of two");
  const edge = new CompactRange();
  let checked = 0;
  const fail = (problem: VerifyProblem, rootHash: Hash = edge.root()): VerifyReport => ({
    ok: false,
    size,
    rootHash,
    checkpointsChecked: checked,
    problem,
  });

  // Signatures and sizes first: a checkpoint that does not verify is named before any entry.
  const targets = new Map<number, Target[]>();
  const stored: Target[] = [];
  for (const cp of await source.listCheckpoints()) {
    const parsed = checkNote(cp.note, options.publicKey);
    if (typeof parsed === "string")
      return fail({ kind: "checkpoint", treeSize: cp.treeSize, reason: parsed });
    if (parsed.treeSize !== cp.treeSize)
      return fail({ kind: "checkpoint", treeSize: cp.treeSize, reason: `note says size ${parsed.treeSize}` });
    if (cp.treeSize > size)
      return fail({
        kind: "checkpoint",
        treeSize: cp.treeSize,
        reason: `beyond the ledger's end (${size}): truncated`,
      });
    const t: Target = { treeSize: cp.treeSize, root: parsed.rootHash, kind: "checkpoint" };
    stored.push(t);
    targets.set(t.treeSize, [...(targets.get(t.treeSize) ?? []), t]);
  }
  for (const note of options.against ?? []) {
    const parsed = checkNote(note, options.publicKey);
    if (typeof parsed === "string") return fail({ kind: "against", treeSize: -1, reason: parsed });
    if (parsed.treeSize > size)
      return fail({
        kind: "against",
        treeSize: parsed.treeSize,
        reason: `the ledger has only ${size} entries: entries were removed`,
      });
    const t: Target = { treeSize: parsed.treeSize, root: parsed.rootHash, kind: "against" };
    targets.set(t.treeSize, [...(targets.get(t.treeSize) ?? []), t]);
  }

  /** Checks every target at `treeSize` against the root the entries give there. */
  const checkTargets = (treeSize: number, root: Hash): VerifyReport | undefined => {
    for (const t of targets.get(treeSize) ?? []) {
      if (!sameHash(root, t.root)) {
        const reason =
          t.kind === "against"
            ? "the ledger's first entries no longer hash to this signed root: history was rewritten"
            : "root hash differs from the entries";
        return fail({ kind: t.kind, treeSize: t.treeSize, reason }, root);
      }
      checked++;
    }
    return undefined;
  };
  const atZero = checkTargets(0, edge.root());
  if (atZero) return atZero;

  const sizes = [...targets.keys()].sort((a, b) => a - b);
  const parallel = options.parallel !== false && source.verifyChunks !== undefined && size > chunkSize;
  const tasks = parallel ? planChunks(size, chunkSize, sizes) : planChunks(size, Math.max(size, 1), sizes);
  const results =
    parallel && source.verifyChunks ? source.verifyChunks(tasks) : tasks[0] ? scanHere(source, tasks[0]) : [];
  let next = 0;
  for await (const r of results) {
    const task = tasks[next++];
    if (!task || r.start !== task.start || r.start !== edge.size)
      throw new Error(`chunk results out of order at ${r.start}`);
    // Every requested size the chunk reached has its snapshot: no checkpoint goes unchecked.
    const owed = task.snapshotAt.filter((k) => k <= r.reached);
    if (owed.length !== r.snapshots.length || owed.some((k, i) => r.snapshots[i]?.treeSize !== k))
      throw new Error(`chunk at ${r.start} skipped a checkpoint's size`);
    // The compact range of [0, k) inside the chunk is the tree's so far followed by the chunk's.
    for (const snap of r.snapshots) {
      const bad = checkTargets(snap.treeSize, foldRange([...edge.hashes(), ...snap.hashes]));
      if (bad) return bad;
    }
    if (r.problem)
      return fail(
        { kind: "entry", index: r.problem.index, reason: r.problem.reason },
        foldRange([...edge.hashes(), ...r.frontier]),
      );
    const parts = decomposeRange(r.start, r.reached);
    if (parts.length !== r.frontier.length) throw new Error(`chunk at ${r.start} returned a malformed range`);
    parts.forEach((p, i) => {
      edge.appendSubtree(p.level, r.frontier[i] as Hash);
    });
    const bad = checkTargets(edge.size, edge.root());
    if (bad) return bad;
  }
  if (edge.size !== size) throw new Error(`verification covered ${edge.size} of ${size} entries`);

  if (source.readNodes) {
    const nodes: NodeReader = { readNodes: source.readNodes.bind(source) };
    const storedRoot = await rootAt(nodes, size).catch(() => undefined);
    if (!storedRoot || !sameHash(storedRoot, edge.root()))
      return fail({ kind: "tree", reason: "stored interior nodes disagree with the entries" });
    for (const t of stored) {
      const r = await rootAt(nodes, t.treeSize).catch(() => undefined);
      if (!r || !sameHash(r, t.root))
        return fail({
          kind: "tree",
          reason: `stored interior nodes give a different root at size ${t.treeSize}`,
        });
    }
    for (let i = 1; i < stored.length; i++) {
      const a = stored[i - 1] as Target;
      const b = stored[i] as Target;
      const proof = await consistencyProof(nodes, a.treeSize, b.treeSize).catch(() => undefined);
      if (!proof || !verifyConsistency(a.treeSize, b.treeSize, a.root, b.root, proof))
        return fail({
          kind: "checkpoint",
          treeSize: b.treeSize,
          reason: `not consistent with size ${a.treeSize}`,
        });
    }
  }
  return { ok: true, size, rootHash: edge.root(), checkpointsChecked: checked };
}
