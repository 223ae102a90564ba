// The SQLite ledger writer thread: appends committed from the thread form one verifiable ledger,
// also when two writers (as two processes would) race on one file; a write on the main connection
// meanwhile neither deadlocks nor is lost; a refused commit rejects the append (fail-closed) and the
// next append works; checkpoints are written through it; after close nothing is appended.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { sql } from "kysely";
import { AuditLedger, type LedgerStore, verifyLedger } from "../audit/index.js";
import { sampleEvent, testSigner } from "../audit/testing.js";
import { ManualClock } from "../kernel/index.js";
import { withLedgerWriterThread } from "./ledger-writer.js";
import { openStore } from "./open.js";
import { createLedgerRepository } from "./repos/ledger.js";
import { openTestStore, refuseLedgerAppends, type TestStore } from "./testing.js";

/** The repository without one of its optional capabilities (to exercise the general path). */
function proxyWithout(repo: LedgerStore, name: keyof LedgerStore): LedgerStore {
  return new Proxy(repo, {
    get: (target, prop, receiver) => (prop === name ? undefined : Reflect.get(target, prop, receiver)),
    has: (target, prop) => prop !== name && Reflect.has(target, prop),
  });
}

describe("SQLite ledger writer thread", () => {
  const opened: TestStore[] = [];
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of closers) await c();
    for (const ts of opened) await ts.dispose();
  });

  async function fresh(): Promise<TestStore> {
    const ts = await openTestStore({ url: undefined });
    opened.push(ts);
    return ts;
  }

  const signer = testSigner();

  async function ledgerOn(ts: TestStore, store = ts.store): Promise<AuditLedger> {
    const w = await withLedgerWriterThread(store, createLedgerRepository(store));
    closers.push(w.close);
    return new AuditLedger({
      store: w.repo,
      clock: new ManualClock(),
      origin: signer.name,
      signer,
      checkpointEvery: 100,
    });
  }

  test("concurrent appends are committed in one ordered ledger that verifies, with checkpoints", async () => {
    const ts = await fresh();
    const ledger = await ledgerOn(ts);
    const receipts = await Promise.all(Array.from({ length: 500 }, (_, i) => ledger.record(sampleEvent(i))));
    assert.deepEqual(
      receipts.map((r) => r.index).sort((a, b) => a - b),
      Array.from({ length: 500 }, (_, i) => i),
    );
    await ledger.close();
    const repo = createLedgerRepository(ts.store);
    assert.equal(await repo.size(), 500);
    // Written through the thread (at least the final one, on close).
    const checkpoints = await repo.listCheckpoints();
    assert.ok(checkpoints.length >= 1);
    assert.equal(checkpoints.at(-1)?.treeSize, 500);
    const report = await verifyLedger(repo, { publicKey: signer });
    assert.equal(report.ok, true, JSON.stringify(report.problem));
  });

  test("two writers on one file (two processes) keep one ordered, verifiable ledger", async () => {
    const ts = await fresh();
    const other = await openStore({ dataDir: ts.dataDir });
    const a = await ledgerOn(ts);
    const b = await ledgerOn(ts, other);
    const ids = new Map<number, string>();
    await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const r = await (i % 2 === 0 ? a : b).record(sampleEvent(i));
        assert.equal(ids.has(r.index), false, `index ${r.index} given twice`);
        ids.set(r.index, r.event_id);
      }),
    );
    await a.close();
    await b.close();
    await other.close();
    const repo = createLedgerRepository(ts.store);
    assert.equal(await repo.size(), 300);
    const report = await verifyLedger(repo, { publicKey: signer });
    assert.equal(report.ok, true, JSON.stringify(report.problem));
  });

  test("a write on the main connection while appends run neither deadlocks nor is lost", async () => {
    const ts = await fresh();
    const ledger = await ledgerOn(ts);
    const appends = Array.from({ length: 300 }, (_, i) => ledger.record(sampleEvent(i)));
    for (let i = 0; i < 20; i++)
      await sql`insert into meta (key, value) values (${`k${i}`}, ${"v"})`.execute(ts.store.db);
    await Promise.all(appends);
    const n = await sql<{ n: number }>`select count(*) as n from meta where key like 'k%'`.execute(
      ts.store.db,
    );
    assert.equal(Number(n.rows[0]?.n), 20);
    await ledger.close();
  });

  test("a commit the database refuses rejects the append; the next one is written", async () => {
    const ts = await fresh();
    const ledger = await ledgerOn(ts);
    await ledger.record(sampleEvent(0));
    const lift = await refuseLedgerAppends(ts.store);
    await assert.rejects(ledger.record(sampleEvent(1)), { code: "ERR_AUDIT_UNAVAILABLE" });
    await lift();
    const r = await ledger.record(sampleEvent(2));
    assert.equal(r.index, 1, "nothing of the refused batch was kept");
    await ledger.close();
    const report = await verifyLedger(createLedgerRepository(ts.store), { publicKey: signer });
    assert.equal(report.ok, true);
    assert.equal(report.size, 2);
  });

  test("appendTransaction (rows built on the main thread, without the thread) continues the ledger's end", async () => {
    const ts = await fresh();
    const ledger = await ledgerOn(ts);
    await ledger.record(sampleEvent(0));
    await ledger.close();
    // A ledger without appendPrepared builds rows on the main thread, through the repository's own
    // transaction, beside a writer thread on the same file.
    const w = await withLedgerWriterThread(ts.store, createLedgerRepository(ts.store));
    closers.push(w.close);
    const other = new AuditLedger({
      store: proxyWithout(w.repo, "appendPrepared"),
      clock: new ManualClock(),
      origin: signer.name,
    });
    const r = await other.record(sampleEvent(1));
    assert.equal(r.index, 1);
    await other.close();
    const report = await verifyLedger(createLedgerRepository(ts.store), { publicKey: signer });
    assert.equal(report.ok, true, JSON.stringify(report.problem));
    assert.equal(report.size, 2);
  });

  test("after close the writer refuses appends", async () => {
    const ts = await fresh();
    const w = await withLedgerWriterThread(ts.store, createLedgerRepository(ts.store));
    await w.close();
    await assert.rejects(w.repo.appendPrepared?.([]) ?? Promise.resolve(), { code: "ERR_STORE_UNAVAILABLE" });
  });
});
