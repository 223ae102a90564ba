// Verification of a whole ledger (RFC 9162 §2.1): recompute every leaf hash from the stored event
// (re-canonicalised, RFC 8785), rebuild the tree, and check every stored checkpoint's signature and
// root, the consistency of consecutive checkpoints from the stored interior nodes, and, with
// `against`, that the ledger extends checkpoints saved elsewhere. Stops at the first problem and
// names it: an index, or a checkpoint's tree size.
import { type Checkpoint, type NoteVerifierKey, verifyCheckpointNote } from "./checkpoint.js";
import { leafHashOf, parseStoredEvent } from "./event.js";
import { CompactRange, type Hash, verifyConsistency } from "./merkle.js";
import type { LedgerLeaf, NodeReader } from "./ports.js";
import { consistencyProof, rootAt } from "./proofs.js";

/** What verification reads: a database (LedgerStore) or an export directory. */
export interface LedgerSource {
  size(): Promise<number>;
  readLeaves(from: number, to: number): AsyncIterable<LedgerLeaf>;
  listCheckpoints(): Promise<ReadonlyArray<{ readonly treeSize: number; readonly note: string }>>;
  /** Stored interior nodes (a database has them; an export does not). */
  readonly readNodes?: NodeReader["readNodes"] | undefined;
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
}

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

export async function verifyLedger(source: LedgerSource, options: VerifyOptions): Promise<VerifyReport> {
  const size = await source.size();
  const edge = new CompactRange();
  let checked = 0;
  const fail = (problem: VerifyProblem): VerifyReport => ({
    ok: false,
    size,
    rootHash: edge.root(),
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

  const checkTargets = (): VerifyReport | undefined => {
    for (const t of targets.get(edge.size) ?? []) {
      if (!Buffer.from(edge.root()).equals(Buffer.from(t.root))) {
        const reason =
          t.kind === "against"
            ? "the ledger's first entries no longer hash to this signed root: history was rewritten"
            : "root hash differs from the entries";
        return fail({ kind: t.kind, treeSize: t.treeSize, reason });
      }
      checked++;
    }
    return undefined;
  };
  const atZero = checkTargets();
  if (atZero) return atZero;

  for await (const leaf of source.readLeaves(0, size)) {
    const expected = edge.size;
    if (leaf.index !== expected)
      return fail({ kind: "entry", index: expected, reason: "missing (deleted or never written)" });
    const parsed = parseStoredEvent(leaf.canonical);
    if (!parsed) return fail({ kind: "entry", index: expected, reason: "not a valid event" });
    if (!parsed.canonical)
      return fail({ kind: "entry", index: expected, reason: "not in canonical (RFC 8785) form" });
    if (parsed.event.index !== expected)
      return fail({
        kind: "entry",
        index: expected,
        reason: `holds the event of index ${parsed.event.index}: moved`,
      });
    const leafHash = leafHashOf(leaf.canonical);
    if (!leafHash.equals(Buffer.from(leaf.leafHash)))
      return fail({ kind: "entry", index: expected, reason: "event does not match its leaf hash: altered" });
    edge.append(leafHash);
    const bad = checkTargets();
    if (bad) return bad;
  }
  if (edge.size !== size) return fail({ kind: "entry", index: edge.size, reason: "missing (deleted)" });

  if (source.readNodes) {
    const nodes: NodeReader = { readNodes: source.readNodes.bind(source) };
    const storedRoot = await rootAt(nodes, size).catch(() => undefined);
    if (!storedRoot || !Buffer.from(storedRoot).equals(Buffer.from(edge.root())))
      return fail({ kind: "tree", reason: "stored interior nodes disagree with the entries" });
    for (const t of stored) {
      const r = await rootAt(nodes, t.treeSize).catch(() => undefined);
      if (!r || !Buffer.from(r).equals(Buffer.from(t.root)))
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
