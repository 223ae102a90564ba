// Issue 2 through the real command line: init is idempotent and keeps the key, config errors exit 2
// naming the path (or the YAML line and column), serve starts and stops gracefully.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { exitOf, reap } from "../../src/kernel/testing.js";
import { CLI, rampart } from "./cli.js";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "rampart-cli-"));
  dirs.push(d);
  return d;
}
/** Servers a test started: killed when the file ends, whatever became of the test. */
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) reap(c);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("rampart init twice: the master key is 0600 and unchanged, the second run reports what exists", async () => {
  const dir = join(tempDir(), "data");
  const first = await rampart(["init", "--data-dir", dir]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /created .*master\.key/);
  assert.match(first.stdout, /created .*cert\.pem/);
  assert.match(
    first.stdout,
    /created user admin \(system_administrator\); one-time password, shown only now:\n {2}\S{12,}/,
  );
  const keyFile = join(dir, "master.key");
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, "tls", "key.pem")).mode & 0o777, 0o600);
  const key = readFileSync(keyFile, "utf8");
  const second = await rampart(["init", "--data-dir", dir]);
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stdout, /^created/m);
  assert.match(second.stdout, /exists .*master\.key \(kept unchanged\)/);
  assert.equal(readFileSync(keyFile, "utf8"), key);
});

test('a session timeout of "8h" exits 2 naming the path and what was expected', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "rampart.yaml"), 'roles:\n  trader:\n    session_timeout: "8h"\n');
  const r = await rampart(["config", "check", "--data-dir", dir]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /rampart\.yaml: roles\.trader\.session_timeout: expected an integer number of seconds >= 60, got "8h"/,
  );
  const s = await rampart(["serve", "--data-dir", dir]);
  assert.equal(s.code, 2);
});

test("malformed YAML exits 2 naming line and column", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "rampart.yaml"), "server:\n  listen: 127.0.0.1:8443\n   bad: [\n");
  const r = await rampart(["config", "check", "--data-dir", dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /malformed YAML at line \d+, column \d+/);
});

test("config check prints the effective config with secrets masked", async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, "rampart.yaml"),
    "database:\n  url: postgres://rampart:hunter2hunter2@127.0.0.1:5432/rampart\n",
  );
  const r = await rampart(["config", "check", "--data-dir", dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /postgres:\/\/rampart:\*\*\*\*@127\.0\.0\.1/);
  assert.doesNotMatch(r.stdout, /hunter2/);
});

test("serve without a master key tells the user to run rampart init; unknown commands exit 2", async () => {
  const dir = tempDir();
  const r = await rampart(["serve", "--data-dir", dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERR_KEYS_MASTER_MISSING: .*run `rampart init` first/);
  const u = await rampart(["no-such-command"]);
  assert.equal(u.code, 2);
});

test("rampart serve starts, answers health over TLS 1.3, and exits 0 on SIGTERM", async () => {
  const dir = join(tempDir(), "data");
  assert.equal((await rampart(["init", "--data-dir", dir])).code, 0);
  const child = spawn(process.execPath, [...CLI, "serve", "--data-dir", dir, "--listen", "127.0.0.1:0"], {
    env: { ...process.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /Rampart (https:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.on("exit", (c) => reject(new Error(`exited ${c}`)));
    setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
  });
  const { request } = await import("node:https");
  const body = await new Promise<string>((resolve, reject) => {
    request(
      `${url}/_rampart/health`,
      { ca: readFileSync(join(dir, "tls", "cert.pem")), servername: "localhost" },
      (res) => {
        let t = "";
        res.on("data", (d: Buffer) => {
          t += d.toString();
        });
        res.on("end", () => resolve(t));
      },
    )
      .on("error", reject)
      .end();
  });
  assert.equal(JSON.parse(body).status, "ok");
  assert.equal(JSON.parse(body).database, "sqlite");
  child.kill("SIGTERM");
  assert.deepEqual(await exitOf(child, 20_000, "serve after SIGTERM"), { code: 0, signal: null });
  // It ended because everything closed, not because the linger guard had to end it.
  assert.match(out, /shutting down/);
  assert.doesNotMatch(out, /still held the process open/);
  assert.doesNotMatch(out, /Deprecation/, "no library warns that Rampart uses a deprecated option");
});

test("serve --workers refuses to run without shared state (Redis)", async () => {
  const dir = join(tempDir(), "data");
  assert.equal((await rampart(["init", "--data-dir", dir])).code, 0);
  const r = await rampart(["serve", "--data-dir", dir, "--workers", "2"], { env: { RAMPART_REDIS_URL: "" } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--workers needs shared ephemeral state/);
  const bad = await rampart(["serve", "--data-dir", dir, "--workers", "zero"]);
  assert.equal(bad.code, 2);
});

test("serve --workers 2 shares one port across two processes and stops on SIGTERM", {
  skip: process.env["RAMPART_TEST_REDIS_URL"] ? false : "RAMPART_TEST_REDIS_URL is not set",
}, async () => {
  const dir = join(tempDir(), "data");
  assert.equal((await rampart(["init", "--data-dir", dir])).code, 0);
  const { createServer } = await import("node:net");
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const child = spawn(
    process.execPath,
    [...CLI, "serve", "--data-dir", dir, "--listen", `127.0.0.1:${port}`, "--workers", "2"],
    {
      env: {
        ...process.env,
        RAMPART_REDIS_URL: process.env["RAMPART_TEST_REDIS_URL"] as string,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  let out = "";
  child.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (/\(2 workers/.test(out)) resolve();
    });
    child.on("exit", (c) => reject(new Error(`exited ${c}: ${out}`)));
    setTimeout(() => reject(new Error(`not listening: ${out}`)), 40_000);
  });
  const { request } = await import("node:https");
  const ca = readFileSync(join(dir, "tls", "cert.pem"));
  const get = () =>
    new Promise<number>((resolve, reject) => {
      request(
        `https://127.0.0.1:${port}/_rampart/health`,
        { ca, servername: "localhost", agent: false },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      )
        .on("error", reject)
        .end();
    });
  const statuses = await Promise.all(Array.from({ length: 8 }, get));
  assert.deepEqual(statuses, Array(8).fill(200));
  child.kill("SIGTERM");
  assert.deepEqual(await exitOf(child, 30_000, "serve --workers 2 after SIGTERM"), { code: 0, signal: null });
  assert.doesNotMatch(out, /still held the process open/, "the primary and its workers ended by themselves");
});
