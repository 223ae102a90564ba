// The CLI end to end, as separate processes: `keys rewrap` killed half-way and run again leaves
// every secret decryptable under the new version; `rampart launch` renders the password for the
// child and wipes the directory afterwards — also when the child is SIGKILLed, and (by the next
// launch's sweep) when the launcher itself is; a principal without secrets:read:email/* is refused
// and the child never starts; `rampart classify` prints the seed's levels.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { setPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { openVault } from "../cli/commands/vault.js";
import { createCliContext } from "../cli/context.js";
import { exitOf } from "../kernel/testing.js";
import { createMasterKeyFile, parseRk2 } from "../keys/index.js";

const BIN = join(process.cwd(), "src/cli/bin.ts");
// Secrets besides email/smtp. The killed rewrap below takes one per batch, so its SIGKILL, sent on
// the first `rewrapped` line, has BULK - 1 commits (~1 ms each here) to land before the rewrap
// completes — over 10× the ~35 ms the rest of a 10-per-batch run of 200 took.
const BULK = 600;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv, onStart?: (c: ChildProcess) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ["--import", "tsx", BIN, ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    c.stdout.on("data", (d) => {
      stdout += d;
    });
    c.stderr.on("data", (d) => {
      stderr += d;
    });
    onStart?.(c);
    exitOf(c, 120_000, `rampart ${args.join(" ")}`).then(
      ({ code, signal }) => resolve({ code, signal, stdout, stderr }),
      (e: Error) => reject(new Error(`${e.message}\n${stdout}\n${stderr}`)),
    );
  });
}

