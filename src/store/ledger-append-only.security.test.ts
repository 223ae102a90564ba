// The database refuses to change or remove ledger rows (migration 0011): UPDATE and DELETE on
// audit_entries, audit_nodes and audit_checkpoints fail (and TRUNCATE on PostgreSQL), on both
// dialects, with ERR_STORE_CONSTRAINT_VIOLATION, while appends go on. The triggers guard against
// mistakes, not against someone who can drop them — verification is what catches that.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { sql } from "kysely";
import { AuditLedger } from "../audit/index.js";
import { sampleEvent, testSigner } from "../audit/testing.js";
import { ManualClock } from "../kernel/index.js";
import { isStoreError } from "./errors.js";
import { createLedgerRepository } from "./repos/ledger.js";
import { allowLedgerTampering, databaseTargets, openTestStore, type TestStore } from "./testing.js";

for (const target of databaseTargets(process.env)) {
  describe(`the ledger's tables are append-only (${target.dialect})`, { skip: target.skip }, () => {
    const opened: TestStore[] = [];
    after(async () => {
      for (const ts of opened) await ts.dispose();
    });

    async function withLedger(): Promise<TestStore> {
      const ts = await openTestStore(target);
      opened.push(ts);
      const signer = testSigner();
      const ledger = new AuditLedger({
        store: createLedgerRepository(ts.store),
        clock: new ManualClock(),
        origin: signer.name,
        signer,
      });
      for (let i = 0; i < 4; i++) await ledger.record(sampleEvent(i));
      await ledger.checkpoint();
      await ledger.close();
      return ts;
    }

    const refused = (e: unknown): boolean => isStoreError(e, "ERR_STORE_CONSTRAINT_VIOLATION");

    test("UPDATE and DELETE are refused on entries, nodes and checkpoints; rows stay as they were", async () => {
      const ts = await withLedger();
      const db = ts.store.db;
      const snapshot = async () =>
        JSON.stringify([
          (await sql`select idx, event, leaf_hash from audit_entries order by idx`.execute(db)).rows,
          (await sql`select level, idx, hash from audit_nodes order by level, idx`.execute(db)).rows,
          (await sql`select tree_size, note from audit_checkpoints order by tree_size`.execute(db)).rows,
        ]);
      const before = await snapshot();
      const attempts = [
        sql`update audit_entries set event = '{}' where idx = 1`,
        sql`update audit_entries set idx = 9 where idx = 3`,
        sql`delete from audit_entries where idx = 3`,
        sql`delete from audit_entries`,
        sql`update audit_nodes set hash = ${Buffer.alloc(32)}`,
        sql`delete from audit_nodes`,
        sql`update audit_checkpoints set note = 'x'`,
        sql`delete from audit_checkpoints`,
        ...(target.dialect === "postgres"
          ? [sql`truncate audit_entries`, sql`truncate audit_nodes`, sql`truncate audit_checkpoints`]
          : []),
      ];
      for (const q of attempts) await assert.rejects(q.execute(db), refused, q.compile(db).sql);
      assert.equal(await snapshot(), before);
    });

    test("appends go on; with the triggers dropped (as anyone with write access can) rows can change", async () => {
      const ts = await withLedger();
      const repo = createLedgerRepository(ts.store);
      const ledger = new AuditLedger({ store: repo, clock: new ManualClock(), origin: "rampart.test/audit" });
      await ledger.record(sampleEvent(4));
      await ledger.close();
      assert.equal(await repo.size(), 5);
      await allowLedgerTampering(ts.store);
      await sql`delete from audit_entries where idx = 4`.execute(ts.store.db);
      assert.equal(await repo.size(), 4);
    });
  });
}
