// The fail-safe link to the ledger (trading halts when the ledger stays unwritable longer than
// trading.on_audit_failure_after) and drills (halt, confirm, resume through a drill approval).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../config/index.js";
import { ManualClock, silentLogger } from "../kernel/index.js";
import {
  type EphemeralStore,
  openTestEphemeral,
  openTestStore,
  type TestStore,
  TradingRepository,
} from "../store/index.js";
import { auditFailureAction, createTradingService, type TradingService, watchLedgerHealth } from "./index.js";
import { MemoryRecorder, ScriptedAdapter } from "./testing.js";

const settings = loadConfig({ fileName: "rampart.yaml", text: "", env: {} }).trading;

describe("ledger fail-safe and drills", () => {
  let ts: TestStore;
  let eph: EphemeralStore;
  const clock = new ManualClock();
  const inner = new MemoryRecorder();
  const adapter = new ScriptedAdapter();
  let svc: TradingService;
  let watch: ReturnType<typeof watchLedgerHealth>;
  before(async () => {
    ts = await openTestStore({ url: undefined });
    eph = await openTestEphemeral({ redisUrl: undefined });
    let service: TradingService | undefined;
    watch = watchLedgerHealth(
      inner,
      (info) => auditFailureAction(service as TradingService, "halt", silentLogger)(info),
      {
        clock,
        afterMs: settings.on_audit_failure_after * 1000,
        logger: silentLogger,
        intervalMs: 0,
      },
    );
    service = createTradingService({
      settings: { ...settings, refresh_seconds: 0 },
      dataDir: ts.dataDir,
      store: new TradingRepository(ts.store),
      pubsub: eph,
      audit: watch.recorder,
      clock,
      logger: silentLogger,
      adapter,
    });
    svc = service;
    await svc.start();
  });
  after(async () => {
    watch.stop();
    await svc.stop();
    await eph.close();
    await ts.dispose();
  });

  it("with the ledger failing, trading halts within the configured time (and not before)", async () => {
    inner.failing = true;
    await assert.rejects(watch.recorder.record({ event_type: "system", action: "x.y", outcome: "success" }));
    clock.advance(settings.on_audit_failure_after * 1000 - 1000);
    await watch.tick();
    assert.equal(svc.effective(["global"]).state, "ACTIVE", "not before the configured time");
    clock.advance(1000);
    await watch.tick();
    assert.equal(svc.effective(["global"]).state, "HALTED");
    assert.deepEqual(adapter.calls.at(-1), { verb: "halt_all", scope: "global" });
    const row = svc.states().find((s) => s.scope === "global");
    assert.equal(row?.changedBy, "system:ledger-failsafe");
    assert.match(row?.reason ?? "", /audit ledger unavailable for 30 s/);
  });

  it("recovers when the ledger writes again, and a resume still needs two people", async () => {
    inner.failing = false;
    await watch.tick();
    assert.equal(watch.failingSince(), null);
    assert.ok(inner.find("audit.probe").length >= 1);
    const r = await svc.proposeResume({ reason: "ledger back", actor: { id: "u1", via: "cli" } });
    await svc.approveResume(r.id, { id: "u2", via: "cli" });
    assert.equal(svc.effective(["global"]).state, "ACTIVE");
  });

  it("a drill halts, confirms, resumes through a pre-approved drill approval and records the times", async () => {
    const p = await svc.proposeResume({
      scope: "strategy:carry",
      reason: "monthly drill",
      actor: { id: "u1", via: "cli" },
      drill: true,
    });
    const approved = await svc.approveResume(p.id, { id: "u2", via: "cli" });
    assert.equal(approved.change, undefined, "a drill approval is not applied on approval");
    const report = await svc.drill({
      scope: "strategy:carry",
      approvalId: p.id,
      reason: "monthly",
      actor: { id: "u1", via: "cli" },
    });
    assert.equal(report.confirmed, true);
    assert.equal(report.resumed, true);
    assert.ok(
      report.timeToHaltMs >= 0 &&
        report.timeToConfirmMs !== null &&
        report.timeToConfirmMs >= report.timeToHaltMs,
    );
    assert.deepEqual(
      adapter.calls.slice(-2).map((c) => c.verb),
      ["halt_strategy", "resume"],
    );
    const ev = inner.find("trading.drill").at(-1);
    assert.equal(ev?.outcome, "success");
    assert.equal(
      (ev?.details as { time_to_halt_ms?: number } | undefined)?.time_to_halt_ms,
      report.timeToHaltMs,
    );
    await assert.rejects(
      svc.drill({
        scope: "strategy:carry",
        approvalId: p.id,
        reason: "again",
        actor: { id: "u1", via: "cli" },
      }),
      { code: "ERR_TRADING_APPROVAL_NOT_USABLE" },
    );
  });
});
