// The ledger over a real store (SQLite always, PostgreSQL when RAMPART_TEST_DATABASE_URL is set):
// group commit, stable order, proofs from stored nodes, checkpoints, the deadline and the alarm.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { ManualClock, type RampartError } from "../kernel/index.js";
import { databaseTargets, openTestStore, type TestStore } from "../store/index.js";
import { createLedgerRepository } from "../store/repos/ledger.js";
import { parseCheckpointNote } from "./checkpoint.js";
import { parseStoredEvent } from "./event.js";
import { AuditLedger } from "./ledger.js";
import { verifyInclusion } from "./merkle.js";
import type { LedgerStore } from "./ports.js";
import { rootAt } from "./proofs.js";
import { sampleEvent, testSigner } from "./testing.js";

/** Counts transactions, so a test can see batching. */
function counting(store: LedgerStore): { store: LedgerStore; transactions: () => number } {
  let n = 0;
  return {
    store: {
      ...store,
      appendTransaction: (fn) => {
        n++;
        return store.appendTransaction(fn);
      },
    },
    transactions: () => n,
  };
}

for (const target of databaseTargets(process.env)) {
  describe(`audit ledger on ${target.dialect}`, { skip: target.skip }, () => {
    const opened: TestStore[] = [];
    const open = async (): Promise<{ ts: TestStore; repo: LedgerStore }> => {
      const ts = await openTestStore(target);
      opened.push(ts);
      return { ts, repo: createLedgerRepository(ts.store) };
    };
    after(async () => {
      for (const ts of opened) await ts.dispose();
    });

    test("concurrent records are batched, indexed 0..n-1 in one order, and provable", async () => {
      const { repo } = await open();
      const c = counting(repo);
      const ledger = new AuditLedger({
        store: c.store,
        clock: new ManualClock(),
        origin: "rampart.test/audit",
      });
      const receipts = await Promise.all(
        Array.from({ length: 300 }, (_, i) => ledger.record(sampleEvent(i))),
      );
      assert.deepEqual(
        receipts.map((r) => r.index),
        Array.from({ length: 300 }, (_, i) => i),
      );
      assert.ok(c.transactions() < 30, `300 concurrent appends took ${c.transactions()} transactions`);
      assert.equal(await repo.size(), 300);
      const stored = await repo.readEntry(42);
      const parsed = parseStoredEvent(stored?.canonical ?? "");
      assert.equal(parsed?.canonical, true);
      assert.equal(parsed?.event.index, 42);
      assert.equal(parsed?.event.event_id, receipts[42]?.event_id);
      assert.equal(parsed?.event.timestamp, "2026-01-05T12:00:00.000Z");
      for (const [index, size] of [
        [0, 1],
        [42, 300],
        [299, 300],
        [100, 257],
      ] as const) {
        const { proof, root } = await ledger.inclusionProof(index, size);
        const leaf = (await repo.readEntry(index))?.leafHash as Uint8Array;
        assert.ok(verifyInclusion(index, size, leaf, proof, root), `inclusion ${index}@${size}`);
        assert.ok(proof.length <= 9);
      }
      await ledger.close();
    });

    test("two ledgers sharing one database (two processes) keep one ordered log", async () => {
      const { ts, repo } = await open();
      const second =
        target.dialect === "postgres"
          ? createLedgerRepository(
              (await import("../store/index.js")).openStore !== undefined
                ? await (await import("../store/index.js")).openStore({
                    url: target.url,
                    dataDir: ts.dataDir,
                    schema: ts.store.schema,
                  })
                : ts.store,
            )
          : repo;
      const a = new AuditLedger({ store: repo, clock: new ManualClock(), origin: "o" });
      const b = new AuditLedger({ store: second, clock: new ManualClock(), origin: "o" });
      const all = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).record(sampleEvent(i))),
      );
      assert.deepEqual(
        all.map((r) => r.index).sort((x, y) => x - y),
        Array.from({ length: 200 }, (_, i) => i),
      );
      const fresh = new AuditLedger({ store: repo, clock: new ManualClock(), origin: "o" });
      const { proof, root } = await fresh.inclusionProof(150);
      const leaf = (await repo.readEntry(150))?.leafHash as Uint8Array;
      assert.ok(verifyInclusion(150, 200, leaf, proof, root));
      await Promise.all([a.close(), b.close()]);
    });

    test("checkpoints are signed every N entries and on close, in signed-note form", async () => {
      const { repo } = await open();
      const signer = testSigner();
      const ledger = new AuditLedger({
        store: repo,
        clock: new ManualClock(),
        origin: signer.name,
        signer,
        checkpointEvery: 50,
      });
      for (let i = 0; i < 120; i++) await ledger.record(sampleEvent(i));
      await ledger.close();
      const cps = await repo.listCheckpoints();
      assert.ok(cps.length >= 3, `checkpoints at ${cps.map((c) => c.treeSize)}`);
      assert.equal(cps.at(-1)?.treeSize, 120);
      for (const cp of cps) {
        const note = parseCheckpointNote(cp.note);
        assert.equal(note.checkpoint.treeSize, cp.treeSize);
        assert.deepEqual(Buffer.from(note.checkpoint.rootHash), Buffer.from(await rootAt(repo, cp.treeSize)));
      }
    });
  });
}

