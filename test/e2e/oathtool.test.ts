// Issue 3's interoperability check: a user enrolled through the CLI logs in with a code computed by
// an independent authenticator implementation (oathtool, from Debian's oath-toolkit); the same
// code a second time is refused.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createApp } from "../../src/app.js";
import { initDataDir } from "../../src/cli/commands/init.js";
import { loadConfig } from "../../src/config/index.js";
import { silentLogger } from "../../src/kernel/index.js";
import { rampart } from "./cli.js";
import { testHasher } from "./harness.js";

const haveOathtool = spawnSync("sh", ["-c", "command -v oathtool"]).status === 0;

test("a code from oathtool --totp -b logs in a CLI-enrolled user once; the replay is refused", {
  skip: haveOathtool ? false : "oathtool is not installed (apt-get install oathtool)",
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-oath-"));
  try {
    await initDataDir(dir);
    const added = await rampart(
      ["user", "add", "oona", "--role", "trader", "--password-stdin", "--data-dir", dir],
      {
        input: "Lattice-Harbor-58-Quill\n",
      },
    );
    assert.equal(added.code, 0, added.stderr);
    const enrolled = await rampart(["user", "mfa-enroll", "oona", "--data-dir", dir]);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    const secret =
      new URL(/otpauth:\/\/\S+/.exec(enrolled.stdout)?.[0] ?? "").searchParams.get("secret") ?? "";
    assert.match(secret, /^[A-Z2-7]{32}$/);

    const app = await createApp({
      dataDir: dir,
      config: loadConfig({ fileName: "rampart.yaml", text: "logging:\n  level: silent\n" }),
      hasher: testHasher(),
      logger: silentLogger,
    });
    try {
      const id = app.identity();
      const code = execFileSync("oathtool", ["--totp", "-b", secret], { encoding: "utf8" }).trim();
      assert.match(code, /^\d{6}$/);
      const first = await id.login("oona", "Lattice-Harbor-58-Quill", { ip: "192.0.2.7" });
      const session = await id.completeMfa(first.challenge, code, { ip: "192.0.2.7" });
      assert.equal((await id.validateSession(session.token)).username, "oona");
      const again = await id.login("oona", "Lattice-Harbor-58-Quill", { ip: "192.0.2.7" });
      await assert.rejects(
        id.completeMfa(again.challenge, code, { ip: "192.0.2.7" }),
        (e: unknown) => (e as { code?: string }).code === "ERR_AUTH_MFA_INVALID",
      );
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
