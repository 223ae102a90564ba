// The seed's role table, cell by cell, through the compiled policy; several roles, unknown roles,
// path wildcards for the vault's per-secret actions, immutability and atomic replacement.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../config/index.js";
import { compilePolicy, type Decision, isValidAction, LivePolicy } from "./index.js";

const config = loadConfig({ fileName: "rampart.yaml", text: undefined });
const policy = compilePolicy(config.roles);
const ROLES = ["system_administrator", "trader", "risk_manager", "read_only_analyst"] as const;

/** "A:pattern" = allowed by that permission, "R:pattern" = denied by that restriction, "-" = no permission. */
const TABLE: Record<string, readonly [string, string, string, string]> = {
  "trading:place_orders": ["-", "A:trading:place_orders", "R:trading:place_orders", "R:trading:*"],
  "trading:cancel_orders": ["-", "A:trading:cancel_orders", "-", "R:trading:*"],
  "trading:modify_roll_state": ["-", "A:trading:modify_roll_state", "-", "R:trading:*"],
  "trading:override_limits": ["-", "-", "A:trading:override_limits", "R:trading:*"],
  "trading:emergency_stop": ["-", "-", "A:trading:emergency_stop", "R:trading:*"],
  "trading:anything": ["-", "-", "-", "R:trading:*"],
  "data:read_prices": ["A:data:*", "A:data:read_prices", "-", "A:data:read_prices"],
  "data:read_positions": ["A:data:*", "A:data:read_positions", "A:data:read_positions", "-"],
  "data:read_all": ["A:data:*", "-", "A:data:read_all", "-"],
  "data:export": ["A:data:*", "-", "-", "-"],
  "reports:view_pnl": ["-", "A:reports:view_pnl", "A:reports:view_pnl", "-"],
  "reports:view_standard": [
    "-",
    "A:reports:view_standard",
    "A:reports:view_standard",
    "A:reports:view_standard",
  ],
  "reports:generate_all": ["-", "-", "A:reports:generate_all", "-"],
  "config:modify": ["A:config:*", "R:config:modify", "-", "R:config:*"],
  "config:view": ["A:config:*", "-", "-", "R:config:*"],
  "system:restart": ["A:system:*", "R:system:restart", "-", "-"],
  "system:view_processes": ["A:system:*", "-", "-", "-"],
  "secrets:read:broker/ib": ["-", "-", "-", "-"],
};

function expected(role: string, cell: string): Decision {
  if (cell === "-") return { allowed: false, role, matched: null, reason: "no_permission" };
  const matched = cell.slice(2);
  return cell.startsWith("A:")
    ? { allowed: true, role, matched, reason: "permission" }
    : { allowed: false, role, matched, reason: "restriction" };
}

test("every cell of the seed's role table", () => {
  for (const [action, row] of Object.entries(TABLE)) {
    ROLES.forEach((role, i) => {
      assert.deepEqual(policy.check([role], action), expected(role, row[i] as string), `${role} × ${action}`);
    });
  }
});

test("every route action of the pysystemtrade profile is in the table", () => {
  for (const r of config.routes) assert.ok(r.action in TABLE, r.action);
});

test("the seed's headline cells", () => {
  assert.equal(policy.check(["risk_manager"], "trading:place_orders").reason, "restriction");
  assert.equal(policy.check(["read_only_analyst"], "trading:anything").allowed, false);
  assert.equal(policy.check(["read_only_analyst"], "config:modify").allowed, false);
  assert.equal(policy.check(["system_administrator"], "config:modify").allowed, true);
  assert.equal(policy.check(["system_administrator"], "system:restart").allowed, true);
  assert.equal(policy.check(["trader"], "config:modify").allowed, false);
  assert.equal(policy.check(["trader"], "system:restart").allowed, false);
  assert.equal(policy.check(["trader"], "trading:place_orders").allowed, true);
});

test("unknown roles, no roles and malformed actions are denied", () => {
  assert.deepEqual(policy.check([], "data:read_prices"), {
    allowed: false,
    role: null,
    matched: null,
    reason: "no_roles",
  });
  for (const ghost of ["ghost", "Trader", "__proto__", "constructor", "toString", "", "trader "]) {
    assert.deepEqual(policy.check([ghost], "data:read_prices"), {
      allowed: false,
      role: ghost,
      matched: null,
      reason: "unknown_role",
    });
  }
  for (const bad of [
    "",
    "*",
    "data:*",
    "data",
    "data:",
    ":read",
    "Data:read_prices",
    "data:read_prices:",
    "data:x:../y",
    "data:x:a//b",
    `data:${"x".repeat(300)}`,
  ]) {
    assert.equal(isValidAction(bad), false, bad);
    assert.equal(policy.check(["system_administrator"], bad).reason, "invalid_action", bad);
    assert.equal(policy.check(["ghost"], bad).reason, "invalid_action", bad);
  }
});

