// Incidents under concurrent writers, each race made deterministic by holding one call of a store
// (a read whose answer comes late, or a write built from an earlier read that lands late) until
// the concurrent change has been made. Incident stores: in memory, SQLite, and PostgreSQL when
// RAMPART_TEST_DATABASE_URL is set; "two instances" are two Responders over one store.
// - A person's close between the consumer's read and write stands; the detection opens a new incident.
// - Two consumers adding to one incident lose none of each other's events (and escalate on the sum).
// - A final action failure neither reopens nor escalates an incident closed meanwhile.
// - An acknowledgement, and the runner's detected -> responding, keep events added meanwhile.
// - Concurrent blocks of one address keep the longest expiry, whichever lands last (ephemeral
//   store in memory and Redis, and the IP filter on SQLite and PostgreSQL).
// - A false positive lifts only blocks no other open incident holds, including a block that was
//   being placed as it was marked; its actions not yet run are skipped.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AuditRecorder } from "../audit/index.js";
import type { Detection } from "../detection/index.js";
import { ManualClock, silentLogger } from "../kernel/index.js";
import { IpFilter, ipFilterAsSets } from "../network/index.js";
import {
  createIpRuleRepository,
  databaseTargets,
  ephemeralTargets,
  IncidentRepository,
  openEphemeral,
  openTestEphemeral,
  openTestStore,
} from "../store/index.js";
import { BLOCKED_SET, IpBlocklist } from "./blocklist.js";
import { MemoryIncidentStore } from "./memory-store.js";
import type { EphemeralSets, IncidentStore } from "./ports.js";
import { type IncidentActor, Responder } from "./responder.js";
import type { ResponseConfigSection } from "./settings.js";
import { responseSettings } from "./testing.js";

const ANALYST: IncidentActor = { id: "u-analyst", via: "api" };

/**
 * `target` behind a Proxy that can hold one call: the first call of `method` (whose arguments
 * pass `when`) after hold() is held until release() — after it ran ("after": its answer comes
 * late, like a slow read) or before it runs ("before": a write built from an earlier read lands
 * late). `reached` resolves once the call is held.
 */
function holdable<T extends object>(target: T) {
  let pending:
    | { method: string; phase: "before" | "after"; when: (args: unknown[]) => boolean; held: () => void }
    | undefined;
  let gate: Promise<void> = Promise.resolve();
  let open = (): void => {};
  const proxy = new Proxy(target, {
    get(t, p) {
      const v: unknown = Reflect.get(t, p, t);
      if (typeof v !== "function") return v;
      const fn = v as (...a: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        const h = pending;
        if (!h || p !== h.method || !h.when(args)) return fn.apply(t, args);
        pending = undefined;
        if (h.phase === "before") {
          h.held();
          await gate;
          return fn.apply(t, args);
        }
        const out = await fn.apply(t, args);
        h.held();
        await gate;
        return out;
      };
    },
  });
  return {
    proxy,
    hold(method: string, phase: "before" | "after", when: (args: unknown[]) => boolean = () => true) {
      gate = new Promise((r) => {
        open = r;
      });
      const reached = new Promise<void>((held) => {
        pending = { method, phase, when, held };
      });
      return { reached, release: () => open() };
    },
  };
}

interface StoreUnderTest {
  readonly store: IncidentStore;
  dispose(): Promise<void>;
}

const incidentStores: { name: string; skip: string | false; open(): Promise<StoreUnderTest> }[] = [
  {
    name: "memory",
    skip: false,
    open: async () => ({ store: new MemoryIncidentStore(), dispose: async () => {} }),
  },
  ...databaseTargets(process.env).map((t) => ({
    name: t.dialect,
    skip: t.skip,
    open: async (): Promise<StoreUnderTest> => {
      const ts = await openTestStore(t);
      return { store: new IncidentRepository(ts.store), dispose: () => ts.dispose() };
    },
  })),
];

function detection(
  type: string,
  subject: string,
  evidence: number[],
  context: Partial<Detection["context"]> = {},
): Detection {
  const index = evidence[evidence.length - 1] ?? 0;
  return {
    rule: `${type}.rule`,
    type,
    subject,
    index,
    atMs: 1_000_000 + index,
    evidence,
    context: { ips: [], users: [], sessions: [], instruments: [], strategies: [], patterns: [], ...context },
    summary: `detection at ${index}`,
  };
}

function settings(
  playbooks: Record<string, readonly string[]>,
  section: Partial<ResponseConfigSection> = {},
) {
  return responseSettings({
    playbooks: Object.fromEntries(
      Object.entries(playbooks).map(([k, actions]) => [k, { actions, dry_run: false }]),
    ),
    escalation_actions: ["manual_review"],
    ...section,
  });
}

const AUTH = "authentication_attack"; // escalation_threshold 5