describe("vault and keys CLI", () => {
  const root = mkdtempSync(join(tmpdir(), "rampart-vault-e2e-"));
  const dataDir = join(root, "data");
  const runtime = join(root, "shm");
  const marker = join(root, "child-ran");
  const env = { ...process.env, RAMPART_DATA_DIR: dataDir, RAMPART_MASTER_KEY: "" };
  const ctx = createCliContext(env);

  before(async () => {
    mkdirSync(dataDir, { mode: 0o700 });
    mkdirSync(runtime, { mode: 0o700 });
    createMasterKeyFile(join(dataDir, "master.key"));
    writeFileSync(
      join(root, "private_config.yaml.tmpl"),
      'email_address: "ops@example.com"\nemail_pwd: {{ secret "email/smtp" "password" | yaml }}\n',
    );
    writeFileSync(
      join(dataDir, "rampart.yaml"),
      `logging: { level: silent }
demo: { enabled: false, listen: "127.0.0.1:8050" }
roles:
  pysys_operator:
    permissions: ["secrets:read:email/*", "secrets:read:broker/*"]
    restrictions: []
    session_timeout: 3600
  stack_handler:
    permissions: ["secrets:read:broker/*"]
    restrictions: []
    session_timeout: 3600
launch:
  operator_role: pysys_operator
  runtime_dir: ${JSON.stringify(runtime)}
  service_accounts:
    stack_handler: { roles: [stack_handler] }
  profiles:
    default:
      templates: [{ template: ${JSON.stringify(join(root, "private_config.yaml.tmpl"))}, out: private_config.yaml }]
      env: {}
    stack:
      service_account: stack_handler
      templates: [{ template: ${JSON.stringify(join(root, "private_config.yaml.tmpl"))}, out: private_config.yaml }]
      env: {}
`,
    );
    const v = await openVault(ctx, dataDir);
    try {
      await v.vault.put({ id: "test" }, "email/smtp", { password: "smtp-app-pw-42" });
      for (let i = 0; i < BULK; i++)
        await v.vault.put({ id: "test" }, `bulk/s${i}`, { value: `bulk-value-${i}` });
    } finally {
      await v.close();
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test("rotate, kill rewrap half-way, run it again: every secret decrypts and uses the new version", async () => {
    assert.equal((await cli(["keys", "rotate", "secrets"], env)).code, 0);
    // Nothing in the child waits for us after a batch commits (its stderr writes do not block), so
    // the kill races the remaining batches; the margin is wide: one ciphertext per batch (BULK
    // commits to go), and the child runs at the lowest priority so that on a busy machine it
    // loses the CPU before this process does. SIGSTOP first would not help: it lands no earlier.
    const killed = await cli(
      ["keys", "rewrap", "secrets", "--batch-size", "1"],
      { ...env, RAMPART_REWRAP_PROGRESS: "1" },
      (c) => {
        if (c.pid !== undefined) setPriority(c.pid, 19);
        c.stderr?.on("data", (d: Buffer) => {
          if (d.toString().includes("rewrapped")) c.kill("SIGKILL");
        });
      },
    );
    assert.equal(killed.signal, "SIGKILL");
    const v = await openVault(ctx, dataDir);
    try {
      const versions = (await v.app.store.db.selectFrom("vault_values").select("key_version").execute()).map(
        (r) => r.key_version,
      );
      assert.ok(versions.includes(1) && versions.includes(2), "the kill left a half-done rewrap");
    } finally {
      await v.close();
    }
    const again = await cli(["keys", "rewrap", "secrets"], env);
    assert.equal(again.code, 0, again.stderr);
    const w = await openVault(ctx, dataDir);
    try {
      const rows = await w.app.store.db
        .selectFrom("vault_values")
        .select(["ciphertext", "key_version"])
        .execute();
      assert.equal(rows.length, BULK + 1);
      for (const r of rows) assert.equal(parseRk2(r.ciphertext).version, 2);
      for (let i = 0; i < BULK; i += 17)
        assert.equal((await w.vault.get({ id: "t" }, `bulk/s${i}`)).data["value"], `bulk-value-${i}`);
      assert.equal((await w.vault.get({ id: "t" }, "email/smtp")).data["password"], "smtp-app-pw-42");
    } finally {
      await w.close();
    }
  });

  test("launch renders the password for the child and wipes the directory afterwards", async () => {
    const r = await cli(
      [
        "launch",
        "--",
        "sh",
        "-c",
        'cat "$PYSYS_PRIVATE_CONFIG_DIR/private_config.yaml"; echo "DIR=$PYSYS_PRIVATE_CONFIG_DIR"; exit 7',
      ],
      env,
    );
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stdout, /^email_pwd: "smtp-app-pw-42"$/m);
    const dir = /DIR=(.+)/.exec(r.stdout)?.[1] as string;
    assert.ok(dir.startsWith(runtime));
    assert.equal(existsSync(dir), false);
  });

  test("a child killed with SIGKILL: the launcher survives, wipes, and exits 137", async () => {
    const r = await cli(
      ["launch", "--", "sh", "-c", 'echo "DIR=$PYSYS_PRIVATE_CONFIG_DIR"; kill -9 $$'],
      env,
    );
    assert.equal(r.code, 137, r.stderr);
    const dir = /DIR=(.+)/.exec(r.stdout)?.[1] as string;
    assert.equal(existsSync(dir), false);
  });

  test("a SIGKILLed launcher's directory is swept by the next launch", async () => {
    let dir = "";
    await cli(
      ["launch", "--", "sh", "-c", 'echo "DIR=$PYSYS_PRIVATE_CONFIG_DIR"; exec sleep 1'],
      env,
      (c) => {
        c.stdout?.on("data", (d: Buffer) => {
          const m = /DIR=(.+)/.exec(d.toString());
          if (m) {
            dir = m[1] as string;
            c.kill("SIGKILL");
          }
        });
      },
    );
    assert.ok(dir !== "" && existsSync(dir));
    await new Promise((r) => setTimeout(r, 1200));
    const r = await cli(["launch", "--", "true"], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(dir), false);
    assert.deepEqual(readdirSync(join(runtime, `rampart-${process.getuid?.() ?? -1}`)), []);
  });

  test("a service account without secrets:read:email/* is refused and the child never starts", async () => {
    const r = await cli(["launch", "--profile", "stack", "--", "sh", "-c", `touch ${marker}`], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ERR_VAULT_FORBIDDEN: not allowed: secrets:read:email\/smtp/);
    assert.equal(existsSync(marker), false);
  });

  test("classify prints the seed's levels", async () => {
    const r = await cli(
      ["classify", "api_key", "trading_positions", "historical_prices", "market_holidays", "weather_notes"],
      env,
    );
    assert.equal(r.code, 0);
    const levels = r.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(" ")[1]);
    assert.deepEqual(levels, ["restricted", "confidential", "internal", "public", "internal"]);
  });
});
