// The detection engine on hand-made streams: each built-in family fires at its threshold and not
// below, configured rules (sliding, leaky, distinct), trading hours in a time zone, determinism
// across a snapshot, and the live consumer's delay from append to detection.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { LedgerEvent } from "../audit/index.js";
import { AuditLedger } from "../audit/index.js";
import { ManualClock, systemClock } from "../kernel/index.js";
import { until } from "../kernel/testing.js";
import { openTestStore } from "../store/index.js";
import { DetectionRepository } from "../store/repos/detection.js";
import { createLedgerRepository } from "../store/repos/ledger.js";
import { StreamConsumer } from "./consumer.js";
import { DetectionEngine } from "./engine.js";
import { parseRules } from "./parse-rules.js";
import { DEFAULT_DETECTION, detectionSettings, type RuleConfig } from "./settings.js";
import { withinTradingHours } from "./trading-hours.js";
import type { Detection, StreamEvent } from "./types.js";

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const THRESHOLDS = {
  authentication_attack: { escalation_threshold: 5 },
  suspicious_trading: { escalation_threshold: 3 },
  data_breach: { escalation_threshold: 1 },
};

function engine(rules: RuleConfig[] = []): DetectionEngine {
  return new DetectionEngine({ settings: detectionSettings({ ...DEFAULT_DETECTION, rules }, THRESHOLDS) });
}

let n = 0;
function ev(at: number, e: Partial<LedgerEvent> & Pick<LedgerEvent, "action">): StreamEvent {
  const index = n++;
  return {
    index,
    atMs: at,
    event: {
      event_type: "authentication",
      outcome: "success",
      user_id: null,
      ip_address: null,
      session_id: null,
      resource: null,
      request_id: null,
      risk_score: null,
      details: {},
      event_id: `e${index}`,
      schema_version: 1,
      timestamp: new Date(at).toISOString(),
      index,
      ...e,
    },
  };
}

function run(eng: DetectionEngine, evs: StreamEvent[]): Detection[] {
  return evs.flatMap((e) => eng.process(e).detections);
}

describe("built-in rules", () => {
  test("password spraying: five distinct users from one address fire; five tries on one user do not", () => {
    const spray = Array.from({ length: 5 }, (_, i) =>
      ev(T0 + i * 1000, {
        action: "auth.login",
        outcome: "failure",
        user_id: `u${i}`,
        ip_address: "192.0.2.1",
        details: { reason: "wrong_password" },
      }),
    );
    const d = run(engine(), spray);
    assert.deepEqual(
      d.map((x) => [x.rule, x.subject]),
      [["auth.password_spraying", "ip:192.0.2.1"]],
    );
    const four = run(engine(), spray.slice(0, 4));
    assert.equal(four.length, 0);
  });

  test("brute force needs five failures within 15 minutes", () => {
    const slow = Array.from({ length: 5 }, (_, i) =>
      ev(T0 + i * 5 * 60_000, {
        action: "auth.login",
        outcome: "failure",
        user_id: "u",
        ip_address: "198.51.100.1",
        details: { reason: "wrong_password" },
      }),
    );
    assert.equal(run(engine(), slow).filter((d) => d.rule === "auth.brute_force").length, 0);
  });

  test("self-approval and a role change outside an approval fire at once; through an approval nothing", () => {
    const d = run(engine(), [
      ev(T0, {
        action: "approval.self_approval",
        outcome: "denied",
        event_type: "authorization",
        user_id: "a",
      }),
      ev(T0, { action: "user.roles_changed", user_id: "b", details: { via: "api" } }),
      ev(T0, { action: "user.roles_changed", user_id: "c", details: { via: "approval" } }),
    ]);
    assert.deepEqual(
      d.map((x) => x.rule),
      ["privilege.self_approval", "privilege.role_change_outside_approval"],
    );
    assert.equal(d[0]?.type, "privilege_escalation");
  });

  test("a token outside its IP binding is token abuse; a failed ledger verification is a critical data breach", () => {
    const d = run(engine(), [
      ev(T0, {
        action: "auth.token",
        outcome: "failure",
        user_id: "t",
        ip_address: "203.0.113.9",
        details: { reason: "ip_not_allowed" },
      }),
      ev(T0, {
        action: "audit.verify",
        outcome: "failure",
        event_type: "system",
        details: { problem: "entry 3" },
      }),
    ]);
    assert.deepEqual(
      d.map((x) => [x.type, x.severity ?? null]),
      [
        ["token_abuse", null],
        ["data_breach", "critical"],
      ],
    );
  });

  test("verification runs without a verdict: three within four intervals raise integrity_unverified", () => {
    const unverified = (at: number): StreamEvent =>
      ev(at, { action: "audit.verify", outcome: "error", event_type: "system", details: {} });
    const hour = 3_600_000; // the default verify_interval_s
    const fired = (at: number[]) =>
      run(engine(), at.map(unverified)).filter((d) => d.rule === "data.ledger_verification_unavailable");
    assert.equal(fired([T0, T0 + hour]).length, 0, "two are not yet a pattern");
    assert.equal(fired([T0, T0 + 5 * hour, T0 + 10 * hour]).length, 0, "spread out: not in one window");
    const d = fired([T0, T0 + hour, T0 + 2 * hour]);
    assert.equal(d.length, 1);
    assert.equal(d[0]?.type, "integrity_unverified");
    assert.equal(d[0]?.subject, "ledger");
    // An outage is not a breach: the breach rule does not see these.
    assert.equal(run(engine(), [unverified(T0)]).filter((x) => x.type === "data_breach").length, 0);
  });

  test("three manual trades on a strategy in a day are suspicious trading", () => {
    const d = run(
      engine(),
      [0, 1, 2].map((i) =>
        ev(T0 + i * 60_000, {
          action: "pst.manual_trade",
          event_type: "trading",
          details: { strategy_name: "fast_mr" },
        }),
      ),
    );
    assert.equal(d.length, 1);
    assert.equal(d[0]?.subject, "strategy:fast_mr");
    assert.deepEqual(d[0]?.context.patterns, ["manual_trade"]);
  });
});