for (const backend of incidentStores) {
  describe(`incident writes under concurrency [${backend.name}]`, { skip: backend.skip }, () => {
    const open = async () => {
      const s = await backend.open();
      const clock = new ManualClock(1_000_000);
      const kv = await openEphemeral({ clock, prefix: "c:" });
      const blocklist = new IpBlocklist({
        ephemeral: kv,
        clock,
        settings: { baseMs: 600_000, maxMs: 86_400_000, rememberMs: 86_400_000, allowList: [] },
      });
      return {
        ...s,
        clock,
        blocklist,
        async dispose() {
          await kv.close();
          await s.dispose();
        },
      };
    };

    test("a person's close between the consumer's read and its write stands; the detection opens a new incident", async () => {
      const e = await open();
      const held = holdable(e.store);
      const r = new Responder({
        store: held.proxy,
        settings: settings({ [AUTH]: ["block_ip"] }),
        clock: e.clock,
        ports: { blocklist: e.blocklist },
      });
      try {
        await r.handle([detection(AUTH, "user:alice", [1, 2], { ips: ["203.0.113.1"] })]);
        await r.idle();
        const [inc] = await e.store.list({ limit: 5 });
        assert.equal(inc?.status, "contained");
        const id = inc?.id ?? "";
        // The consumer reads the open incident; before it writes, an analyst marks it a false positive.
        const h = held.hold("findOpen", "after");
        const joining = r.handle([detection(AUTH, "user:alice", [3], { ips: ["203.0.113.2"] })]);
        await h.reached;
        await r.markFalsePositive(id, ANALYST, "a load test");
        assert.equal(await e.blocklist.isBlocked("203.0.113.1"), false);
        h.release();
        await joining;
        await r.idle();
        const after = await e.store.get(id);
        assert.equal(after?.status, "false_positive", "not reopened");
        assert.equal(after?.closedBy, "u-analyst");
        assert.equal(after?.resolution, "a load test");
        assert.equal(after?.eventCount, 2);
        assert.deepEqual(
          (await e.store.actions(id)).map((a) => a.key),
          ["block_ip:203.0.113.1"],
          "no playbook on the closed incident",
        );
        assert.equal(await e.blocklist.isBlocked("203.0.113.1"), false, "its lifted block stays lifted");
        const next = await e.store.findOpen(AUTH, "user:alice");
        assert.notEqual(next?.id, id);
        assert.equal(next?.eventCount, 1, "the detection went to a new incident");
      } finally {
        await r.stop();
        await e.dispose();
      }
    });

    test("two instances' consumers adding to one incident lose none of each other's events, and escalate on the sum", async () => {
      const e = await open();
      const held = holdable(e.store);
      const s = settings({ [AUTH]: [] });
      const one = new Responder({ store: held.proxy, settings: s, clock: e.clock });
      const two = new Responder({ store: e.store, settings: s, clock: e.clock });
      try {
        await one.handle([detection(AUTH, "user:bob", [1, 2])]);
        const h = held.hold("findOpen", "after");
        const first = one.handle([detection(AUTH, "user:bob", [3, 4])]);
        await h.reached;
        await two.handle([detection(AUTH, "user:bob", [5, 6])]);
        h.release();
        await first;
        await Promise.all([one.idle(), two.idle()]);
        const all = await e.store.list({ limit: 5 });
        assert.equal(all.length, 1);
        assert.equal(all[0]?.eventCount, 6, "2 + 2 + 2 events");
        assert.equal(all[0]?.detectionCount, 3);
        assert.equal(all[0]?.escalated, true, "6 events pass the threshold of 5");
        assert.equal((await e.store.evidence(all[0]?.id ?? "")).length, 6);
      } finally {
        await Promise.all([one.stop(), two.stop()]);
        await e.dispose();
      }
    });

    test("an action's final failure neither reopens nor escalates an incident marked a false positive meanwhile", async () => {
      const e = await open();
      const held = holdable(e.store);
      const s = settings({ suspicious_trading: ["halt_strategy"] }, { max_attempts: 1 });
      const halts: string[] = [];
      const server = new Responder({
        store: held.proxy,
        settings: s,
        clock: e.clock,
        ports: {
          trading: {
            halt: async (scope) => {
              halts.push(scope);
              throw new Error("actuator down");
            },
            reduce: async () => {},
          },
        },
      });
      const cli = new Responder({ store: e.store, settings: s, clock: e.clock });
      try {
        // The escalation's write, built from a read made before the analyst's close, lands after it.
        const h = held.hold("update", "before", ([i]) => (i as { escalated: boolean }).escalated);
        await server.handle([detection("suspicious_trading", "user:t", [1, 2], { strategies: ["s1"] })]);
        await h.reached;
        const [inc] = await e.store.list({ limit: 5 });
        const id = inc?.id ?? "";
        await cli.markFalsePositive(id, ANALYST, "a drill");
        h.release();
        await server.idle();
        assert.deepEqual(halts, ["strategy:s1"]);
        const after = await e.store.get(id);
        assert.equal(after?.status, "false_positive", "not reopened");
        assert.equal(after?.closedBy, "u-analyst");
        assert.equal(after?.escalated, false);
        const acts = await e.store.actions(id);
        assert.equal(acts.find((a) => a.action === "halt_strategy")?.status, "failed");
        assert.equal(
          acts.some((a) => a.target === "escalation"),
          false,
          "no escalation playbook",
        );
      } finally {
        await Promise.all([server.stop(), cli.stop()]);
        await e.dispose();
      }
    });

    test("an acknowledgement keeps the events the consumer added between its read and its write", async () => {
      const e = await open();
      const held = holdable(e.store);
      const s = settings({ [AUTH]: [] });
      const api = new Responder({ store: held.proxy, settings: s, clock: e.clock });
      const consumer = new Responder({ store: e.store, settings: s, clock: e.clock });
      try {
        await consumer.handle([detection(AUTH, "user:carol", [1, 2])]);
        const [inc] = await e.store.list({ limit: 5 });
        const id = inc?.id ?? "";
        const h = held.hold("update", "before");
        const ack = api.acknowledge(id, ANALYST);
        await h.reached;
        await consumer.handle([detection(AUTH, "user:carol", [3, 4])]);
        h.release();
        assert.equal((await ack).status, "responding");
        const after = await e.store.get(id);
        assert.equal(after?.status, "responding");
        assert.equal(after?.acknowledgedBy, "u-analyst");
        assert.equal(after?.eventCount, 4);
        assert.equal(after?.detectionCount, 2);
      } finally {
        await Promise.all([api.stop(), consumer.stop()]);
        await e.dispose();
      }
    });

    test("the runner's detected -> responding keeps the events another instance added meanwhile", async () => {
      const e = await open();
      const held = holdable(e.store);
      const s = settings({ [AUTH]: ["manual_review"] });
      const one = new Responder({ store: held.proxy, settings: s, clock: e.clock });
      const two = new Responder({ store: e.store, settings: s, clock: e.clock });
      try {
        const h = held.hold("update", "before", ([i]) => (i as { status: string }).status === "responding");
        await one.handle([detection(AUTH, "user:dan", [1, 2])]);
        await h.reached;
        await two.handle([detection(AUTH, "user:dan", [3, 4])]);
        h.release();
        await Promise.all([one.idle(), two.idle()]);
        const [after] = await e.store.list({ limit: 5 });
        assert.equal(after?.eventCount, 4);
        assert.equal(after?.detectionCount, 2);
        assert.equal(after?.status, "contained");
      } finally {
        await Promise.all([one.stop(), two.stop()]);
        await e.dispose();
      }
    });

    test("a false positive keeps a block another open incident holds on the same address", async () => {
      const e = await open();
      const r = new Responder({
        store: e.store,
        settings: settings({ [AUTH]: ["block_ip"] }),
        clock: e.clock,
        ports: { blocklist: e.blocklist },
      });
      try {
        await r.handle([detection(AUTH, "user:erin", [1], { ips: ["198.51.100.7"] })]);
        await r.handle([detection(AUTH, "user:frank", [2], { ips: ["198.51.100.7"] })]);
        await r.idle();
        const [frank, erin] = await e.store.list({ limit: 5 });
        assert.equal(erin?.subject, "user:erin");
        await r.markFalsePositive(erin?.id ?? "", ANALYST, "a colleague");
        assert.equal(await e.blocklist.isBlocked("198.51.100.7"), true, "frank's incident still holds it");
        await r.markFalsePositive(frank?.id ?? "", ANALYST, "a colleague too");
        assert.equal(await e.blocklist.isBlocked("198.51.100.7"), false, "the last holder lifts it");
      } finally {
        await r.stop();
        await e.dispose();
      }
    });

    test("a block being placed as its incident is marked a false positive is lifted once placed; actions not yet run are skipped", async () => {
      const e = await open();
      const kv = await openEphemeral({ clock: e.clock, prefix: "h:" });
      const sets = holdable<EphemeralSets>(kv);
      const blocklist = new IpBlocklist({
        ephemeral: sets.proxy,
        clock: e.clock,
        settings: { baseMs: 600_000, maxMs: 86_400_000, rememberMs: 86_400_000, allowList: [] },
      });
      const r = new Responder({
        store: e.store,
        settings: settings({ [AUTH]: ["block_ip"] }),
        clock: e.clock,
        ports: { blocklist },
      });
      try {
        const h = sets.hold("sAdd", "before", ([key]) => key === BLOCKED_SET);
        await r.handle([detection(AUTH, "user:gus", [1], { ips: ["192.0.2.1", "192.0.2.2"] })]);
        await h.reached; // the first block is being placed; the second waits its turn
        const [inc] = await e.store.list({ limit: 5 });
        const id = inc?.id ?? "";
        await r.markFalsePositive(id, ANALYST, "our scanner");
        h.release();
        await r.idle();
        assert.equal(await blocklist.isBlocked("192.0.2.1"), false, "lifted once placed");
        assert.equal(await blocklist.isBlocked("192.0.2.2"), false, "never placed");
        const acts = Object.fromEntries((await e.store.actions(id)).map((a) => [a.target, a.status]));
        assert.deepEqual(acts, { "192.0.2.1": "done", "192.0.2.2": "skipped" });
        assert.equal((await e.store.get(id))?.status, "false_positive");
      } finally {
        await r.stop();
        await kv.close();
        await e.dispose();
      }
    });
  });
}

