// Migration 0013 on an existing database (SQLite and, with RAMPART_TEST_DATABASE_URL, PostgreSQL):
// the versions of a secret that needs approval are marked as needing it, the versions of other
// secrets are not, and the repository reads the per-version flag back.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { databaseTargets, openTestStore, type TestStore, VaultRepository } from "../index.js";
import { migrationContext, migrations } from "../migrations/index.js";

for (const target of databaseTargets(process.env)) {
  describe(`0013_vault_version_approval on ${target.dialect}`, { skip: target.skip }, () => {
    const stores: TestStore[] = [];
    after(async () => {
      for (const s of stores) await s.dispose();
    });

    test("existing versions inherit their secret's approval flag", async () => {
      const ts = await openTestStore(target, { migrate: false });
      stores.push(ts);
      const { db } = ts.store;
      const ctx = migrationContext(ts.store.dialect);
      const last = migrations.findIndex(([name]) => name === "0013_vault_version_approval");
      assert.ok(last > 0);
      for (const [, m] of migrations.slice(0, last)) await m.up(db as never, ctx);
      for (const [path, gated] of [
        ["broker/ib", 1],
        ["email/smtp", 0],
      ] as const) {
        await db
          .insertInto("vault_secrets")
          .values({ path, current_version: 2, approval_required: gated, created_at: 1, updated_at: 1 })
          .execute();
        for (const version of [1, 2])
          await db
            .insertInto("vault_secret_versions")
            .values({ path, version, created_at: 1, created_by: "local:ops", destroyed_at: null })
            .execute();
      }
      await migrations[last]?.[1].up(db as never, ctx);
      const repo = new VaultRepository(ts.store);
      assert.deepEqual(
        (await repo.listVersions("broker/ib")).map((v) => v.approvalRequired),
        [true, true],
      );
      assert.deepEqual(
        (await repo.listVersions("email/smtp")).map((v) => v.approvalRequired),
        [false, false],
      );
    });
  });
}