describe("configured rules", () => {
  test("sliding, leaky and distinct rules with globs and lists; parseRules validates", () => {
    const rules = parseRules([
      {
        name: "csrf",
        type: "authentication_attack",
        match: { action: "gateway.csrf" },
        group_by: ["ip_address"],
        window_s: 60,
        threshold: 3,
      },
      {
        name: "leaky",
        type: "token_abuse",
        match: { action: "auth.*", outcome: ["failure", "denied"] },
        group_by: ["user_id"],
        window_s: 60,
        threshold: 4,
        mode: "leaky",
      },
    ]);
    const e = engine(rules);
    const csrf = [0, 1, 2].map((i) =>
      ev(T0 + i * 1000, { action: "gateway.csrf", outcome: "denied", ip_address: "192.0.2.5" }),
    );
    assert.deepEqual(
      run(e, csrf).map((d) => d.subject),
      ["ip:192.0.2.5"],
    );
    // Leaky: 4 per minute drains; three hits 30 s apart never reach 4, four at once do.
    const spaced = [0, 1, 2, 3].map((i) =>
      ev(T0 + i * 30_000, { action: "auth.mfa", outcome: "failure", user_id: "z", details: { reason: "x" } }),
    );
    assert.equal(run(engine(rules), spaced).filter((d) => d.rule === "leaky").length, 0);
    const burst = [0, 1, 2, 3].map((i) =>
      ev(T0 + i, { action: "auth.mfa", outcome: "failure", user_id: "y", details: { reason: "x" } }),
    );
    assert.equal(run(engine(rules), burst).filter((d) => d.rule === "leaky").length, 1);
    assert.throws(() => parseRules([{ name: "x", type: "t", match: {}, window_s: 0, threshold: 1 }]), {
      code: "ERR_DETECTION_RULES_INVALID",
    });
  });
});

test("trading hours are local to their time zone and weekdays", () => {
  const h = { timezone: "America/Chicago", days: [1, 2, 3, 4, 5], start: "08:00", end: "16:00" };
  assert.equal(withinTradingHours(Date.UTC(2026, 0, 5, 15, 0), h), true); // 09:00 CST Monday
  assert.equal(withinTradingHours(Date.UTC(2026, 0, 5, 23, 0), h), false); // 17:00 CST
  assert.equal(withinTradingHours(Date.UTC(2026, 0, 10, 15, 0), h), false); // Saturday
});

test("a snapshot restores exactly: the same stream gives the same detections with or without a restart", () => {
  const evs = Array.from({ length: 40 }, (_, i) =>
    ev(T0 + i * 20_000, {
      action: "auth.login",
      outcome: "failure",
      user_id: `u${i % 3}`,
      ip_address: `192.0.2.${i % 7}`,
      details: { reason: "wrong_password" },
    }),
  );
  const whole = run(engine(), evs);
  const a = engine();
  const first = run(a, evs.slice(0, 17));
  const b = engine();
  b.restore(a.snapshot());
  assert.deepEqual([...first, ...run(b, evs.slice(17))], whole);
  assert.ok(whole.length > 0);
});

