// Four-eyes approvals over the real repository, on SQLite and (with RAMPART_TEST_DATABASE_URL)
// PostgreSQL: a requester cannot approve their own proposal (a risk-scored security event); an
// expired proposal cannot be approved; an approved one applies exactly once, even when two
// approvers race; approvers need `approvals:approve` and the change's own action.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { loadConfig } from "../config/index.js";
import { RecordingAudit } from "../identity/testing.js";
import { ManualClock, silentLogger } from "../kernel/index.js";
import { AccessRepository, databaseTargets, openTestStore, type TestStore } from "../store/index.js";
import {
  type ApprovalActor,
  ApprovalService,
  applyStoredRoleDefinitions,
  LivePolicy,
  RoleDefinitionSync,
  roleDefinitionApprover,
  userRolesApprover,
} from "./index.js";

const config = loadConfig({ fileName: "rampart.yaml", text: undefined, env: {} });
const TTL_MS = 24 * 3600_000;

const actor = (id: string, roles: string[]): ApprovalActor => ({ id, name: id, roles, via: "test" });
const admin1 = actor("u-admin-1", ["system_administrator"]);
const admin2 = actor("u-admin-2", ["system_administrator"]);
const admin3 = actor("u-admin-3", ["system_administrator"]);
const risk1 = actor("u-risk-1", ["risk_manager"]);
const trader = actor("u-trader", ["trader"]);

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

