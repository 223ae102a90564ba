// `rampart authz`, `rampart access` and `rampart approval` on a temp data directory: check exit
// codes (0 allow, 1 deny), the matrix covers route and control-API actions, sod-check exits 1 on a
// violation, review --attest and --history, and a proposal refused to its requester but approved
// (and applied) by another administrator.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Command } from "commander";
import { createApp } from "../../app.js";
import { loadConfig } from "../../config/index.js";
import { PasswordHasher } from "../../crypto/index.js";
import { isRampartError } from "../../kernel/index.js";
import { IdentityRepository } from "../../store/index.js";
import type { CliContext } from "../context.js";
import { registerAccessCommands } from "./access.js";
import { registerApprovalCommands } from "./approval.js";
import { registerAuthzCommands } from "./authz.js";

const KEY = "22".repeat(32);
const PASSWORD = "Kestrel-Harbour-93-plume";

test("authz, access and approval commands", async () => {
  const dir = await mkdtemp(join(tmpdir(), "rampart-access-cli-"));
  const config = loadConfig({ fileName: "rampart.yaml", text: undefined, env: {} });
  const lines: string[] = [];
  let exitCode = 0;
  const hasher = new PasswordHasher({ params: { memoryKiB: 1024, iterations: 1, parallelism: 1 } });
  const ctx = {
    env: {},
    out: (t: string) => lines.push(t),
    err: (t: string) => lines.push(t),
    dataDir: () => dir,
    config: () => config,
    openApp: (d: string, o: { withoutKeys?: boolean } = {}) =>
      createApp({ dataDir: d, config, masterKeyEnv: KEY, hasher, ...o }),
    actor: () => "local:auditor",
    readStdin: async () => "",
    setExitCode: (c: number) => {
      exitCode = c;
    },
  } as unknown as CliContext;
  const run = async (...args: string[]): Promise<{ out: string; code: number | string }> => {
    lines.length = 0;
    exitCode = 0;
    const p = new Command("rampart").exitOverride();
    registerAuthzCommands(p, ctx);
    registerAccessCommands(p, ctx);
    registerApprovalCommands(p, ctx);
    try {
      await p.parseAsync(args, { from: "user" });
    } catch (e) {
      if (isRampartError(e)) return { out: `${e.code}: ${e.message}`, code: e.code };
      throw e;
    }
    return { out: lines.join("\n"), code: exitCode };
  };
  try {
    const app = await ctx.openApp(dir);
    try {
      for (const [username, roles] of [
        ["adele", ["system_administrator"]],
        ["abe", ["system_administrator"]],
        ["tina", ["trader"]],
        ["bob", ["read_only_analyst"]],
      ] as const)
        await app.identity().createUser({ username, roles, password: PASSWORD }, { via: "cli" });
    } finally {
      await app.close();
    }

    const allow = await run("authz", "check", "--role", "trader", "trading:place_orders");
    assert.equal(allow.code, 0);
    assert.equal(allow.out, "allow trading:place_orders: role trader, permission trading:place_orders");
    const deny = await run("authz", "check", "--role", "risk_manager", "trading:place_orders");
    assert.equal(deny.code, 1);
    assert.match(deny.out, /^deny trading:place_orders: role risk_manager, restriction trading:place_orders/);
    assert.equal((await run("authz", "check", "--user", "tina", "config:modify")).code, 1);
    assert.equal((await run("authz", "check", "trading:x")).code, "ERR_USAGE");

    const matrix = JSON.parse((await run("authz", "matrix", "--json")).out) as { actions: string[] };
    for (const a of [
      "trading:modify_roll_state",
      "reports:view_pnl",
      "approvals:approve",
      "system:authz_check",
    ])
      assert.ok(matrix.actions.includes(a), a);
    assert.match((await run("authz", "matrix")).out, /^\| action \| system_administrator \| trader \|/);

    const clean = await run("access", "sod-check");
    assert.equal(clean.code, 0);
    assert.match(clean.out, /no segregation-of-duties violations/);

    // The four-eyes path: a proposal refused to its requester, approved by another administrator.
    const proposed = await run(
      "approval",
      "propose",
      "user.set_roles",
      "--as",
      "adele",
      "--payload",
      '{"username":"bob","roles":["risk_manager"]}',
      "--json",
    );
    const id = (JSON.parse(proposed.out) as { id: string }).id;
    assert.equal((await run("approval", "approve", id, "--as", "adele")).code, "ERR_ACCESS_SELF_APPROVAL");
    assert.equal((await run("approval", "approve", id, "--as", "tina")).code, "ERR_ACCESS_DENIED");
    assert.match(
      (await run("approval", "approve", id, "--as", "abe")).out,
      /approved: set roles of bob to risk_manager/,
    );
    assert.match((await run("approval", "list")).out, /approved\s+\S+\s+adele\s+set roles of bob/);
    assert.equal((await run("approval", "approve", id)).code, "ERR_USAGE");

    // A conflicting set written to the store directly (past every check) is reported.
    const app2 = await ctx.openApp(dir);
    try {
      const tina = await app2.identity().getUser("tina");
      await new IdentityRepository(app2.store).updateUser(tina.id, {
        roles: ["risk_manager", "trader"],
        updatedAt: Date.now(),
      });
    } finally {
      await app2.close();
    }
    const dirty = await run("access", "sod-check");
    assert.equal(dirty.code, 1);
    assert.match(dirty.out, /user tina: holds trader and risk_manager \(segregation_of_duties\[0\]\)/);

    const review = await run("access", "review", "--attest", "Q1 access review");
    assert.match(review.out, /tina\s+risk_manager,trader\s+active\s+none\s+-\s+0\s+trader\+risk_manager/);
    assert.match(review.out, /attested by local:auditor/);
    const hash = /listing sha256: ([0-9a-f]{64})/.exec(review.out)?.[1];
    assert.ok(hash);
    const history = await run("access", "review", "--history");
    assert.match(history.out, new RegExp(`local:auditor\\s+4\\s+${hash}\\s+Q1 access review`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
