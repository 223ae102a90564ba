// Whole-policy validation: every problem reported at once, each with its path.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../config/index.js";
import { findPolicyProblems, validatePolicy } from "./index.js";

test("the defaults are a sound policy", () => {
  const config = loadConfig({ fileName: "rampart.yaml", text: undefined });
  assert.deepEqual(findPolicyProblems(config), []);
  validatePolicy({ ...config, references: [{ where: "users.alice.roles[0]", role: "trader" }] });
});

test("malformed patterns, empty roles, bad names, duplicates, unknown references and bad route actions", () => {
  const problems = findPolicyProblems({
    roles: {
      ops: { permissions: ["data:*", "data:*", "data:re*d", "secrets:read:"], restrictions: ["*:*"] },
      empty: { permissions: [], restrictions: [] },
      "Bad-Name": { permissions: ["*"], restrictions: [] },
    },
    routes: [{ action: "reports:view" }, { action: "reports" }],
    references: [
      { where: "users.alice.roles[1]", role: "ops" },
      { where: "users.bob.roles[0]", role: "trader" },
      { where: "segregation_of_duties[0][1]", role: "__proto__" },
    ],
  });
  assert.deepEqual(problems, [
    'roles.ops.permissions[1]: duplicate pattern "data:*"',
    'roles.ops.permissions[2]: malformed pattern "data:re*d" (expected domain:verb, domain:*, *, or domain:verb:path/*)',
    'roles.ops.permissions[3]: malformed pattern "secrets:read:" (expected domain:verb, domain:*, *, or domain:verb:path/*)',
    'roles.ops.restrictions[0]: malformed pattern "*:*" (expected domain:verb, domain:*, *, or domain:verb:path/*)',
    "roles.empty: a role needs at least one permission or restriction",
    "roles.Bad-Name: a role name is [a-z][a-z0-9_]* (at most 64 characters)",
    'routes[1].action: malformed action "reports" (expected domain:verb)',
    'users.bob.roles[0]: unknown role "trader"',
    'segregation_of_duties[0][1]: unknown role "__proto__"',
  ]);
});

test("validatePolicy throws ERR_ACCESS_POLICY_INVALID with every problem in the message", () => {
  assert.throws(
    () =>
      validatePolicy({
        roles: { empty: { permissions: [], restrictions: [] } },
        references: [{ where: "users.x.roles[0]", role: "ghost" }],
      }),
    (e: unknown) => {
      assert.ok(e instanceof Error && "code" in e && e.code === "ERR_ACCESS_POLICY_INVALID");
      assert.equal(
        e.message,
        'invalid role policy (2 problems): roles.empty: a role needs at least one permission or restriction; users.x.roles[0]: unknown role "ghost"',
      );
      return true;
    },
  );
});
