// Time from a halt on one gateway instance to enforcement on another (two TradingService
// instances, each with its own ephemeral-store connection, sharing one database), against a raw
// publish→receive round trip on the same ephemeral store measured in the same run; and time from
// the halt to the pysystemtrade actuator's confirmation (the real actuator over stdin/stdout,
// against the fake pysystemtrade modules of integrations/pysystemtrade/tests).
// Redis when RAMPART_TEST_REDIS_URL is set or --redis[=URL] is given (default redis://127.0.0.1:6379);
// otherwise the in-memory store (one process). Target: enforcement under 100 ms.
// Run: node --import tsx bench/trading.ts [--redis[=URL]] [--rounds N]   (one JSON line per figure)
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config/index.js";
import { ManualClock, silentLogger } from "../src/kernel/index.js";
import { type EphemeralStore, openTestStore, randomTag, TradingRepository } from "../src/store/index.js";
import {
  ChildProcessTransport,
  createTradingService,
  PysystemtradeAdapter,
  type TradingAdapter,
  type TradingService,
} from "../src/trading/index.js";
import { MemoryRecorder } from "../src/trading/testing.js";
import {
  emitFigure,
  propagationOptions,
  publishReceiveBaseline,
  quantile as q,
  round2 as r2,
} from "./lib/propagation.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const { rounds: ROUNDS, kind, openEph } = propagationOptions();
const settings = {
  ...loadConfig({ fileName: "rampart.yaml", text: "", env: {} }).trading,
  refresh_seconds: 0,
};
const emit = (figure: string, samples: number[], extra: Record<string, unknown> = {}) =>
  emitFigure({ bench: "trading", ephemeral: kind }, figure, samples, extra);
const baseline = () => publishReceiveBaseline(openEph, ROUNDS);

function waitEnforced(svc: TradingService): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => {
      try {
        svc.check("trading:place_orders");
        setImmediate(poll);
      } catch {
        resolve();
      }
    };
    poll();
  });
}

async function twoInstances(
  adapter?: () => TradingAdapter,
): Promise<{ enforce: number[]; confirm: number[]; actuatorMs: number[] }> {
  const ts = await openTestStore({ url: undefined });
  const ephs: EphemeralStore[] = [await openEph(), await openEph()];
  const mk = (eph: EphemeralStore, a?: TradingAdapter) =>
    createTradingService({
      settings,
      dataDir: ts.dataDir,
      store: new TradingRepository(ts.store),
      pubsub: eph,
      audit: new MemoryRecorder(),
      clock: new ManualClock(),
      logger: silentLogger,
      ...(a ? { adapter: a } : {}),
    });
  const A = mk(ephs[0] as EphemeralStore, adapter?.());
  const B = mk(ephs[1] as EphemeralStore);
  await A.start();
  await B.start();
  const enforce: number[] = [];
  const confirm: number[] = [];
  const actuatorMs: number[] = [];
  for (let i = 0; i < ROUNDS + 3; i++) {
    const t0 = performance.now();
    const seen = waitEnforced(B).then(() => performance.now() - t0);
    const change = await A.halt({
      scope: "global",
      reason: `bench ${i}`,
      actor: { id: "bench-a", via: "system" },
    });
    const tConfirm = performance.now() - t0;
    const tEnforce = await seen;
    if (i >= 3) {
      enforce.push(tEnforce);
      if (change.actions.length) {
        if (change.actions.some((a) => a.status !== "confirmed"))
          throw new Error(`not confirmed: ${change.actions[0]?.error}`);
        confirm.push(tConfirm);
        actuatorMs.push(change.actions[0]?.elapsedMs ?? 0);
      }
    }
    const p = await A.proposeResume({ reason: "bench", actor: { id: "bench-a", via: "system" } });
    await A.approveResume(p.id, { id: "bench-b", via: "system" });
    // The next round starts only once B enforces ACTIVE again (a resume reaches B via a DB re-read).
    for (let ok = false; !ok; ) {
      try {
        B.check("trading:place_orders");
        ok = true;
      } catch {
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  }
  await A.stop();
  await B.stop();
  for (const e of ephs) await e.close();
  await ts.dispose();
  return { enforce, confirm, actuatorMs };
}

const base = await baseline();
emit("publish_receive_roundtrip", base, {
  what: "baseline: raw EphemeralStore publish → subscriber on a second connection",
});
const plain = await twoInstances();
emit("halt_to_enforcement_other_instance", plain.enforce, {
  what: "A.halt() called → B's gate refuses trading:* (DB write, publish, delivery)",
  target_ms: 100,
  ratio_to_baseline: r2(q(plain.enforce, 0.5) / q(base, 0.5)),
  meets_target: q(plain.enforce, 0.99) < 100,
});

const dir = await mkdtemp(join(tmpdir(), "rampart-bench-trading-"));
try {
  const db = join(dir, "fake-mongo.json");
  await writeFile(db, JSON.stringify({ process_control: {}, strategies: ["carry"] }));
  const key = Buffer.from(randomTag(24));
  const fake = join(ROOT, "integrations", "pysystemtrade", "tests", "fake_pysystemtrade");
  let n = 0;
  const withActuator = await twoInstances(
    () =>
      new PysystemtradeAdapter({
        transport: new ChildProcessTransport(
          [
            "python3",
            join(ROOT, "integrations", "pysystemtrade", "rampart_actuator.py"),
            "--stdio",
            "--state-file",
            join(dir, "state.json"),
          ],
          {
            PATH: process.env["PATH"] ?? "/usr/bin:/bin",
            PYTHONPATH: fake,
            FAKE_PYSYSTEMTRADE_DB: db,
            RAMPART_ACTUATOR_KEY: key.toString(),
          },
        ),
        key,
        clock: { now: () => Date.now() },
        timeoutMs: 10_000,
        newId: () => `b${++n}`,
      }),
  );
  emit("halt_to_enforcement_with_actuator", withActuator.enforce, {
    target_ms: 100,
    meets_target: q(withActuator.enforce, 0.99) < 100,
  });
  emit("halt_to_actuator_confirmation", withActuator.confirm, {
    what: "A.halt() called → halt_all done and read back (status) by the actuator over stdin/stdout, fake pysystemtrade",
  });
  emit("actuator_verb_and_readback", withActuator.actuatorMs, {
    what: "one signed verb + one signed status round trip",
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
