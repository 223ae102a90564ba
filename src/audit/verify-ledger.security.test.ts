// Tampering with the stored ledger is caught by verification, which names where: one byte changed
// in an event, an entry deleted, two entries swapped, an interior node altered, and (against a
// checkpoint saved earlier) the tail rewritten with the tree recomputed and later checkpoints removed.
// Every database case runs twice — entries read and checked on this thread, and in chunks of 8 on
// worker threads that read the database themselves — and both must name the same problem. The
// tampering goes through the database after dropping the triggers that refuse UPDATE and DELETE on
// the ledger (migration 0011): anyone with write access can do that, which is why verification exists.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { sql } from "kysely";
import { ManualClock } from "../kernel/index.js";
import { allowLedgerTampering, databaseTargets, openTestStore, type TestStore } from "../store/index.js";
import { createLedgerRepository } from "../store/repos/ledger.js";
import { signCheckpoint } from "./checkpoint.js";
import { exportLedger, openExport, parsePublicKey } from "./export.js";
import { AuditLedger } from "./ledger.js";
import { rootOfLeaves } from "./merkle.js";
import type { LedgerStore } from "./ports.js";
import { sampleEvent, testSigner } from "./testing.js";
import type { ChunkScanner } from "./verify-chunk.js";
import { type LedgerSource, type VerifyOptions, type VerifyReport, verifyLedger } from "./verify-ledger.js";

const N = 50;

/** The root of the first `n` entries, from their stored leaf hashes. */
async function rootOfFirst(repo: LedgerStore, n: number): Promise<Uint8Array> {
  const leaves: Uint8Array[] = [];
  for await (const leaf of repo.readLeaves(0, n)) leaves.push(leaf.leafHash);
  return rootOfLeaves(leaves);
}