// How soon (target 1 s) is bench/detection's live_delay figure; here, that it happens.
test("the live consumer detects an append made after it started", async (t) => {
  const ts = await openTestStore({ url: undefined });
  try {
    const repo = createLedgerRepository(ts.store);
    const ledger = new AuditLedger({ store: repo, clock: systemClock, origin: "t" });
    const seen: { at: number; d: Detection }[] = [];
    const consumer = new StreamConsumer({
      ledger: repo,
      store: new DetectionRepository(ts.store),
      engine: engine(),
      sink: { handle: async (d) => void seen.push(...d.map((x) => ({ at: Date.now(), d: x }))) },
      clock: new ManualClock(),
      pollMs: 200,
    });
    await consumer.start();
    const t0 = Date.now();
    try {
      await ledger.record({ event_type: "system", action: "audit.verify", outcome: "failure", details: {} });
      await until(() => seen.length > 0, 10_000);
    } finally {
      // The consumer's poll timer would keep the file alive if a failure skipped this.
      await consumer.stop();
      await ledger.close();
    }
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.d.rule, "data.ledger_verification_failed");
    t.diagnostic(`detected after ${(seen[0]?.at ?? 0) - t0} ms`);
  } finally {
    await ts.dispose();
  }
});

const breach = { event_type: "system", action: "audit.verify", outcome: "failure", details: {} } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two ledgers on one store, as two processes: `ours` offers its commits to the consumer, `theirs`
 * does not. The consumer's sink records the index of each detection (every `breach` is one).
 */
async function withTwoWriters(
  pollMs: number,
  fn: (w: {
    ours: AuditLedger;
    theirs: AuditLedger;
    consumer: StreamConsumer;
    seen: number[];
    leavesRead: () => number;
    stopOffers: () => void;
  }) => Promise<void>,
): Promise<void> {
  const ts = await openTestStore({ url: undefined });
  const repo = createLedgerRepository(ts.store);
  let leavesRead = 0;
  const reader = {
    size: () => repo.size(),
    readEntry: (i: number) => repo.readEntry(i),
    async *readLeaves(from: number, to: number) {
      for await (const leaf of repo.readLeaves(from, to)) {
        leavesRead++;
        yield leaf;
      }
    },
  };
  const ours = new AuditLedger({ store: repo, clock: systemClock, origin: "t" });
  const theirs = new AuditLedger({
    store: createLedgerRepository(ts.store),
    clock: systemClock,
    origin: "t",
  });
  const seen: number[] = [];
  const consumer = new StreamConsumer({
    ledger: reader,
    store: new DetectionRepository(ts.store),
    engine: engine(),
    sink: { handle: async (d) => void seen.push(...d.map((x) => x.index)) },
    clock: new ManualClock(),
    pollMs,
  });
  await consumer.start();
  const stopOffers = ours.onCommitted((e) => consumer.offer(e));
  try {
    await fn({ ours, theirs, consumer, seen, leavesRead: () => leavesRead, stopOffers });
  } finally {
    stopOffers();
    await consumer.stop();
    await ours.close();
    await theirs.close();
    await ts.dispose();
  }
}

test("entries this process commits are processed from the ledger's offer; others are read from the database", async () => {
  // Only offers and nudge() move this consumer: its poll is a minute away.
  await withTwoWriters(60_000, async ({ ours, theirs, consumer, seen, leavesRead, stopOffers }) => {
    await Promise.all([ours.record(breach), ours.record(breach), ours.record(breach)]);
    await until(() => seen.length >= 3);
    assert.deepEqual(seen, [0, 1, 2]);
    assert.equal(leavesRead(), 0, "our own entries were read back from the database");

    await theirs.record(breach); // index 3: not offered
    await ours.record(breach); // index 4: offered, but 3 must come first
    await sleep(50);
    assert.deepEqual(seen, [0, 1, 2], "an offer jumped the entry before it");
    consumer.nudge(); // what the next poll does: 3 and 4 from the database
    await until(() => seen.length >= 5);
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    assert.equal(leavesRead(), 2);

    // A failing listener does not fail the append, and unsubscribed offers stop.
    const stopBad = ours.onCommitted(() => {
      throw new Error("listener broke");
    });
    stopOffers();
    const receipt = await ours.record(breach);
    assert.equal(receipt.index, 5);
    stopBad();
    await consumer.catchUp();
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
    assert.equal(leavesRead(), 3);
  });
});

test("offers arriving faster than the poll do not hold back another process's entries", async () => {
  await withTwoWriters(100, async ({ ours, theirs, seen }) => {
    await ours.record(breach);
    await until(() => seen.length > 0);
    await sleep(150); // past a poll that found nothing new
    const gap = (await theirs.record(breach)).index;
    // Our entries every 10 ms, ten times the poll rate, for up to 3 s.
    const t0 = Date.now();
    while (!seen.includes(gap) && Date.now() - t0 < 3000) {
      await ours.record(breach);
      await sleep(10);
    }
    assert.ok(seen.includes(gap), "the other process's entry was never read");
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
      "entries processed out of ledger order",
    );
    assert.deepEqual(seen.slice(0, gap + 1), [...Array(gap + 1).keys()]);
  });
});