test("several roles: allowed when one allows; otherwise the most informative deny", () => {
  assert.deepEqual(
    policy.check(["read_only_analyst", "trader"], "trading:place_orders"),
    expected("trader", "A:trading:place_orders"),
  );
  assert.deepEqual(
    policy.check(["ghost", "risk_manager", "read_only_analyst"], "trading:place_orders"),
    expected("risk_manager", "R:trading:place_orders"),
  );
  assert.deepEqual(
    policy.check(["system_administrator", "read_only_analyst"], "trading:cancel_orders"),
    expected("read_only_analyst", "R:trading:*"),
  );
  assert.deepEqual(policy.check(["ghost", "trader", "risk_manager"], "config:view"), expected("trader", "-"));
  assert.equal(policy.check(["ghost", "phantom"], "config:view").role, "ghost");
  // A restriction of one role does not cancel another role's permission (the seed: any role allows).
  assert.deepEqual(
    policy.check(["read_only_analyst", "system_administrator"], "config:modify"),
    expected("system_administrator", "A:config:*"),
  );
});

test("path wildcards: per-secret actions for the vault, the most specific rule reported", () => {
  const p = compilePolicy({
    broker_ops: { permissions: ["secrets:read:broker/*"], restrictions: ["secrets:read:broker/prod/*"] },
    secrets_admin: { permissions: ["secrets:*"], restrictions: ["secrets:read:broker/ib"] },
    layered: {
      permissions: ["*", "secrets:*", "secrets:read:*", "secrets:read:broker/*", "secrets:read:broker/ib"],
      restrictions: [],
    },
  });
  const m = (role: string, action: string): string | null => {
    const d = p.check([role], action);
    return `${d.allowed ? "A" : "D"}:${d.matched ?? d.reason}`;
  };
  assert.equal(m("broker_ops", "secrets:read:broker/ib"), "A:secrets:read:broker/*");
  assert.equal(m("broker_ops", "secrets:read:broker/prod/key"), "D:secrets:read:broker/prod/*");
  assert.equal(m("broker_ops", "secrets:read:broker"), "D:no_permission");
  assert.equal(m("broker_ops", "secrets:read"), "D:no_permission");
  assert.equal(m("broker_ops", "secrets:write:broker/ib"), "D:no_permission");
  assert.equal(m("secrets_admin", "secrets:read:broker/ib"), "D:secrets:read:broker/ib");
  assert.equal(m("secrets_admin", "secrets:read:broker/ibx"), "A:secrets:*");
  assert.equal(m("secrets_admin", "secrets:rotate"), "A:secrets:*");
  assert.equal(m("layered", "secrets:read:broker/ib"), "A:secrets:read:broker/ib");
  assert.equal(m("layered", "secrets:read:broker/x"), "A:secrets:read:broker/*");
  assert.equal(m("layered", "secrets:read:other"), "A:secrets:read:*");
  assert.equal(m("layered", "secrets:read"), "A:secrets:*");
  assert.equal(m("layered", "trading:place_orders"), "A:*");
});

test("the policy and its decisions are immutable; memoised answers stay right past the memo's bound", () => {
  assert.ok(Object.isFrozen(policy) && Object.isFrozen(policy.roleNames));
  assert.ok(Object.isFrozen(policy.check(["trader"], "trading:place_orders")));
  assert.deepEqual(policy.roleNames, ROLES);
  for (let i = 0; i < 10_000; i++) {
    const d = policy.check(["system_administrator"], `data:v${i}`);
    assert.equal(d.matched, "data:*");
  }
  assert.equal(policy.check(["system_administrator"], "data:v1").matched, "data:*");
  assert.equal(policy.check(["system_administrator"], "trading:v1").allowed, false);
});

test("a malformed pattern fails compilation with its path", () => {
  assert.throws(
    () =>
      compilePolicy({
        ops: { permissions: ["data:read", "data:re*d", "secrets:read:a//*"], restrictions: ["trading"] },
      }),
    (e: unknown) => {
      assert.ok(e instanceof Error && "code" in e);
      assert.equal(e.code, "ERR_ACCESS_POLICY_INVALID");
      assert.match(e.message, /roles\.ops\.restrictions\[0\]: malformed pattern "trading"/);
      assert.match(e.message, /roles\.ops\.permissions\[1\]: malformed pattern "data:re\*d"/);
      assert.match(e.message, /roles\.ops\.permissions\[2\]/);
      return true;
    },
  );
});

test("LivePolicy swaps a fully compiled policy by reference; an invalid one leaves the old in force", () => {
  const live = new LivePolicy({ roles: config.roles });
  const before = live.current;
  assert.equal(live.check(["trader"], "trading:place_orders").allowed, true);
  assert.throws(
    () => live.replace({ roles: { trader: { permissions: [], restrictions: [] } } }),
    /at least one/,
  );
  assert.equal(live.current, before);
  assert.equal(live.generation, 1);
  const next = live.replace({ roles: { trader: { permissions: ["data:*"], restrictions: [] } } });
  assert.notEqual(next, before);
  assert.equal(live.generation, 2);
  assert.equal(live.check(["trader"], "trading:place_orders").allowed, false);
  assert.equal(
    before.check(["trader"], "trading:place_orders").allowed,
    true,
    "a held policy keeps answering as before",
  );
});
