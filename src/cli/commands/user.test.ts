// `rampart user …` end to end on a temp data directory: init's admin, add with stdin password,
// provisioned TOTP whose URI yields codes that log in, list, role changes and resets.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Command } from "commander";
import { createApp } from "../../app.js";
import { loadConfig } from "../../config/index.js";
import { base32Decode, totpCodeAt, totpStep } from "../../identity/index.js";
import type { CliContext } from "../context.js";
import { ensureAdminUser, identityService, registerUserCommands } from "./user.js";

const KEY = "11".repeat(32);

async function harness() {
  const dir = await mkdtemp(join(tmpdir(), "rampart-user-cli-"));
  const lines: string[] = [];
  let stdin = "";
  const config = loadConfig({ fileName: "rampart.yaml", text: undefined, env: {} });
  const ctx = {
    env: {},
    out: (t: string) => lines.push(t),
    err: (t: string) => lines.push(t),
    dataDir: () => dir,
    config: () => config,
    openApp: (d: string) => createApp({ dataDir: d, config, masterKeyEnv: KEY }),
    actor: () => "local:test",
    readStdin: async () => stdin,
    setExitCode: () => {},
  } as unknown as CliContext;
  const run = async (args: string[], input = "") => {
    stdin = input;
    lines.length = 0;
    const p = new Command("rampart").exitOverride();
    registerUserCommands(p, ctx);
    await p.parseAsync(args, { from: "user" });
    return lines.join("\n");
  };
  return { dir, ctx, run, dispose: () => rm(dir, { recursive: true, force: true }) };
}

test("user commands: add, mfa-enroll (codes from the URI log in), list, set-roles, disable, mfa-reset; init's admin once", async () => {
  const h = await harness();
  try {
    const app = await h.ctx.openApp(h.dir);
    try {
      assert.equal(await ensureAdminUser(app, h.ctx), true);
      assert.equal(await ensureAdminUser(app, h.ctx), false);
    } finally {
      await app.close();
    }
    assert.match(
      await h.run(
        ["user", "add", "Zoë", "--role", "trader", "--role", "read_only_analyst", "--password-stdin"],
        "Kestrel-Harbour-93-plume\n",
      ),
      /created user Zoë/,
    );
    const enrol = await h.run(["user", "mfa-enroll", "zoë"]);
    const uri = /otpauth:\/\/\S+/.exec(enrol)?.[0] ?? "";
    assert.match(uri, /^otpauth:\/\/totp\/Rampart:Zo%C3%AB\?secret=[A-Z2-7]{32}&issuer=Rampart/);
    const list = await h.run(["user", "list"]);
    assert.match(list, /admin\s+system_administrator\s+active\s+none\s+yes/);
    assert.match(list, /Zoë\s+read_only_analyst,trader\s+active\s+totp\s+no/);

    const app2 = await h.ctx.openApp(h.dir);
    try {
      const id = identityService(app2);
      const r = await id.login("ZOË", "Kestrel-Harbour-93-plume", { ip: "192.0.2.1" });
      assert.equal(r.mfa, "required");
      const secret = base32Decode(new URL(uri).searchParams.get("secret") ?? "");
      const s = await id.completeMfa(r.challenge, totpCodeAt(secret, totpStep(Date.now())), {
        ip: "192.0.2.1",
      });
      assert.equal((await id.validateSession(s.token)).username, "Zoë");
    } finally {
      await app2.close();
    }
    assert.match(
      await h.run(["user", "set-roles", "zoe\u0308", "--role", "trader"]),
      /now has roles: trader/,
    );
    assert.match(await h.run(["user", "disable", "Zoë"]), /is disabled/);
    assert.match(await h.run(["user", "enable", "Zoë"]), /is active/);
    assert.match(await h.run(["user", "mfa-reset", "Zoë"]), /removed; 0 session\(s\) revoked/);
    await assert.rejects(
      h.run(["user", "set-roles", "Zoë", "--role", "trader", "--role", "risk_manager"]),
      (e) => (e as { code?: string }).code === "ERR_ACCESS_SOD_CONFLICT",
    );
    await assert.rejects(
      h.run(["user", "add", "x", "--role", "nope"]),
      (e) => (e as { code?: string }).code === "ERR_IDENTITY_ROLE_UNKNOWN",
    );
  } finally {
    await h.dispose();
  }
});
