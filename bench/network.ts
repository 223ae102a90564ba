// Time from an IP block (and its removal) on one gateway instance to enforcement on another: two
// IpFilter instances, each with its own ephemeral-store connection, sharing one database, against a
// raw publish→receive round trip on the same ephemeral store measured in the same run.
// Redis when RAMPART_TEST_REDIS_URL is set or --redis[=URL] is given (default redis://127.0.0.1:6379),
// else the in-memory store; PostgreSQL when RAMPART_TEST_DATABASE_URL is set, else SQLite.
// Target: enforcement under 100 ms.
// Run: node --import tsx bench/network.ts [--redis[=URL]] [--rounds N]   (one JSON line per figure)
import { ManualClock, silentLogger } from "../src/kernel/index.js";
import { IpFilter } from "../src/network/index.js";
import { createIpRuleRepository, type EphemeralStore, openTestStore } from "../src/store/index.js";
import { MemoryRecorder } from "../src/trading/testing.js";
import {
  emitFigure,
  propagationOptions,
  publishReceiveBaseline,
  quantile as q,
  round2 as r2,
} from "./lib/propagation.js";

const { rounds: ROUNDS, kind, openEph } = propagationOptions();
const databaseUrl = process.env["RAMPART_TEST_DATABASE_URL"] || undefined;
const WARMUP = 3;
const database = databaseUrl ? "postgres" : "sqlite";
const emit = (figure: string, samples: number[], extra: Record<string, unknown> = {}) =>
  emitFigure({ bench: "network", ephemeral: kind, database }, figure, samples, extra);
const baseline = () => publishReceiveBaseline(openEph, ROUNDS, WARMUP);

/** Resolves once `blocked(ip)` on the filter is `want`, checking on every turn of the event loop. */
function waitFor(f: IpFilter, ip: string, want: boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => {
      if (!f.check(ip).allowed === want) resolve();
      else setImmediate(poll);
    };
    poll();
  });
}

async function twoInstances(): Promise<{ block: number[]; unblock: number[] }> {
  const ts = await openTestStore({ url: databaseUrl });
  const ephs: EphemeralStore[] = [await openEph(), await openEph()];
  const mk = (eph: EphemeralStore) =>
    new IpFilter({
      store: createIpRuleRepository(ts.store),
      bus: eph,
      clock: new ManualClock(),
      audit: new MemoryRecorder(),
      logger: silentLogger,
      configRules: [],
      defaultAllow: true,
      // The periodic reload is the safety net; the figure is about the announced change.
      reloadIntervalMs: 3_600_000,
    });
  const A = mk(ephs[0] as EphemeralStore);
  const B = mk(ephs[1] as EphemeralStore);
  await A.start();
  await B.start();
  const block: number[] = [];
  const unblock: number[] = [];
  const ip = "203.0.113.7";
  for (let i = 0; i < ROUNDS + WARMUP; i++) {
    let t0 = performance.now();
    await A.add("block", ip, { reason: `bench ${i}`, actor: "bench" });
    await waitFor(B, ip, true);
    if (i >= WARMUP) block.push(performance.now() - t0);
    t0 = performance.now();
    await A.remove("block", ip, "bench");
    await waitFor(B, ip, false);
    if (i >= WARMUP) unblock.push(performance.now() - t0);
  }
  await A.stop();
  await B.stop();
  for (const e of ephs) await e.close();
  await ts.dispose();
  return { block, unblock };
}

const base = await baseline();
emit("publish_receive_roundtrip", base, {
  what: "baseline: raw EphemeralStore publish → subscriber on a second connection",
});
const r = await twoInstances();
emit("block_to_enforcement_other_instance", r.block, {
  what: "A.add(block) called → B refuses the address (DB write, publish, B's re-read; audit in memory)",
  target_ms: 100,
  ratio_to_baseline: r2(q(r.block, 0.5) / q(base, 0.5)),
  meets_target: q(r.block, 0.99) < 100,
});
emit("unblock_to_enforcement_other_instance", r.unblock, {
  what: "A.remove(block) called → B lets the address through again",
  ratio_to_baseline: r2(q(r.unblock, 0.5) / q(base, 0.5)),
});
