// Trading state, the gateway check, four-eyes resume and cross-instance propagation, on SQLite
// always and on PostgreSQL / Redis when RAMPART_TEST_DATABASE_URL / RAMPART_TEST_REDIS_URL are set.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../config/index.js";
import { isRampartError, ManualClock, silentLogger } from "../kernel/index.js";
import { until } from "../kernel/testing.js";
import {
  databaseTargets,
  type EphemeralStore,
  ephemeralTargets,
  MemoryBackend,
  openTestEphemeral,
  openTestStore,
  randomTag,
  type TestStore,
  TradingRepository,
} from "../store/index.js";
import { createTradingService, type TradingActor, type TradingService } from "./index.js";
import { MemoryRecorder, ScriptedAdapter } from "./testing.js";

const settings = loadConfig({ fileName: "rampart.yaml", text: "", env: {} }).trading;
const alice: TradingActor = { id: "u-alice", name: "alice", via: "api" };
const bob: TradingActor = { id: "u-bob", name: "bob", via: "api" };

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return isRampartError(e) ? e.code : String(e);
  }
}

for (const db of databaseTargets(process.env)) {
  describe(`trading state (${db.dialect})`, { skip: db.skip }, () => {
    let ts: TestStore;
    let eph: EphemeralStore;
    let audit: MemoryRecorder;
    let adapter: ScriptedAdapter;
    let svc: TradingService;
    const clock = new ManualClock();
    before(async () => {
      ts = await openTestStore(db);
      eph = await openTestEphemeral({ redisUrl: undefined });
      audit = new MemoryRecorder();
      adapter = new ScriptedAdapter();
      svc = createTradingService({
        settings: { ...settings, refresh_seconds: 0 },
        dataDir: ts.dataDir,
        store: new TradingRepository(ts.store),
        pubsub: eph,
        audit,
        clock,
        logger: silentLogger,
        adapter,
      });
      await svc.start();
    });
    after(async () => {
      await svc.stop();
      await eph.close();
      await ts.dispose();
    });

    it("starts ACTIVE and lets trading routes pass; non-trading actions are never checked", () => {
      assert.equal(svc.effective(["global"]).state, "ACTIVE");
      assert.equal(
        code(() => svc.check("trading:modify_roll_state")),
        undefined,
      );
    });

    it("halts an instrument: only requests for that instrument are refused", async () => {
      const c = await svc.halt({ scope: "instrument:SOFR", reason: "bad prints", actor: alice });
      assert.equal(c.after, "HALTED");
      assert.deepEqual(adapter.calls.at(-1), { verb: "freeze_instrument", scope: "instrument:SOFR" });
      assert.equal(c.actions[0]?.status, "confirmed");
      assert.equal(
        code(() => svc.check("trading:modify_roll_state", { instrument: "SOFR" })),
        "ERR_TRADING_HALTED",
      );
      assert.equal(
        code(() => svc.check("trading:modify_roll_state", { instrument: "BUND" })),
        undefined,
      );
      assert.equal(
        code(() => svc.check("reports:view_standard", { instrument: "SOFR" })),
        undefined,
      );
    });

    it("reduce-only refuses trading routes unless they reduce risk", async () => {
      await svc.reduce({ scope: "global", reason: "vol spike", actor: alice });
      assert.equal(
        code(() => svc.check("trading:place_orders")),
        "ERR_TRADING_HALTED",
      );
      assert.equal(
        code(() => svc.check("trading:cancel_orders", { reducesRisk: true, instrument: "BUND" })),
        undefined,
      );
      // SOFR is halted: a request that names no instrument, or an odd one, may be about it.
      for (const instrument of [undefined, "SOFR\u0000", "sofr "])
        assert.equal(
          code(() => svc.check("trading:cancel_orders", { reducesRisk: true, instrument })),
          "ERR_TRADING_HALTED",
          String(instrument),
        );
      assert.deepEqual(adapter.calls.at(-1), { verb: "reduce_only", scope: "global" });
    });

    it("a global halt is the most restrictive and is recorded with who, why, before and after", async () => {
      await svc.halt({ scope: "global", reason: "incident 42", actor: alice });
      assert.equal(
        code(() => svc.check("trading:cancel_orders", { reducesRisk: true })),
        "ERR_TRADING_HALTED",
      );
      const ev = audit.find("trading.halt").at(-1);
      assert.equal(ev?.user_id, "u-alice");
      assert.deepEqual(
        { ...(ev?.details as object), version: undefined },
        {
          scope: "global",
          before: "REDUCING",
          after: "HALTED",
          reason: "incident 42",
          via: "api",
          version: undefined,
        },
      );
      assert.equal(audit.find("trading.action").at(-1)?.outcome, "success");
    });

    it("resume needs a second person; the proposer cannot approve", async () => {
      const r = await svc.proposeResume({ scope: "global", reason: "incident closed", actor: alice });
      await assert.rejects(svc.approveResume(r.id, alice), { code: "ERR_TRADING_SELF_APPROVAL" });
      assert.equal(svc.effective(["global"]).state, "HALTED");
      const done = await svc.approveResume(r.id, bob);
      assert.equal(done.change?.after, "ACTIVE");
      assert.equal(svc.effective(["global"]).state, "ACTIVE");
      assert.deepEqual(adapter.calls.at(-1), { verb: "resume", scope: "global" });
      await assert.rejects(svc.approveResume(r.id, bob), { code: "ERR_TRADING_APPROVAL_NOT_USABLE" });
      const ev = audit.find("trading.resume").at(-1);
      assert.equal(ev?.user_id, "u-bob");
      assert.equal((ev?.details as { proposed_by?: string } | undefined)?.proposed_by, "u-alice");
    });

    it("an expired resume request cannot be approved", async () => {
      await svc.halt({ scope: "strategy:carry", reason: "drawdown", actor: alice });
      const r = await svc.proposeResume({ scope: "strategy:carry", reason: "ok", actor: alice });
      clock.advance(settings.resume_approval_ttl * 1000 + 1);
      await assert.rejects(svc.approveResume(r.id, bob), { code: "ERR_TRADING_APPROVAL_NOT_USABLE" });
    });

    it("a resume is fail-closed: with the ledger down it does not happen", async () => {
      const r = await svc.proposeResume({ scope: "strategy:carry", reason: "ok", actor: alice });
      audit.failing = true;
      try {
        await assert.rejects(svc.approveResume(r.id, bob));
      } finally {
        audit.failing = false;
      }
      assert.equal(svc.effective(["strategy:carry"]).state, "HALTED");
    });

    it("a halt stands even when the ledger is down, and says it was not audited", async () => {
      audit.failing = true;
      try {
        const c = await svc.halt({ scope: "strategy:trend", reason: "ledger test", actor: alice });
        assert.equal(c.audited, false);
        assert.equal(svc.effective(["strategy:trend"]).state, "HALTED");
      } finally {
        audit.failing = false;
      }
    });

    it("an unreachable adapter makes a failed action, not a success", async () => {
      adapter.fail = true;
      try {
        const c = await svc.halt({ scope: "instrument:BUND", reason: "x", actor: alice });
        assert.equal(c.actions[0]?.status, "failed");
        assert.equal(audit.find("trading.action").at(-1)?.outcome, "failure");
      } finally {
        adapter.fail = false;
      }
      const listed = await svc.listActions(50);
      assert.equal(
        listed.find((a) => a.verb === "freeze_instrument" && a.scope === "instrument:BUND")?.status,
        "failed",
      );
    });

    it("rejects bad scopes and empty reasons", async () => {
      await assert.rejects(svc.halt({ scope: "instrument:../x", reason: "x", actor: alice }), {
        code: "ERR_TRADING_SCOPE_INVALID",
      });
      await assert.rejects(svc.halt({ scope: "global", reason: "  ", actor: alice }), {
        code: "ERR_TRADING_REASON_REQUIRED",
      });
    });
  });
}