test("an append that cannot commit in time rejects with ERR_AUDIT_UNAVAILABLE and raises the alarm", async () => {
  const alarms: RampartError[] = [];
  const hanging: LedgerStore = {
    appendTransaction: () => new Promise(() => {}),
  } as unknown as LedgerStore;
  const ledger = new AuditLedger({
    store: hanging,
    clock: new ManualClock(),
    origin: "o",
    appendTimeoutMs: 50,
    onAlarm: (e) => alarms.push(e),
  });
  const started = Date.now();
  await assert.rejects(ledger.record(sampleEvent(1)), (e: RampartError) => {
    assert.equal(e.code, "ERR_AUDIT_UNAVAILABLE");
    assert.equal(e.status, 503);
    return true;
  });
  assert.ok(Date.now() - started < 1000);
  // Queued behind the hung writer: also rejected by its own deadline, never left hanging.
  await assert.rejects(ledger.record(sampleEvent(2)), { code: "ERR_AUDIT_UNAVAILABLE" });
  assert.equal(alarms.length, 2);
});

test("a failing store rejects every caller in the batch with ERR_AUDIT_UNAVAILABLE", async () => {
  const alarms: RampartError[] = [];
  const failing = {
    appendTransaction: async () => {
      throw new Error("disk I/O error");
    },
  } as unknown as LedgerStore;
  const ledger = new AuditLedger({
    store: failing,
    clock: new ManualClock(),
    origin: "o",
    onAlarm: (e) => alarms.push(e),
  });
  const results = await Promise.allSettled([ledger.record(sampleEvent(1)), ledger.record(sampleEvent(2))]);
  for (const r of results) {
    assert.equal(r.status, "rejected");
    assert.equal((r as PromiseRejectedResult).reason.code, "ERR_AUDIT_UNAVAILABLE");
  }
  assert.ok(alarms.length >= 1);
  assert.equal(alarms[0]?.detail?.includes("disk I/O error"), true);
});

test("an invalid event is refused before it reaches the queue", async () => {
  const ledger = new AuditLedger({ store: {} as LedgerStore, clock: new ManualClock(), origin: "o" });
  await assert.rejects(ledger.record({ ...sampleEvent(1), details: { bad: Number.NaN } }), {
    code: "ERR_AUDIT_INVALID_EVENT",
  });
  await assert.rejects(ledger.record({ ...sampleEvent(1), event_type: "nope" as "system" }), {
    code: "ERR_AUDIT_INVALID_EVENT",
  });
});