// ---- Block expiry: concurrent blocks of one address, the shorter landing last.

interface BlockStorage {
  readonly sets: EphemeralSets;
  /** How long the block on `ip` has left (ms). */
  remainingMs(ip: string): Promise<number>;
  dispose(): Promise<void>;
}

const noAudit: AuditRecorder = { record: async () => ({ event_id: "-", index: 0 }) };

const blockStorages: {
  name: string;
  skip: string | false;
  open(clock: ManualClock): Promise<BlockStorage>;
}[] = [
  ...ephemeralTargets(process.env).map((t) => ({
    name: `ephemeral ${t.kind}`,
    skip: t.skip,
    open: async (clock: ManualClock): Promise<BlockStorage> => {
      const kv =
        t.redisUrl === undefined ? await openEphemeral({ clock, prefix: "x:" }) : await openTestEphemeral(t);
      return {
        sets: kv,
        // One member: the set lives exactly as long as it.
        remainingMs: async () => (await kv.ttl(BLOCKED_SET)) ?? 0,
        async dispose() {
          await kv.del(BLOCKED_SET);
          await kv.del("response:offences:203.0.113.50");
          await kv.close();
        },
      };
    },
  })),
  ...databaseTargets(process.env).map((t) => ({
    name: `IP filter ${t.dialect}`,
    skip: t.skip,
    open: async (clock: ManualClock): Promise<BlockStorage> => {
      const ts = await openTestStore(t);
      const kv = await openEphemeral({ clock, prefix: "y:" });
      const filter = new IpFilter({
        store: createIpRuleRepository(ts.store),
        bus: { publish: async () => {}, subscribe: async () => async () => {} },
        clock,
        audit: noAudit,
        logger: silentLogger,
        configRules: [],
        defaultAllow: true,
      });
      await filter.reload();
      const repo = createIpRuleRepository(ts.store);
      return {
        sets: ipFilterAsSets(filter, kv, { blocked: BLOCKED_SET, allowed: "response:allowed" }, "test"),
        async remainingMs() {
          // What is stored, the shared truth (not one instance's snapshot).
          const rule = (await repo.list()).find((r) => r.kind === "block");
          return rule?.expiresAt === null ? Number.POSITIVE_INFINITY : (rule?.expiresAt ?? 0) - clock.now();
        },
        async dispose() {
          await kv.close();
          await ts.dispose();
        },
      };
    },
  })),
];

