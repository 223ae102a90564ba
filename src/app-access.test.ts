// Approved role definitions (`role.define`) through the composition root, on SQLite and (with
// RAMPART_TEST_DATABASE_URL) PostgreSQL; with RAMPART_TEST_REDIS_URL the instances share Redis.
// The live policy is always config + every stored definition: after a restart a new approval keeps
// the earlier ones, concurrent approvals all end up in force, and another instance over the same
// database follows an approval made elsewhere.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ApprovalActor } from "./access/index.js";
import type { App } from "./app.js";
import { openTestApps, type TestApps } from "./app-testing.js";
import { until } from "./kernel/testing.js";
import { databaseTargets } from "./store/index.js";

const actor = (id: string): ApprovalActor => ({ id, name: id, roles: ["system_administrator"], via: "test" });
const proposer = actor("u-admin-1");
const approver = actor("u-admin-2");
const redisUrl = process.env["RAMPART_TEST_REDIS_URL"] || undefined;

/** Proposes `role.define` as one administrator and approves it as another. */
async function define(
  app: App,
  role: string,
  permissions: readonly string[],
  restrictions: readonly string[],
): Promise<void> {
  const { approvals } = app.access();
  const p = await approvals.propose(proposer, {
    kind: "role.define",
    payload: { role, permissions, restrictions },
  });
  const done = await approvals.approve(approver, p.id);
  assert.equal(done.status, "approved", done.failure ?? "");
}

const allowed = (app: App, role: string, action: string): boolean => app.policy.check([role], action).allowed;

for (const target of databaseTargets(process.env)) {
  describe(`approved role definitions through the app (${target.dialect}${redisUrl ? ", redis" : ""})`, {
    skip: target.skip,
  }, () => {
    let apps: TestApps;
    let app: App;
    const open = () => apps.open();

    before(async () => {
      apps = await openTestApps(target, { redisUrl });
      app = await open();
    });
    after(() => apps.dispose());

    test("after a restart, approving a second definition keeps the first in force", async () => {
      // The first: traders may no longer change roll states.
      assert.equal(allowed(app, "trader", "trading:modify_roll_state"), true);
      await define(
        app,
        "trader",
        ["trading:place_orders", "trading:cancel_orders", "data:read_prices", "reports:view_pnl"],
        ["config:modify", "system:restart", "trading:modify_roll_state"],
      );
      assert.equal(allowed(app, "trader", "trading:modify_roll_state"), false);

      await app.close();
      app = await open();
      assert.equal(allowed(app, "trader", "trading:modify_roll_state"), false, "in force after the restart");

      // The second, on another role.
      assert.equal(allowed(app, "read_only_analyst", "reports:view_pnl"), false);
      await define(
        app,
        "read_only_analyst",
        ["data:read_prices", "reports:view_pnl"],
        ["trading:*", "config:*"],
      );
      assert.equal(allowed(app, "read_only_analyst", "reports:view_pnl"), true);
      assert.equal(allowed(app, "trader", "trading:modify_roll_state"), false, "the first is still in force");
    });

    test("concurrent approvals of different roles all end up in the live policy", async () => {
      const { approvals } = app.access();
      const changes = [
        {
          role: "risk_manager",
          permissions: ["reports:view_pnl", "data:read_all"],
          restrictions: ["trading:*"],
        },
        {
          role: "read_only_analyst",
          permissions: ["data:read_prices", "audit:read"],
          restrictions: ["config:*"],
        },
        { role: "trader", permissions: ["trading:place_orders", "system:view_processes"], restrictions: [] },
      ];
      const proposals = [];
      for (const payload of changes)
        proposals.push(await approvals.propose(proposer, { kind: "role.define", payload }));
      const done = await Promise.all(proposals.map((p) => approvals.approve(approver, p.id)));
      assert.deepEqual(
        done.map((p) => p.status),
        ["approved", "approved", "approved"],
      );
      assert.equal(allowed(app, "risk_manager", "trading:emergency_stop"), false, "risk_manager's change");
      assert.equal(allowed(app, "read_only_analyst", "audit:read"), true, "read_only_analyst's change");
      assert.equal(allowed(app, "trader", "system:view_processes"), true, "trader's change");
      assert.equal(allowed(app, "trader", "reports:view_pnl"), false, "trader's change");
    });

    test("another instance over the same database enforces a newly approved definition", async () => {
      const other = await open();
      assert.equal(allowed(other, "read_only_analyst", "data:read_positions"), false);
      await define(app, "read_only_analyst", ["data:read_prices", "data:read_positions"], ["trading:*"]);
      assert.equal(allowed(app, "read_only_analyst", "data:read_positions"), true);
      await until(() => allowed(other, "read_only_analyst", "data:read_positions"), 10_000);
      // And the other way round.
      await define(other, "read_only_analyst", ["data:read_prices"], ["trading:*", "data:read_positions"]);
      await until(() => !allowed(app, "read_only_analyst", "data:read_positions"), 10_000);
      assert.equal(allowed(app, "read_only_analyst", "data:read_prices"), true);
    });
  });
}
