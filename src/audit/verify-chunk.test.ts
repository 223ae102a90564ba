// Verification in chunks against verification in one pass, without a database or threads: random
// ledgers, random checkpoints (right and wrong roots, anywhere, including inside chunks and at their
// edges), random tampering, random chunk sizes. The reports must be identical — same problem, same
// root over the entries before it, same count of checkpoints checked.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { signCheckpoint } from "./checkpoint.js";
import { canonicalAt, leafHashOf, prepareEvent } from "./event.js";
import { rootOfLeaves } from "./merkle.js";
import type { LedgerLeaf } from "./ports.js";
import { sampleEvent, testSigner } from "./testing.js";
import { ChunkVerifier } from "./verify-chunk.js";
import { type LedgerSource, type VerifyReport, verifyLedger } from "./verify-ledger.js";

const signer = testSigner();
const key = { name: signer.name, publicKey: signer.publicKey };

function ledger(n: number): LedgerLeaf[] {
  return Array.from({ length: n }, (_, index) => {
    const canonical = canonicalAt(
      prepareEvent(sampleEvent(index), `event-${index}`, 1_700_000_000_000),
      index,
    );
    return { index, canonical, leafHash: leafHashOf(canonical) };
  });
}

/** A stored ledger in memory, with a ChunkScanner that runs the chunks here, one after another. */
function memorySource(rows: readonly LedgerLeaf[], notes: readonly { treeSize: number; note: string }[]) {
  const sorted = [...rows].sort((a, b) => a.index - b.index);
  async function* readLeaves(from: number, to: number): AsyncIterable<LedgerLeaf> {
    for (const r of sorted) if (r.index >= from && r.index < to) yield r;
  }
  const source: LedgerSource = {
    size: async () => (sorted.length === 0 ? 0 : (sorted[sorted.length - 1] as LedgerLeaf).index + 1),
    readLeaves,
    listCheckpoints: async () => [...notes].sort((a, b) => a.treeSize - b.treeSize),
    verifyChunks: async function* (tasks) {
      for (const task of tasks) {
        const chunk = new ChunkVerifier(task);
        for await (const r of readLeaves(task.start, task.end))
          if (!chunk.push(r.index, r.leafHash, r.canonical)) break;
        const result = chunk.finish();
        yield result;
        if (result.problem) return;
      }
    },
  };
  return source;
}

const hex = (r: VerifyReport) => ({ ...r, rootHash: Buffer.from(r.rootHash).toString("hex") });

const tampering = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant("alter" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("rehash" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("space" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("garbage" as const), at: fc.nat() }),
);

test("chunked verification reports exactly what one pass reports", async () => {
  const full = ledger(70);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 70 }),
      fc.array(fc.record({ at: fc.nat(), right: fc.boolean() }), { maxLength: 5 }),
      fc.array(tampering, { maxLength: 2 }),
      fc.constantFrom(1, 2, 4, 8, 16),
      async (n, checkpoints, changes, chunkSize) => {
        let rows = full.slice(0, n).map((r) => ({ ...r }));
        const notes = [];
        const seen = new Set<number>();
        for (const c of checkpoints) {
          const treeSize = n === 0 ? 0 : c.at % (n + 1);
          if (seen.has(treeSize)) continue;
          seen.add(treeSize);
          const root = c.right
            ? rootOfLeaves(rows.slice(0, treeSize).map((r) => r.leafHash))
            : Buffer.alloc(32, 3);
          notes.push({
            treeSize,
            note: signCheckpoint({ origin: signer.name, treeSize, rootHash: root }, signer),
          });
        }
        for (const t of changes) {
          if (rows.length === 0) break;
          const i = t.at % rows.length;
          const row = rows[i] as LedgerLeaf;
          if (t.kind === "delete") rows = rows.filter((_, k) => k !== i);
          else if (t.kind === "swap") {
            const j = t.with % rows.length;
            const other = rows[j] as LedgerLeaf;
            rows[i] = { ...other, index: row.index };
            rows[j] = { ...row, index: other.index };
          } else if (t.kind === "alter")
            rows[i] = { ...row, canonical: row.canonical.replace("auth.login", "auth.logim") };
          else if (t.kind === "rehash") {
            const canonical = row.canonical.replace("auth.login", "auth.logim");
            rows[i] = { ...row, canonical, leafHash: leafHashOf(canonical) };
          } else if (t.kind === "space") rows[i] = { ...row, canonical: row.canonical.replace(":", ": ") };
          else rows[i] = { ...row, canonical: "{}" };
        }
        const source = memorySource(rows, notes);
        const one = await verifyLedger(source, { publicKey: key, parallel: false });
        const chunked = await verifyLedger(source, { publicKey: key, chunkSize });
        assert.deepEqual(hex(chunked), hex(one));
      },
    ),
    { numRuns: 400 },
  );
});

test("a chunk that is not aligned on its width is refused", () => {
  assert.throws(() => new ChunkVerifier({ start: 4, end: 12, snapshotAt: [], final: true }), RangeError);
  assert.doesNotThrow(() => new ChunkVerifier({ start: 8, end: 12, snapshotAt: [], final: true }));
});

test("a chunk size that is not a power of two is refused", async () => {
  await assert.rejects(
    verifyLedger(memorySource(ledger(3), []), { publicKey: key, chunkSize: 6 }),
    RangeError,
  );
});