for (const target of databaseTargets(process.env)) {
  describe(`ledger verification catches tampering (${target.dialect})`, { skip: target.skip }, () => {
    const opened: TestStore[] = [];
    after(async () => {
      for (const ts of opened) await ts.dispose();
    });
    const signer = testSigner();
    const key = { name: signer.name, publicKey: signer.publicKey };

    let chunksAsked = 0;
    /** Verifies on this thread and in parallel chunks of 8; both reports must be the same. */
    async function verifyBoth(repo: LedgerSource, options: VerifyOptions): Promise<VerifyReport> {
      assert.ok(repo.verifyChunks, "the database offers parallel verification");
      chunksAsked = 0;
      const counted: LedgerSource = {
        ...repo,
        verifyChunks: (tasks) => {
          chunksAsked += tasks.length;
          return (repo.verifyChunks as ChunkScanner)(tasks);
        },
      };
      const sequential = await verifyLedger(repo, { ...options, parallel: false });
      const parallel = await verifyLedger(counted, { ...options, chunkSize: 8 });
      assert.deepEqual(
        { ...parallel, rootHash: Buffer.from(parallel.rootHash).toString("hex") },
        { ...sequential, rootHash: Buffer.from(sequential.rootHash).toString("hex") },
        "the parallel pass reports what the sequential pass reports",
      );
      return sequential;
    }

    async function ledgerOf(n = N): Promise<{ ts: TestStore; repo: LedgerStore }> {
      const ts = await openTestStore(target);
      opened.push(ts);
      await allowLedgerTampering(ts.store);
      const repo = createLedgerRepository(ts.store);
      const ledger = new AuditLedger({
        store: repo,
        clock: new ManualClock(),
        origin: signer.name,
        signer,
        checkpointEvery: 10,
      });
      for (let i = 0; i < n; i++) {
        await ledger.record(sampleEvent(i));
        if ((i + 1) % 10 === 0) await ledger.checkpoint();
      }
      await ledger.close();
      return { ts, repo };
    }

    test("an untouched ledger verifies: size, root and every checkpoint", async () => {
      const { repo } = await ledgerOf();
      const report = await verifyBoth(repo, { publicKey: key });
      assert.equal(report.ok, true, JSON.stringify(report.problem));
      assert.equal(report.size, N);
      assert.equal(report.checkpointsChecked, 5);
      assert.equal(chunksAsked, 7, "the parallel pass ran in chunks of 8");
    });

    test("one byte changed in a stored event is caught at its index", async () => {
      const { ts, repo } = await ledgerOf();
      await sql`update audit_entries set event = replace(event, '"attempt":7,', '"attempt":8,') where idx = 7`.execute(
        ts.store.db,
      );
      const report = await verifyBoth(repo, { publicKey: key });
      assert.equal(report.ok, false);
      assert.deepEqual(report.problem, {
        kind: "entry",
        index: 7,
        reason: "event does not match its leaf hash: altered",
      });
    });

    test("a deleted entry is caught at its index", async () => {
      const { ts, repo } = await ledgerOf();
      await sql`delete from audit_entries where idx = 20`.execute(ts.store.db);
      const report = await verifyBoth(repo, { publicKey: key });
      assert.deepEqual(report.problem, {
        kind: "entry",
        index: 20,
        reason: "missing (deleted or never written)",
      });
    });

    test("two swapped entries are caught at the first of them", async () => {
      const { ts, repo } = await ledgerOf();
      const db = ts.store.db;
      await sql`update audit_entries set idx = -1 where idx = 5`.execute(db);
      await sql`update audit_entries set idx = 5 where idx = 6`.execute(db);
      await sql`update audit_entries set idx = 6 where idx = -1`.execute(db);
      const report = await verifyBoth(repo, { publicKey: key });
      assert.deepEqual(report.problem, {
        kind: "entry",
        index: 5,
        reason: "holds the event of index 6: moved",
      });
    });

    test("an altered interior node on a checkpoint's right edge is caught (proofs would be served from it)", async () => {
      const { ts, repo } = await ledgerOf();
      await sql`update audit_nodes set hash = ${Buffer.alloc(32, 7)} where level = 4 and idx = 2`.execute(
        ts.store.db,
      );
      const report = await verifyBoth(repo, { publicKey: key });
      assert.equal(report.ok, false);
      assert.equal(report.problem?.kind, "tree");
    });

    test("a forged checkpoint (not signed by the ledger key) is named by its size", async () => {
      const { ts, repo } = await ledgerOf();
      const forger = testSigner(signer.name);
      const cp = (await repo.listCheckpoints())[1];
      const forged = cp?.note.replace(/\n\n.*$/s, "\n\n") ?? "";
      const note = `${forged}— ${forger.name} ${Buffer.concat([forger.keyHash, forger.sign(Buffer.from(forged.slice(0, -1)))]).toString("base64")}\n`;
      await sql`update audit_checkpoints set note = ${note} where tree_size = ${cp?.treeSize}`.execute(
        ts.store.db,
      );
      const report = await verifyBoth(repo, { publicKey: key });
      assert.equal(report.problem?.kind, "checkpoint");
      assert.equal((report.problem as { treeSize: number }).treeSize, 20);
    });

    test("a rewritten tail with the tree recomputed passes plain verify but not --against an earlier checkpoint", async () => {
      const { ts, repo } = await ledgerOf();
      const saved = (await repo.latestCheckpoint())?.note as string;
      const db = ts.store.db;
      // The attacker removes entries 40.. and every node and checkpoint that covers them, then
      // appends different events through the ledger code itself, so every hash is consistent.
      await sql`delete from audit_entries where idx >= 40`.execute(db);
      await sql`delete from audit_nodes where (idx + 1) * (1 << level) > 40`.execute(db);
      await sql`delete from audit_checkpoints where tree_size > 40`.execute(db);
      const rewriter = new AuditLedger({ store: repo, clock: new ManualClock(), origin: signer.name });
      for (let i = 40; i < N; i++)
        await rewriter.record({ ...sampleEvent(i), outcome: "success", details: { forged: true } });
      await rewriter.close();
      const plain = await verifyBoth(repo, { publicKey: key });
      assert.equal(plain.ok, true, "the rewrite is self-consistent");
      const against = await verifyBoth(repo, { publicKey: key, against: [saved] });
      assert.equal(against.ok, false);
      assert.equal(against.problem?.kind, "against");
      assert.equal((against.problem as { treeSize: number }).treeSize, N);
    });

    test("tampering inside a later chunk is named as the sequential pass names it", async () => {
      const cases: Array<[string, (db: TestStore["store"]["db"]) => Promise<unknown>, number, string]> = [
        [
          "a changed byte",
          (db) =>
            sql`update audit_entries set event = replace(event, '"attempt":43,', '"attempt":44,') where idx = 43`.execute(
              db,
            ),
          43,
          "event does not match its leaf hash: altered",
        ],
        [
          "a deleted entry",
          (db) => sql`delete from audit_entries where idx = 37`.execute(db),
          37,
          "missing (deleted or never written)",
        ],
        [
          "entries deleted up to a chunk's end",
          (db) => sql`delete from audit_entries where idx in (30, 31)`.execute(db),
          30,
          "missing (deleted or never written)",
        ],
        [
          "swapped entries",
          async (db) => {
            await sql`update audit_entries set idx = -1 where idx = 41`.execute(db);
            await sql`update audit_entries set idx = 41 where idx = 42`.execute(db);
            await sql`update audit_entries set idx = 42 where idx = -1`.execute(db);
          },
          41,
          "holds the event of index 42: moved",
        ],
        [
          "whitespace added",
          (db) =>
            sql`update audit_entries set event = replace(event, '"index":45,', '"index": 45,') where idx = 45`.execute(
              db,
            ),
          45,
          "not in canonical (RFC 8785) form",
        ],
        [
          "an event that is not one",
          (db) => sql`update audit_entries set event = '{"index":46}' where idx = 46`.execute(db),
          46,
          "not a valid event",
        ],
      ];
      for (const [what, tamper, index, reason] of cases) {
        const { ts, repo } = await ledgerOf();
        await tamper(ts.store.db);
        const report = await verifyBoth(repo, { publicKey: key });
        assert.deepEqual(report.problem, { kind: "entry", index, reason }, what);
        assert.ok(chunksAsked > 1, `${what}: verified in chunks`);
      }
    });

    test("a checkpoint inside a chunk is checked there: a wrong root is named by its size, a right one counts", async () => {
      const { ts, repo } = await ledgerOf();
      const good = await rootOfFirst(repo, 37);
      const sign = (treeSize: number, rootHash: Uint8Array): string =>
        signCheckpoint({ origin: signer.name, treeSize, rootHash }, signer);
      await repo.insertCheckpoint({ treeSize: 37, rootHash: good, note: sign(37, good), createdAtMs: 0 });
      const fine = await verifyBoth(repo, { publicKey: key });
      assert.equal(fine.ok, true, JSON.stringify(fine.problem));
      assert.equal(fine.checkpointsChecked, 6);

      const wrong = Buffer.alloc(32, 9);
      const against = await verifyBoth(repo, { publicKey: key, against: [sign(45, wrong)] });
      assert.deepEqual(against.problem, {
        kind: "against",
        treeSize: 45,
        reason: "the ledger's first entries no longer hash to this signed root: history was rewritten",
      });

      await sql`delete from audit_checkpoints where tree_size = 37`.execute(ts.store.db);
      await repo.insertCheckpoint({ treeSize: 37, rootHash: wrong, note: sign(37, wrong), createdAtMs: 0 });
      const bad = await verifyBoth(repo, { publicKey: key });
      assert.deepEqual(bad.problem, {
        kind: "checkpoint",
        treeSize: 37,
        reason: "root hash differs from the entries",
      });
      assert.equal(bad.checkpointsChecked, 3, "those at 10, 20 and 30 were checked before");
      assert.deepEqual(bad.rootHash, good, "the root over the entries before the problem");

      // An entry altered before the bad checkpoint is named first, in whichever chunk it is.
      await sql`update audit_entries set event = replace(event, '"attempt":33,', '"attempt":34,') where idx = 33`.execute(
        ts.store.db,
      );
      const first = await verifyBoth(repo, { publicKey: key });
      assert.deepEqual(first.problem, {
        kind: "entry",
        index: 33,
        reason: "event does not match its leaf hash: altered",
      });
    });

    test("an export verifies without the database; a byte changed in the export is caught", async () => {
      const { repo } = await ledgerOf();
      const dir = await mkdtemp(join(tmpdir(), "rampart-export-"));
      try {
        const summary = await exportLedger(repo, key, dir);
        assert.equal(summary.size, N);
        const exp = await openExport(dir);
        const bundled = parsePublicKey(exp.bundledKey as string, undefined);
        const pemKey = parsePublicKey(await readFile(join(dir, "ledger.pub"), "utf8"), exp.origin);
        assert.deepEqual(pemKey, bundled);
        const ok = await verifyLedger(exp.source, { publicKey: bundled });
        assert.equal(ok.ok, true, JSON.stringify(ok.problem));
        assert.equal(ok.checkpointsChecked, 5);
        const file = join(dir, "entries.jsonl");
        const lines = (await readFile(file, "utf8")).split("\n");
        lines[34] = (lines[34] as string).replace('"outcome":"success"', '"outcome":"failure"');
        await writeFile(file, lines.join("\n"));
        const bad = await verifyLedger((await openExport(dir)).source, { publicKey: bundled });
        assert.deepEqual(bad.problem, {
          kind: "entry",
          index: 34,
          reason: "event does not match its leaf hash: altered",
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