for (const storage of blockStorages) {
  test(`concurrent blocks of one address keep the longest expiry, whichever lands last [${storage.name}]`, {
    skip: storage.skip,
  }, async () => {
    const clock = new ManualClock(1_000_000);
    const s = await storage.open(clock);
    try {
      const sets = holdable(s.sets);
      const base = 60_000;
      const blocklist = new IpBlocklist({
        ephemeral: sets.proxy,
        clock,
        settings: { baseMs: base, maxMs: 86_400_000, rememberMs: 86_400_000, allowList: [] },
      });
      const ip = "203.0.113.50";
      // The first offence's block (base) is held; four more (up to 16 x base) land before it.
      const h = sets.hold("sAdd", "before", ([key]) => key === BLOCKED_SET);
      const first = blocklist.block(ip);
      await h.reached;
      const later = [];
      for (let i = 0; i < 4; i++) later.push(await blocklist.block(ip));
      assert.deepEqual(
        later.map((b) => b.durationMs),
        [2, 4, 8, 16].map((k) => k * base),
      );
      h.release();
      assert.equal((await first).durationMs, base);
      const left = await s.remainingMs(ip);
      // Real time passes on Redis: anything well above the first block's duration tells them apart.
      assert.ok(left > 8 * base, `${left} ms left, not the 16 x ${base} ms of the longest block`);
      assert.equal(await blocklist.isBlocked(ip), true);
    } finally {
      await s.dispose();
    }
  });
}