for (const target of databaseTargets(process.env)) {
  describe(`approvals (${target.dialect})`, { skip: target.skip }, () => {
    let ts: TestStore;
    let repo: AccessRepository;
    let clock: ManualClock;
    let audit: RecordingAudit;
    let policy: LivePolicy;
    let service: ApprovalService;
    let applied: { username: string; roles: readonly string[] }[];
    let failNext = false;

    before(async () => {
      ts = await openTestStore(target);
      repo = new AccessRepository(ts.store);
      clock = new ManualClock();
      audit = new RecordingAudit();
      policy = new LivePolicy({ roles: config.roles });
      applied = [];
      service = new ApprovalService({
        store: repo,
        policy,
        audit,
        clock,
        settings: { ttlMs: TTL_MS, requiredFor: ["user.set_roles"] },
      });
      service.registerApprover(
        "user.set_roles",
        userRolesApprover({
          hasRole: (r) => policy.current.hasRole(r),
          sodRules: config.segregation_of_duties,
          async setUserRoles(username, roles) {
            // A slow applier widens the window in which a second approval could slip through.
            await new Promise((r) => setTimeout(r, 20));
            if (failNext) {
              failNext = false;
              throw Object.assign(new Error("boom"), { code: "ERR_TEST" });
            }
            applied.push({ username, roles });
            return { username, roles };
          },
        }),
      );
      const roleDefinitions = new RoleDefinitionSync({
        configured: config.roles,
        store: repo,
        policy,
        inForce: config.roles,
        bus: { publish: async () => {}, subscribe: async () => async () => {} },
        logger: silentLogger,
      });
      service.registerApprover(
        "role.define",
        roleDefinitionApprover({
          current: () => roleDefinitions.roles,
          store: repo,
          clock,
          change: (write) => roleDefinitions.change(write),
        }),
      );
    });
    after(async () => ts?.dispose());

    const propose = (who: ApprovalActor, username: string, roles: string[]) =>
      service.propose(who, { kind: "user.set_roles", payload: { username, roles }, reason: "rota change" });

    test("a proposal states the exact change and is pending until someone else decides", async () => {
      const p = await propose(admin1, "bob", ["trader", "read_only_analyst", "trader"]);
      assert.equal(p.status, "pending");
      assert.deepEqual(p.payload, { username: "bob", roles: ["read_only_analyst", "trader"] });
      assert.equal(p.action, "users:set_roles");
      assert.equal(p.summary, "set roles of bob to read_only_analyst, trader");
      assert.equal(p.expiresAt - p.createdAt, TTL_MS);
      assert.equal((await service.get(p.id)).status, "pending");
      assert.ok(audit.actions().includes("approval.proposed"));
    });

    test("the requester cannot approve their own proposal: refused, audited as a security event, still pending", async () => {
      const p = await propose(admin1, "carol", ["read_only_analyst"]);
      const before = audit.events.length;
      await assert.rejects(service.approve(admin1, p.id), code("ERR_ACCESS_SELF_APPROVAL"));
      const ev = audit.events.slice(before).find((e) => e.action === "approval.self_approval");
      assert.ok(ev, "self-approval event recorded");
      assert.equal(ev.outcome, "denied");
      assert.equal(ev.user_id, admin1.id);
      assert.ok((ev.risk_score ?? 0) >= 50);
      assert.equal((await service.get(p.id)).status, "pending");
      assert.equal(applied.filter((a) => a.username === "carol").length, 0);
      // Another administrator can.
      const done = await service.approve(admin2, p.id, "checked with the desk");
      assert.equal(done.status, "approved");
      assert.ok(done.appliedAt !== null);
      assert.equal(done.decidedBy, admin2.id);
      assert.deepEqual(applied.at(-1), { username: "carol", roles: ["read_only_analyst"] });
    });

    test("an expired proposal cannot be approved", async () => {
      const p = await propose(admin1, "dave", ["read_only_analyst"]);
      clock.advance(TTL_MS);
      await assert.rejects(service.approve(admin2, p.id), code("ERR_ACCESS_PROPOSAL_EXPIRED"));
      assert.equal((await service.get(p.id)).status, "expired");
      assert.equal((await repo.findProposal(p.id))?.status, "expired");
      assert.ok(audit.actions().includes("approval.expired"));
      assert.equal(applied.filter((a) => a.username === "dave").length, 0);
      await assert.rejects(service.approve(admin3, p.id), code("ERR_ACCESS_PROPOSAL_EXPIRED"));
    });

    test("an approved proposal applies once: of two concurrent approvals one applies, the other is refused", async () => {
      const p = await propose(admin1, "erin", ["read_only_analyst"]);
      const results = await Promise.allSettled([
        service.approve(admin2, p.id),
        service.approve(admin3, p.id),
      ]);
      const ok = results.filter((r) => r.status === "fulfilled");
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      assert.equal(ok.length, 1);
      assert.equal(refused.length, 1);
      assert.equal(
        (refused[0]?.reason as { code?: string } | undefined)?.code,
        "ERR_ACCESS_PROPOSAL_NOT_PENDING",
      );
      assert.equal(applied.filter((a) => a.username === "erin").length, 1);
      // And again, later: still once.
      await assert.rejects(service.approve(admin2, p.id), code("ERR_ACCESS_PROPOSAL_NOT_PENDING"));
      assert.equal(applied.filter((a) => a.username === "erin").length, 1);
      assert.equal(audit.actions().filter((a) => a === "approval.applied").length >= 1, true);
    });

    test("ten racing approvals of one proposal: exactly one decision wins", async () => {
      const p = await propose(admin1, "frank", ["read_only_analyst"]);
      const approvers = Array.from({ length: 10 }, (_, i) =>
        actor(`u-admin-x${i}`, ["system_administrator"]),
      );
      const results = await Promise.allSettled(approvers.map((a) => service.approve(a, p.id)));
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      assert.equal(applied.filter((a) => a.username === "frank").length, 1);
    });

    test("approvers need approvals:approve and the change's own action; proposers need the action", async () => {
      const p = await propose(admin1, "gina", ["read_only_analyst"]);
      // risk_manager holds approvals:approve but not users:set_roles.
      await assert.rejects(service.approve(risk1, p.id), code("ERR_ACCESS_DENIED"));
      // trader holds neither.
      await assert.rejects(service.approve(trader, p.id), code("ERR_ACCESS_DENIED"));
      await assert.rejects(propose(trader, "gina", ["trader"]), code("ERR_ACCESS_DENIED"));
      assert.equal((await service.get(p.id)).status, "pending");
      const denied = audit.events.filter((e) => e.action === "approval.approve" && e.outcome === "denied");
      assert.ok(denied.length >= 2);
    });

    test("a conflicting set of roles cannot even be proposed (segregation of duties)", async () => {
      await assert.rejects(propose(admin1, "hank", ["trader", "risk_manager"]), (e: unknown) => {
        const err = e as { code: string; status: number; message: string };
        assert.equal(err.code, "ERR_ACCESS_SOD_CONFLICT");
        assert.equal(err.status, 409);
        assert.match(err.message, /trader and risk_manager/);
        return true;
      });
      await assert.rejects(propose(admin1, "hank", ["wizard"]), code("ERR_ACCESS_PROPOSAL_INVALID"));
      await assert.rejects(
        service.propose(admin1, { kind: "nope.nothing", payload: {} }),
        code("ERR_ACCESS_PROPOSAL_KIND_UNKNOWN"),
      );
    });

    test("rejection by another approver, withdrawal by the requester; neither applies", async () => {
      const a = await propose(admin1, "ivy", ["read_only_analyst"]);
      const r = await service.reject(admin2, a.id, "not now");
      assert.equal(r.status, "rejected");
      assert.equal(r.decisionNote, "not now");
      await assert.rejects(service.approve(admin3, a.id), code("ERR_ACCESS_PROPOSAL_NOT_PENDING"));
      const b = await propose(admin1, "ivy", ["trader"]);
      assert.equal((await service.reject(admin1, b.id)).status, "rejected");
      assert.equal(applied.filter((x) => x.username === "ivy").length, 0);
    });

    test("a failing applier leaves the proposal failed, never retried", async () => {
      const p = await propose(admin1, "jack", ["read_only_analyst"]);
      failNext = true;
      await assert.rejects(service.approve(admin2, p.id));
      const after = await service.get(p.id);
      assert.equal(after.status, "failed");
      assert.match(after.failure ?? "", /could not be applied|ERR_TEST/);
      await assert.rejects(service.approve(admin3, p.id), code("ERR_ACCESS_PROPOSAL_NOT_PENDING"));
      assert.ok(audit.actions().includes("approval.apply_failed"));
    });

    test("role.define: an approved change replaces the policy in force and is stored", async () => {
      assert.equal(policy.check(["read_only_analyst"], "reports:view_pnl").allowed, false);
      const p = await service.propose(admin1, {
        kind: "role.define",
        payload: {
          role: "read_only_analyst",
          permissions: ["data:read_prices", "reports:view_standard", "reports:view_pnl"],
          restrictions: ["trading:*", "config:*"],
        },
      });
      assert.equal(p.action, "config:modify");
      await assert.rejects(
        service.propose(admin1, { kind: "role.define", payload: { role: "ghost", permissions: ["a:b"] } }),
        code("ERR_ACCESS_PROPOSAL_INVALID"),
      );
      await assert.rejects(
        service.propose(admin1, {
          kind: "role.define",
          payload: { role: "trader", permissions: ["not a pattern"] },
        }),
        code("ERR_ACCESS_PROPOSAL_INVALID"),
      );
      await service.approve(admin2, p.id);
      assert.equal(policy.check(["read_only_analyst"], "reports:view_pnl").allowed, true);
      const stored = await repo.listRoleDefinitions();
      assert.deepEqual(
        stored.map((s) => [s.role, s.proposalId]),
        [["read_only_analyst", p.id]],
      );
      const merged = applyStoredRoleDefinitions(config.roles, stored);
      assert.deepEqual(merged["read_only_analyst"]?.permissions, [
        "data:read_prices",
        "reports:view_standard",
        "reports:view_pnl",
      ]);
    });

    test("list shows newest first, filters by status, and marks lapsed proposals expired", async () => {
      const p = await propose(admin1, "kim", ["read_only_analyst"]);
      const pending = await service.list({ status: "pending" });
      assert.ok(pending.some((x) => x.id === p.id));
      clock.advance(TTL_MS + 1);
      const after = await service.list({ status: "pending" });
      assert.ok(!after.some((x) => x.id === p.id));
      assert.equal((await repo.findProposal(p.id))?.status, "expired");
      const all = await service.list();
      assert.ok(all.length >= 10);
      for (let i = 1; i < all.length; i++)
        assert.ok((all[i - 1]?.createdAt ?? 0) >= (all[i]?.createdAt ?? 0), "newest first");
    });

    test("every decision step is an audit event naming the proposal", () => {
      for (const e of audit.events.filter(
        (x) =>
          x.action.startsWith("approval.") && !["approval.expired", "approval.propose"].includes(x.action),
      )) {
        const d = e.details as { proposal_id?: string } | undefined;
        assert.equal(typeof d?.proposal_id, "string", e.action);
      }
    });
  });
}
