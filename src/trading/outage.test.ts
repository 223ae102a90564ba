// A halt never waits for the database, and a resume never lifts more than it was approved for: the
// trading service with its store failing or raced on purpose (a Proxy over the real repository).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../config/index.js";
import { ManualClock, RampartError, silentLogger } from "../kernel/index.js";
import { until } from "../kernel/testing.js";
import {
  databaseTargets,
  type EphemeralStore,
  MemoryBackend,
  openTestEphemeral,
  openTestStore,
  randomTag,
  type TestStore,
  TradingRepository,
} from "../store/index.js";
import { createTradingService, type TradingActor, type TradingService, watchLedgerHealth } from "./index.js";
import type { TradingStore } from "./ports.js";
import { MemoryRecorder, ScriptedAdapter } from "./testing.js";

const settings = loadConfig({ fileName: "rampart.yaml", text: "", env: {} }).trading;
const alice: TradingActor = { id: "u-alice", name: "alice", via: "api" };
const bob: TradingActor = { id: "u-bob", name: "bob", via: "api" };
const unavailable = () => new RampartError("ERR_STORE_UNAVAILABLE", "database unavailable", { status: 503 });

/** The real repository, with switches: `down` fails every call; `beforeSwap` runs before a CAS. */
function switchable(repo: TradingRepository) {
  const ctl: { down: boolean; beforeSwap?: (() => Promise<void>) | undefined } = { down: false };
  const store = new Proxy(repo, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== "function") return v;
      return async (...args: unknown[]) => {
        if (ctl.down) throw unavailable();
        if (prop === "compareAndSetState" && ctl.beforeSwap) {
          const run = ctl.beforeSwap;
          ctl.beforeSwap = undefined;
          await run();
        }
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as TradingStore;
  return { store, ctl };
}

for (const db of databaseTargets(process.env)) {
  describe(`trading through a database outage and races (${db.dialect})`, { skip: db.skip }, () => {
    let ts: TestStore;
    let backend: MemoryBackend;
    const ephs: EphemeralStore[] = [];
    const services: TradingService[] = [];
    const clock = new ManualClock();
    before(async () => {
      ts = await openTestStore(db);
      backend = new MemoryBackend();
    });
    after(async () => {
      for (const s of services) await s.stop();
      for (const e of ephs) await e.close();
      await ts.dispose();
    });

    const prefix = `rampart:test:${randomTag()}:`;
    async function instance() {
      const eph = await openTestEphemeral({ redisUrl: undefined }, { prefix, memoryBackend: backend });
      ephs.push(eph);
      const repo = new TradingRepository(ts.store);
      const { store, ctl } = switchable(repo);
      const audit = new MemoryRecorder();
      const adapter = new ScriptedAdapter();
      const svc = createTradingService({
        settings: { ...settings, refresh_seconds: 0 },
        dataDir: ts.dataDir,
        store,
        pubsub: eph,
        audit,
        clock,
        logger: silentLogger,
        adapter,
        storeRetryMs: 3_600_000, // the test drives the retries
      });
      services.push(svc);
      await svc.start();
      return { svc, repo, ctl, audit, adapter };
    }

    it("a halt with the database down is enforced here, by the adapter and by other instances, and stored when it returns", async () => {
      const a = await instance();
      const b = await instance();
      a.ctl.down = true;
      b.ctl.down = true; // the other instance cannot read the database either
      const c = await a.svc.halt({ scope: "strategy:carry", reason: "db down", actor: alice });
      assert.equal(c.stored, false);
      assert.equal(a.svc.effective(["strategy:carry"]).state, "HALTED");
      assert.deepEqual(a.adapter.calls.at(-1), { verb: "halt_strategy", scope: "strategy:carry" });
      await until(() => b.svc.effective(["strategy:carry"]).state === "HALTED", 5000, 1);
      // Nothing is lifted meanwhile: a resume needs the database.
      await assert.rejects(a.svc.proposeResume({ scope: "strategy:carry", reason: "x", actor: alice }));

      a.ctl.down = false;
      b.ctl.down = false;
      await a.svc.retryUnstored();
      assert.equal((await a.repo.getState("strategy:carry"))?.state, "HALTED", "now stored");
      const ev = a.audit.find("trading.halt").at(-1);
      assert.equal(ev?.user_id, "u-alice");
      assert.ok(
        (ev?.details as { enforced_since?: string } | undefined)?.enforced_since,
        "with when it began",
      );
      assert.equal(a.svc.effective(["strategy:carry"]).state, "HALTED", "trusted now, and still enforced");
      // And it is lifted the ordinary way.
      const r = await a.svc.proposeResume({ scope: "strategy:carry", reason: "back", actor: alice });
      await a.svc.approveResume(r.id, bob);
      assert.equal(a.svc.effective(["strategy:carry"]).state, "ACTIVE");
    });

    it("with the database down, reduce-only still cannot take a scope out of its halt", async () => {
      const a = await instance();
      await a.svc.halt({ scope: "strategy:momentum", reason: "halted", actor: alice });
      a.ctl.down = true;
      try {
        await assert.rejects(a.svc.reduce({ scope: "strategy:momentum", reason: "ease", actor: alice }), {
          code: "ERR_TRADING_RESUME_REQUIRED",
        });
      } finally {
        a.ctl.down = false;
      }
      assert.deepEqual(
        a.adapter.calls.map((c) => c.verb),
        ["halt_strategy"],
        "the adapter was never told reduce-only",
      );
      assert.equal(a.svc.effective(["strategy:momentum"]).state, "HALTED");
    });

    it("a resume does not lift a halt committed while it was being applied", async () => {
      const a = await instance();
      await a.svc.halt({ scope: "instrument:SOFR", reason: "first", actor: alice });
      const r = await a.svc.proposeResume({
        scope: "instrument:SOFR",
        reason: "first is over",
        actor: alice,
      });
      // Another instance halts again between the resume's read and its write.
      a.ctl.beforeSwap = async () => {
        const cur = await a.repo.getState("instrument:SOFR");
        await a.repo.compareAndSetState("instrument:SOFR", cur?.version ?? 0, {
          state: "HALTED",
          reason: "second",
          changedBy: "u-carol",
          changedAt: clock.now(),
        });
      };
      await assert.rejects(a.svc.approveResume(r.id, bob), { code: "ERR_TRADING_CONFLICT" });
      const row = await a.repo.getState("instrument:SOFR");
      assert.equal(row?.state, "HALTED");
      assert.equal(row?.reason, "second");
      assert.equal(a.audit.find("trading.resume").at(-1)?.outcome, "failure");
    });

    it("reduce-only cannot be used to leave a halt", async () => {
      const a = await instance();
      await a.svc.halt({ scope: "strategy:trend", reason: "halted", actor: alice });
      await assert.rejects(a.svc.reduce({ scope: "strategy:trend", reason: "ease off", actor: alice }), {
        code: "ERR_TRADING_RESUME_REQUIRED",
      });
      assert.equal(a.svc.effective(["strategy:trend"]).state, "HALTED");
      // From ACTIVE, reduce still tightens, and a halt still tightens a reduce.
      await a.svc.reduce({ scope: "strategy:value", reason: "vol", actor: alice });
      await a.svc.halt({ scope: "strategy:value", reason: "worse", actor: alice });
      assert.equal(a.svc.effective(["strategy:value"]).state, "HALTED");
    });
  });
}

describe("the ledger fail-safe", () => {
  it("fires when the ledger fails after checks that found it healthy (as the 1 s timer does)", async () => {
    const clock = new ManualClock();
    const inner = new MemoryRecorder();
    let calls = 0;
    const watch = watchLedgerHealth(inner, () => void calls++, {
      clock,
      afterMs: 1000,
      logger: silentLogger,
      intervalMs: 0,
    });
    try {
      await watch.tick(); // healthy: nothing to do
      await watch.tick();
      inner.failing = true;
      await assert.rejects(
        watch.recorder.record({ event_type: "system", action: "x.y", outcome: "success" }),
      );
      await watch.tick();
      clock.advance(1000);
      await watch.tick();
      assert.equal(calls, 1, "the fail-safe fired");
    } finally {
      watch.stop();
    }
  });

  it("tries again on the next check when its action failed", async () => {
    const clock = new ManualClock();
    const inner = new MemoryRecorder();
    let calls = 0;
    const watch = watchLedgerHealth(
      inner,
      () => {
        calls++;
        if (calls === 1) throw new Error("adapter unreachable");
      },
      { clock, afterMs: 1000, logger: silentLogger, intervalMs: 0 },
    );
    try {
      inner.failing = true;
      await assert.rejects(
        watch.recorder.record({ event_type: "system", action: "x.y", outcome: "success" }),
      );
      await watch.tick(); // the probe the failure started
      assert.equal(calls, 0, "not before the configured time");
      clock.advance(1000);
      await watch.tick();
      assert.equal(calls, 1);
      await watch.tick();
      assert.equal(calls, 2, "the failed action is tried again");
      await watch.tick();
      assert.equal(calls, 2, "and not again once it succeeded");
    } finally {
      watch.stop();
    }
  });
});
