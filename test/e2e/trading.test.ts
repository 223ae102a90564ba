// Trading controls end to end: a real gateway (with the trading routes and the trading gate on
// the proxied pipeline) in front of the demo dashboard, and the real pysystemtrade actuator
// (integrations/pysystemtrade) running over stdin/stdout against the fake pysystemtrade modules.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { securityFor } from "../../src/app-security.js";
import { tradingFor } from "../../src/app-trading.js";
import { databaseTargets, randomTag } from "../../src/store/index.js";
import { createAndLogin, type LoggedIn, type Rampart, startRampart } from "./harness.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ACTUATOR = join(ROOT, "integrations", "pysystemtrade", "rampart_actuator.py");
const FAKE = join(ROOT, "integrations", "pysystemtrade", "tests", "fake_pysystemtrade");

interface Setup extends Rampart {
  journal(): Promise<Array<{ verb?: string; scope?: string; refused?: string }>>;
  fakeDb(): Promise<{ process_control: Record<string, { status: string }> }>;
}

/** Rampart (the harness's gateway) with the pysystemtrade adapter running the real actuator. */
async function start(databaseUrl: string | undefined): Promise<Setup> {
  // The actuator's side: its key, state, journal and the fake pysystemtrade database.
  const dir = await mkdtemp(join(tmpdir(), "rampart-actuator-"));
  const fakeDb = join(dir, "fake-mongo.json");
  const journal = join(dir, "actuator-journal.jsonl");
  const key = randomTag(24);
  await writeFile(
    fakeDb,
    JSON.stringify({ process_control: { run_stack_handler: { status: "GO" } }, strategies: ["carry"] }),
  );
  await writeFile(join(dir, "actuator.key"), `${key}\n`, { mode: 0o600 });
  const cmd = [
    "python3",
    ACTUATOR,
    "--stdio",
    "--key-file",
    join(dir, "actuator.key"),
    "--state-file",
    join(dir, "actuator-state.json"),
    "--journal",
    journal,
  ];
  let r: Rampart;
  try {
    r = await startRampart({
      databaseUrl,
      yaml: `trading:\n  adapter: pysystemtrade\n  pysystemtrade:\n    command: ${JSON.stringify(cmd)}\n    socket: ""`,
      // Rampart's copy of the key (as from trading.key_env), and the actuator's environment.
      trading: {
        keyEnvValue: key,
        childEnv: {
          PATH: process.env["PATH"] ?? "/usr/bin:/bin",
          PYTHONPATH: FAKE,
          FAKE_PYSYSTEMTRADE_DB: fakeDb,
        },
      },
    });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    ...r,
    async journal() {
      const t = await readFile(journal, "utf8").catch(() => "");
      return t
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    },
    async fakeDb() {
      return JSON.parse(await readFile(fakeDb, "utf8"));
    },
    async close() {
      try {
        await r.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

const json = (o: unknown) => JSON.stringify(o);

for (const target of databaseTargets(process.env)) {
  describe(`trading controls through the gateway (${target.dialect})`, { skip: target.skip }, () => {
    let r: Setup;
    let rm1: LoggedIn;
    let rm2: LoggedIn;
    let trader: LoggedIn;
    before(async () => {
      r = await start(target.url);
      rm1 = await createAndLogin(r, "rita", ["risk_manager"]);
      rm2 = await createAndLogin(r, "ravi", ["risk_manager"]);
      trader = await createAndLogin(r, "tom", ["trader"]);
    });
    after(async () => {
      await r?.close();
    });

    const postRoll = () =>
      r.http("POST", "/rolls", {
        headers: trader.writeHeaders({ "content-type": "application/x-www-form-urlencoded" }),
        body: "instrument=SOFR&state=Passive&confirmed=false",
      });
    const post = (who: LoggedIn, path: string, body?: unknown) =>
      r.http("POST", `/_rampart/v1${path}`, {
        headers: who.writeHeaders(body === undefined ? {} : { "content-type": "application/json" }),
        ...(body === undefined ? {} : { body: json(body) }),
      });

    it("a trader's POST /rolls reaches the dashboard while trading is ACTIVE", async () => {
      const before = r.demo.receivedCount;
      const res = await postRoll();
      assert.notEqual(res.status, 423, res.text);
      assert.equal(r.demo.receivedCount, before + 1);
    });

    it("a trader may not halt (trading:emergency_stop)", async () => {
      const res = await post(trader, "/trading/halt", { reason: "x" });
      assert.equal(res.status, 403, res.text);
    });

    it("a risk manager halts globally: the actuator records halt_all and the ledger has the reason", async () => {
      const res = await post(rm1, "/trading/halt", { reason: "suspicious fills on SOFR" });
      assert.equal(res.status, 200, res.text);
      const body = res.json() as {
        after: string;
        actions: Array<{ verb: string; status: string; error: string | null }>;
      };
      assert.equal(body.after, "HALTED");
      assert.deepEqual(
        body.actions.map((a) => [a.verb, a.status, a.error]),
        [["halt_all", "confirmed", null]],
      );
      assert.deepEqual(
        (await r.journal()).filter((e) => e.verb).map((e) => [e.verb, e.scope]),
        [["halt_all", "global"]],
      );
      const procs = (await r.fakeDb()).process_control;
      assert.equal(procs["run_stack_handler"]?.status, "STOP");
      assert.equal(procs["run_strategy_order_generator"]?.status, "NO-RUN");
      const rows = await sql<{
        event: string;
      }>`select event from audit_entries where action = 'trading.halt'`.execute(r.app.store.db);
      const ev = JSON.parse(rows.rows[0]?.event ?? "{}") as {
        user_id: string;
        details: Record<string, unknown>;
      };
      assert.equal(ev.details["reason"], "suspicious fills on SOFR");
      assert.equal(ev.details["before"], "ACTIVE");
      assert.equal(ev.details["after"], "HALTED");
    });

    it("the next POST /rolls is 423 and never reaches the upstream", async () => {
      const before = r.demo.receivedCount;
      const res = await postRoll();
      assert.equal(res.status, 423, res.text);
      assert.equal((res.json() as { error: { code: string } }).error.code, "ERR_TRADING_HALTED");
      assert.equal(r.demo.receivedCount, before);
      // Reading is not trading: GET /rolls still passes.
      assert.equal((await r.http("GET", "/rolls", { headers: { cookie: trader.cookie } })).status, 200);
    });

    it("the same risk manager cannot resume alone; a second one approves and trading is ACTIVE", async () => {
      const proposed = await post(rm1, "/trading/resume", { reason: "fills reconciled" });
      assert.equal(proposed.status, 202, proposed.text);
      const id = (proposed.json() as { request: { id: string } }).request.id;
      const self = await post(rm1, `/trading/resume-requests/${id}/approve`);
      assert.equal(self.status, 403, self.text);
      assert.equal((self.json() as { error: { code: string } }).error.code, "ERR_TRADING_SELF_APPROVAL");
      const still = await r.http("GET", "/_rampart/v1/trading/status", { headers: { cookie: rm1.cookie } });
      assert.equal((still.json() as { effective: { state: string } }).effective.state, "HALTED");

      const ok = await post(rm2, `/trading/resume-requests/${id}/approve`);
      assert.equal(ok.status, 200, ok.text);
      const change = (
        ok.json() as { change: { after: string; actions: Array<{ verb: string; status: string }> } }
      ).change;
      assert.equal(change.after, "ACTIVE");
      assert.deepEqual(
        change.actions.map((a) => [a.verb, a.status]),
        [["resume", "confirmed"]],
      );
      const status = await r.http("GET", "/_rampart/v1/trading/status", { headers: { cookie: rm2.cookie } });
      assert.equal((status.json() as { effective: { state: string } }).effective.state, "ACTIVE");
    });

    it("the actuator recorded resume for exactly what was halted, and put it back", async () => {
      const verbs = (await r.journal()).filter((e) => e.verb).map((e) => [e.verb, e.scope]);
      assert.deepEqual(verbs, [
        ["halt_all", "global"],
        ["resume", "global"],
      ]);
      const procs = (await r.fakeDb()).process_control;
      assert.equal(procs["run_stack_handler"]?.status, "GO");
      assert.equal(procs["run_strategy_order_generator"]?.status, "GO");
      assert.equal(procs["run_systems"]?.status, "GO");
      const res = await postRoll();
      assert.notEqual(res.status, 423, res.text);
    });

    it("wiring offered after the services are built is refused, not silently ignored", () => {
      // An actuator started without the wiring would run without its key, or with Rampart's
      // whole environment (the master key among it).
      assert.throws(() => tradingFor(r.app, { childEnv: {} }), /already built/);
      assert.throws(() => securityFor(r.app, { env: {} }), /already built/);
      assert.ok(tradingFor(r.app), "asking without wiring still answers");
    });
  });
}
