// The actuator's own Python tests (against the fake pysystemtrade modules), and Rampart's
// pysystemtrade adapter driving the real actuator over stdin/stdout and a Unix socket: a verb is
// confirmed only when pysystemtrade's state reads back right; a wrong key is refused both ways.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ManualClock } from "../../src/kernel/index.js";
import {
  buildRequest,
  ChildProcessTransport,
  macHex,
  PysystemtradeAdapter,
  UnixSocketTransport,
  verifyReply,
} from "../../src/trading/index.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ACTUATOR = join(HERE, "rampart_actuator.py");
const FAKE = join(HERE, "tests", "fake_pysystemtrade");
const KEY = Buffer.from("a".repeat(48));

describe("pysystemtrade actuator", () => {
  it("passes its Python tests against the fake pysystemtrade", () => {
    const r = spawnSync("python3", ["-m", "unittest", "discover", "-s", join(HERE, "tests")], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
  });

  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "rampart-actuator-"));
    await writeFile(join(dir, "db.json"), JSON.stringify({ process_control: {}, strategies: ["carry"] }));
    env = {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      PYTHONPATH: FAKE,
      FAKE_PYSYSTEMTRADE_DB: join(dir, "db.json"),
      RAMPART_ACTUATOR_KEY: KEY.toString(),
    };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const adapter = (transport: ChildProcessTransport | UnixSocketTransport, key = KEY) => {
    let n = 0;
    return new PysystemtradeAdapter({
      transport,
      key,
      clock: { now: () => Date.now() },
      timeoutMs: 10_000,
      newId: () => `t${++n}`,
    });
  };

  it("halts, confirms by reading pysystemtrade back, and resumes (stdin/stdout)", async () => {
    const t = new ChildProcessTransport(
      ["python3", ACTUATOR, "--stdio", "--state-file", join(dir, "s1.json")],
      env,
    );
    const a = adapter(t);
    try {
      const r = await a.execute("freeze_instrument", "instrument:SOFR", { actionId: "x1", reason: "test" });
      assert.equal(r.ok, true, r.error);
      assert.equal((await a.confirm("freeze_instrument", "instrument:SOFR", r)).confirmed, true);
      // Read-back is independent: a verb that was not done is not confirmed.
      const c = await a.confirm("halt_all", "global", r);
      assert.equal(c.confirmed, false);
      assert.match(c.detail ?? "", /run_stack_handler is GO/);
      const back = await a.execute("resume", "instrument:SOFR", { actionId: "x2", reason: "test" });
      assert.equal((await a.confirm("resume", "instrument:SOFR", back)).confirmed, true);
    } finally {
      await t.close();
    }
  });

  it("refuses a request signed with another key, and Rampart refuses its reply", async () => {
    const t = new ChildProcessTransport(
      ["python3", ACTUATOR, "--stdio", "--state-file", join(dir, "s2.json")],
      env,
    );
    try {
      const wrong = Buffer.from("b".repeat(48));
      await assert.rejects(adapter(t, wrong).execute("halt_all", "global", { actionId: "y", reason: "x" }), {
        code: "ERR_TRADING_ACTUATOR_PROTOCOL",
      });
      // The refusal is signed with the real key and names no request (the body was not trusted).
      const { line } = buildRequest(wrong, { id: "z", verb: "halt_all", scope: "global", now: Date.now() });
      const env = JSON.parse(await t.request(line, 10_000)) as { body: string; mac: string };
      assert.equal(macHex(KEY, env.body), env.mac);
      const reply = JSON.parse(env.body) as { ok: boolean; id: null; error?: string };
      assert.deepEqual([reply.ok, reply.id], [false, null]);
      assert.match(reply.error ?? "", /bad MAC/);
      const db = JSON.parse(await readFile(join(dir, "db.json"), "utf8"));
      assert.equal(db.process_control.run_stack_handler, undefined);
    } finally {
      await t.close();
    }
  });

  it("refuses a replayed request", async () => {
    const t = new ChildProcessTransport(
      ["python3", ACTUATOR, "--stdio", "--state-file", join(dir, "s3.json")],
      env,
    );
    try {
      const clock = new ManualClock(Date.now());
      const { line } = buildRequest(KEY, { id: "r1", verb: "status", scope: "global", now: clock.now() });
      assert.equal(verifyReply(KEY, await t.request(line, 10_000), "r1").ok, true);
      const again = verifyReply(KEY, await t.request(line, 10_000), "r1");
      assert.equal(again.ok, false);
      assert.match(again.error ?? "", /replayed nonce/);
    } finally {
      await t.close();
    }
  });

  it("serves a Unix socket (mode 0600)", async () => {
    const sock = join(dir, "actuator.sock");
    const child: ChildProcess = spawn(
      "python3",
      [ACTUATOR, "--socket", sock, "--state-file", join(dir, "s4.json")],
      {
        env,
        stdio: "ignore",
      },
    );
    try {
      const t = new UnixSocketTransport(sock);
      for (let i = 0; i < 100; i++) {
        try {
          await readFile(sock).catch((e: NodeJS.ErrnoException) => {
            if (e.code === "ENOENT") throw e;
          });
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const a = adapter(t);
      const r = await a.execute("halt_strategy", "strategy:carry", { actionId: "s", reason: "x" });
      assert.equal((await a.confirm("halt_strategy", "strategy:carry", r)).confirmed, true);
    } finally {
      child.kill();
    }
  });
});
