// Explanations, the role × action matrix and its renderings, and the 403 a denial becomes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../config/index.js";
import {
  accessDenied,
  buildMatrix,
  compilePolicy,
  compileRouteMap,
  explainDecision,
  renderMatrixJson,
  renderMatrixMarkdown,
} from "./index.js";

const config = loadConfig({ fileName: "rampart.yaml", text: undefined });
const policy = compilePolicy(config.roles);

test("one line per decision, naming the role and the rule", () => {
  const line = (roles: string[], action: string): string => explainDecision(policy.check(roles, action));
  assert.equal(
    line(["trader"], "trading:place_orders"),
    "allow: role trader, permission trading:place_orders",
  );
  assert.equal(
    line(["risk_manager"], "trading:place_orders"),
    "deny: role risk_manager, restriction trading:place_orders",
  );
  assert.equal(
    line(["read_only_analyst"], "config:modify"),
    "deny: role read_only_analyst, restriction config:*",
  );
  assert.equal(line(["trader"], "config:view"), "deny: role trader, no permission matches");
  assert.equal(line(["ghost"], "config:view"), "deny: unknown role ghost");
  assert.equal(line([], "config:view"), "deny: no roles");
  assert.equal(line(["trader"], "config"), "deny: malformed action name");
  assert.equal(
    explainDecision(policy.check(["system_administrator"], "config:modify"), "config:modify"),
    "allow config:modify: role system_administrator, permission config:*",
  );
  assert.equal(
    explainDecision(policy.check(["trader"], "x\ny"), "x\ny"),
    'deny "x\\ny": malformed action name',
    "a client's action cannot forge a log line",
  );
});

test("the matrix covers every role and every route action, in order", () => {
  const actions = compileRouteMap(config.routes).actions;
  const m = buildMatrix(policy, actions);
  assert.deepEqual(m.roles, ["system_administrator", "trader", "risk_manager", "read_only_analyst"]);
  assert.deepEqual(m.actions, actions);
  assert.equal(m.cells.length, actions.length);
  const a = actions.indexOf("trading:modify_roll_state");
  assert.deepEqual(
    m.cells[a]?.map((d) => d.allowed),
    [false, true, false, false],
  );
  assert.equal(m.cells[a]?.[3]?.reason, "restriction");
});

test("Markdown: a header row, one row per action, the rule shown in each cell", () => {
  const md = renderMatrixMarkdown(buildMatrix(policy, ["config:modify", "data:read_prices"]));
  assert.equal(
    md,
    [
      "| action | system_administrator | trader | risk_manager | read_only_analyst |",
      "|---|---|---|---|---|",
      "| `config:modify` | allow (`config:*`) | deny (restriction `config:modify`) | deny | deny (restriction `config:*`) |",
      "| `data:read_prices` | allow (`data:*`) | allow (`data:read_prices`) | deny | allow (`data:read_prices`) |",
      "",
    ].join("\n"),
  );
});

test("JSON: roles, actions and one decision per role for each action", () => {
  const json = JSON.parse(renderMatrixJson(buildMatrix(policy, ["trading:place_orders"])));
  assert.deepEqual(json.roles, ["system_administrator", "trader", "risk_manager", "read_only_analyst"]);
  assert.deepEqual(json.rows[0].decisions[2], {
    role: "risk_manager",
    allowed: false,
    reason: "restriction",
    matched: "trading:place_orders",
  });
  assert.deepEqual(json.rows[0].decisions[0], {
    role: "system_administrator",
    allowed: false,
    reason: "no_permission",
    matched: null,
  });
});

test("a denial is a 403 naming the action only; the rule goes to the log detail", () => {
  const e = accessDenied("trading:place_orders", policy.check(["risk_manager"], "trading:place_orders"));
  assert.equal(e.code, "ERR_ACCESS_DENIED");
  assert.equal(e.status, 403);
  assert.deepEqual(e.expose, { action: "trading:place_orders" });
  assert.doesNotMatch(e.message, /risk_manager|restriction/);
  assert.equal(e.detail, "deny trading:place_orders: role risk_manager, restriction trading:place_orders");
});
