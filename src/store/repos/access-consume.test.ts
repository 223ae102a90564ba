// Single use of an applied approval (`consumeProposal`, migration 0014) on SQLite and (with
// RAMPART_TEST_DATABASE_URL) PostgreSQL: one conditional UPDATE, so only an approved, applied,
// unexpired and unused proposal is consumed, once; and the migration counts the secret.read
// approvals applied before it as used (fail-closed).
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { Proposal } from "../../access/index.js";
import { AccessRepository, databaseTargets, openTestStore, type TestStore } from "../index.js";
import { migrationContext, migrations } from "../migrations/index.js";

const T = 1_800_000_000_000;
const proposal = (id: string, kind = "secret.read"): Proposal => ({
  id,
  kind,
  payload: { path: "broker/ib" },
  action: "secrets:read:broker/ib",
  summary: "read secret broker/ib once",
  requestedBy: "u-olga",
  requestedByName: "olga",
  reason: null,
  status: "pending",
  createdAt: T,
  expiresAt: T + 60_000,
  decidedBy: null,
  decidedByName: null,
  decidedAt: null,
  decisionNote: null,
  appliedAt: null,
  result: null,
  failure: null,
});

async function approveAndApply(repo: AccessRepository, id: string): Promise<void> {
  assert.ok(
    await repo.decideProposal(id, {
      status: "approved",
      by: "u-bruno",
      byName: "bruno",
      at: T + 1,
      note: null,
    }),
  );
  await repo.finishProposal(id, { status: "approved", at: T + 2, result: null, failure: null });
}

for (const target of databaseTargets(process.env)) {
  describe(`consuming approvals on ${target.dialect}`, { skip: target.skip }, () => {
    const stores: TestStore[] = [];
    after(async () => {
      for (const s of stores) await s.dispose();
    });

    test("only an applied, unexpired, unused approval is consumed, and only once", async () => {
      const ts = await openTestStore(target);
      stores.push(ts);
      const repo = new AccessRepository(ts.store);
      await repo.insertProposal(proposal("p-pending"));
      assert.equal(await repo.consumeProposal("p-pending", T + 3), false, "not approved");
      await repo.insertProposal(proposal("p-ok"));
      await approveAndApply(repo, "p-ok");
      assert.equal(await repo.consumeProposal("p-ok", T + 60_000), false, "at the expiry");
      const results = await Promise.all(Array.from({ length: 5 }, () => repo.consumeProposal("p-ok", T + 3)));
      assert.deepEqual(
        results.filter((x) => x),
        [true],
      );
      assert.equal(await repo.consumeProposal("p-ok", T + 4), false, "used");
      assert.equal(await repo.consumeProposal("p-missing", T + 4), false);
    });

    test("0014 counts secret.read approvals applied before it as used, and nothing else", async () => {
      const ts = await openTestStore(target, { migrate: false });
      stores.push(ts);
      const { db } = ts.store;
      const ctx = migrationContext(ts.store.dialect);
      const at = migrations.findIndex(([name]) => name === "0014_access_proposal_consumed");
      assert.ok(at > 0);
      for (const [, m] of migrations.slice(0, at)) await m.up(db as never, ctx);
      const row = (p: Proposal, appliedAt: number | null) => ({
        id: p.id,
        kind: p.kind,
        payload: JSON.stringify(p.payload),
        action: p.action,
        summary: p.summary,
        requested_by: p.requestedBy,
        requested_by_name: p.requestedByName,
        reason: null,
        status: appliedAt === null ? "pending" : "approved",
        created_at: T,
        expires_at: T + 60_000,
        decided_by: null,
        decided_by_name: null,
        decided_at: null,
        decision_note: null,
        applied_at: appliedAt,
        result: null,
        failure: null,
      });
      await db
        .insertInto("access_proposals")
        .values([
          row(proposal("old-read"), T + 2),
          row(proposal("old-pending"), null),
          row(proposal("old-roles", "user.set_roles"), T + 2),
        ] as never)
        .execute();
      await migrations[at]?.[1].up(db as never, ctx);
      const got = await db
        .selectFrom("access_proposals")
        .select(["id", "consumed_at"])
        .orderBy("id")
        .execute();
      assert.deepEqual(
        got.map((r) => [r.id, r.consumed_at === null ? null : Number(r.consumed_at)]),
        [
          ["old-pending", null],
          ["old-read", T + 2],
          ["old-roles", null],
        ],
      );
      const repo = new AccessRepository(ts.store);
      assert.equal(await repo.consumeProposal("old-read", T + 3), false);
    });
  });
}