for (const kv of ephemeralTargets(process.env)) {
  describe(`trading state across two instances (${kv.kind})`, { skip: kv.skip }, () => {
    it("a halt on one instance is enforced on the other without waiting for a database re-read", async () => {
      const ts = await openTestStore({ url: undefined });
      const backend = new MemoryBackend();
      const prefix = `rampart:test:${randomTag()}:`;
      const e1 = await openTestEphemeral(kv, { prefix, memoryBackend: backend });
      const e2 = await openTestEphemeral(kv, { prefix, memoryBackend: backend });
      const mk = (eph: EphemeralStore) =>
        createTradingService({
          settings: { ...settings, refresh_seconds: 0 },
          dataDir: ts.dataDir,
          store: new TradingRepository(ts.store),
          pubsub: eph,
          audit: new MemoryRecorder(),
          clock: new ManualClock(),
          logger: silentLogger,
        });
      const a = mk(e1);
      const b = mk(e2);
      try {
        await a.start();
        await b.start();
        // b's messages, seen by a listener subscribed after b's own on the same connection: once it
        // has a message, b has had it too. A short wait then covers b's read of the row (SQLite).
        const seen: string[] = [];
        await e2.subscribe("trading:state", (m) => seen.push(m));
        const publish = async (m: object) => {
          const n = seen.length;
          await e1.publish("trading:state", JSON.stringify(m));
          await until(() => seen.length > n, 5000, 1);
          await new Promise((r) => setTimeout(r, 20));
        };
        // No periodic re-read (refresh_seconds: 0): only the channel can tell b. How fast is
        // bench/trading's figure (target 100 ms).
        await a.halt({ scope: "global", reason: "two instances", actor: alice });
        await until(() => code(() => b.check("trading:place_orders")) === "ERR_TRADING_HALTED", 5000, 1);
        // A forged "ACTIVE" message cannot lift the halt: the database decides.
        await publish({ ...b.states()[0], state: "ACTIVE", version: 999 });
        assert.equal(b.effective(["global"]).state, "HALTED");

        // Nor can a message claiming a version from the future make the next genuine halt look old.
        const future = (scope: string, state: string) =>
          publish({ scope, state, version: 1_000_000, reason: "forged" });
        for (const [scope, state] of [
          ["instrument:BUND", "ACTIVE"],
          ["strategy:carry", "REDUCING"],
        ] as const) {
          await future(scope, state);
          await a.halt({ scope, reason: "genuine", actor: alice });
          await until(() => b.effective([scope]).state === "HALTED", 5000, 1);
        }

        // A forged tightening message is enforced only until the database has been read for it.
        await future("instrument:SOFR", "HALTED");
        assert.equal(b.effective(["instrument:SOFR"]).state, "ACTIVE");
        assert.equal(b.effective(["instrument:BUND"]).state, "HALTED", "the genuine halt stays");
      } finally {
        await a.stop();
        await b.stop();
        await e1.close();
        await e2.close();
        await ts.dispose();
      }
    });
  });
}
