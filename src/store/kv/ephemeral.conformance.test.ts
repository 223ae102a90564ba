// Ephemeral-state conformance: one suite, run against the in-memory store always (with a manual
// clock) and against Redis when RAMPART_TEST_REDIS_URL is set (real short TTLs). Each run uses its
// own `rampart:test:<random>:` prefix and deletes its keys afterwards.
//
// Redis TTLs run on real time, and a loaded machine can stall this process for hundreds of ms.
// Steps that must see a short-TTL key before it expires are therefore issued together, in one
// Promise.all: calls made in one turn of the event loop leave in one write (ioredis
// auto-pipelining) and Redis runs them in order, back to back, so no stall here can come between
// them. (Memory store calls complete synchronously, in call order.) Only waits that a stall can
// lengthen without harm (until something has expired) are left between steps.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { ManualClock } from "../../kernel/index.js";
import { StoreError } from "../errors.js";
import { ephemeralTargets, randomTag } from "../testing.js";
import { MemoryBackend } from "./memory.js";
import { openEphemeral } from "./open.js";
import type { EphemeralStore } from "./types.js";

interface Harness {
  open(prefix?: string): Promise<EphemeralStore>;
  /** Lets `ms` pass: the manual clock for memory, real time for Redis. */
  advance(ms: number): Promise<void>;
  /** A TTL long enough to observe and short enough to wait out. */
  ttl: number;
}

async function eventually(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const isCode = (code: string) => (e: unknown) => e instanceof StoreError && e.code === code;

for (const target of ephemeralTargets(process.env)) {
  if (target.skip !== false) {
    // A skipped test rather than a skipped suite, so the run's summary counts it.
    test(`ephemeral conformance [${target.kind}]`, { skip: target.skip }, () => {});
    continue;
  }
  describe(`ephemeral conformance [${target.kind}]`, () => {
    const base = `rampart:test:${randomTag()}:`;
    const opened: EphemeralStore[] = [];
    const clock = new ManualClock();
    const backend = new MemoryBackend();
    let h: Harness;
    let s: EphemeralStore;
    const name = (title: string): string => `[${target.kind}] ${title}`;

    before(async () => {
      h = {
        open: async (prefix = base) => {
          const store = await openEphemeral({
            redisUrl: target.redisUrl,
            prefix,
            clock,
            memoryBackend: backend,
          });
          opened.push(store);
          return store;
        },
        advance: async (ms) => (target.redisUrl === undefined ? clock.advance(ms) : sleep(ms)),
        ttl: target.redisUrl === undefined ? 1000 : 200,
      };
      s = await h.open();
      assert.equal(s.kind, target.kind);
    });

    after(async () => {
      await Promise.all(opened.map((o) => o.close()));
      if (target.redisUrl !== undefined) {
        const r = new Redis(target.redisUrl);
        const keys = await r.keys(`${base.slice(0, -1)}*`);
        if (keys.length > 0) await r.del(...keys);
        await r.quit();
      }
    });

    test(name("incr counts, and its TTL is set at creation and not extended"), async () => {
      const [one, five, got, left, six, later] = await Promise.all([
        s.incr("ctr", 1, h.ttl),
        s.incr("ctr", 4, h.ttl),
        s.get("ctr"),
        s.ttl("ctr"),
        s.incr("ctr", 1, h.ttl * 10),
        s.ttl("ctr"),
      ]);
      assert.deepEqual([one, five, got, six], [1, 5, "5", 6]);
      assert.ok(left !== null && left > 0 && left <= h.ttl, `ttl ${left}`);
      assert.ok(later !== null && later > 0 && later <= left, `window was extended: ${later}`);
      await h.advance(h.ttl + 30);
      assert.equal(await s.get("ctr"), null);
      assert.equal(await s.ttl("ctr"), null);
      assert.equal(await s.incr("ctr", 1, h.ttl), 1);
    });

    test(name("200 concurrent incr calls each see a distinct value"), async () => {
      const values = await Promise.all(Array.from({ length: 200 }, () => s.incr("race", 1, 60_000)));
      assert.deepEqual(
        [...values].sort((a, b) => a - b),
        Array.from({ length: 200 }, (_, i) => i + 1),
      );
      assert.equal(await s.get("race"), "200");
    });

    test(name("set, get, ttl and del"), async () => {
      assert.equal(await s.get("k"), null);
      await s.set("k", "v");
      assert.equal(await s.get("k"), "v");
      assert.equal(await s.ttl("k"), Number.POSITIVE_INFINITY);
      const [, got, left] = await Promise.all([s.set("k", "w", h.ttl), s.get("k"), s.ttl("k")]);
      assert.equal(got, "w");
      assert.ok(left !== null && left > 0 && left <= h.ttl);
      assert.equal(await s.del("k"), true);
      assert.equal(await s.del("k"), false);
      await s.set("k2", "x", h.ttl);
      await h.advance(h.ttl + 30);
      assert.equal(await s.get("k2"), null);
    });

    test(name("setIfAbsent has exactly one winner among 200 concurrent callers"), async () => {
      const wins = await Promise.all(
        Array.from({ length: 200 }, (_, i) => s.setIfAbsent("nonce", `c${i}`, 60_000)),
      );
      const winners = wins.flatMap((w, i) => (w ? [i] : []));
      assert.equal(winners.length, 1);
      assert.equal(await s.get("nonce"), `c${winners[0]}`);
    });

    test(name("getDel hands the value to exactly one of 200 concurrent callers"), async () => {
      assert.equal(await s.getDel("once"), null);
      await s.set("once", "v1");
      const got = await Promise.all(Array.from({ length: 200 }, () => s.getDel("once")));
      assert.deepEqual(
        got.filter((g) => g !== null),
        ["v1"],
      );
      assert.equal(await s.get("once"), null);
      // Put back after a take, it can be taken again; once expired, there is nothing to take.
      await s.setIfAbsent("once", "v2", h.ttl);
      assert.equal(await s.getDel("once"), "v2");
      await s.setIfAbsent("once", "v3", h.ttl);
      await h.advance(h.ttl + 30);
      assert.equal(await s.getDel("once"), null);
    });

    test(name("a single-use marker can be set again once it expires"), async () => {
      const marks = await Promise.all([
        s.setIfAbsent("totp:u1:123456", "1", h.ttl),
        s.setIfAbsent("totp:u1:123456", "1", h.ttl),
      ]);
      assert.deepEqual(marks, [true, false]);
      await h.advance(h.ttl + 30);
      assert.equal(await s.setIfAbsent("totp:u1:123456", "1", h.ttl), true);
    });

    test(name("sets add, test, list and remove members"), async () => {
      assert.equal(await s.sAdd("blocked", "10.0.0.2"), true);
      assert.equal(await s.sAdd("blocked", "10.0.0.1"), true);
      assert.equal(await s.sAdd("blocked", "10.0.0.1"), false);
      assert.deepEqual(await s.sMembers("blocked"), ["10.0.0.1", "10.0.0.2"]);
      assert.equal(await s.sIsMember("blocked", "10.0.0.1"), true);
      assert.equal(await s.sIsMember("blocked", "10.0.0.3"), false);
      assert.equal(await s.sRem("blocked", "10.0.0.1"), true);
      assert.equal(await s.sRem("blocked", "10.0.0.1"), false);
      assert.deepEqual(await s.sMembers("blocked"), ["10.0.0.2"]);
      assert.equal(await s.ttl("blocked"), Number.POSITIVE_INFINITY);
      assert.deepEqual(await s.sMembers("never"), []);
    });

    test(name("set members expire one by one, and the set with its last member"), async () => {
      // "long" lives 6 TTLs, so the 1-TTL wait below can overrun by almost 5 TTLs (~1 s on Redis)
      // and still find it there.
      const [, , left] = await Promise.all([
        s.sAdd("sessions", "short", { memberTtlMs: h.ttl }),
        s.sAdd("sessions", "long", { memberTtlMs: h.ttl * 6 }),
        s.ttl("sessions"),
      ]);
      assert.ok(left !== null && left > h.ttl * 5 && left <= h.ttl * 6, `ttl ${left}`);
      await h.advance(h.ttl + 30);
      const [shortLeft, members] = await Promise.all([
        s.sIsMember("sessions", "short"),
        s.sMembers("sessions"),
      ]);
      assert.equal(shortLeft, false);
      assert.deepEqual(members, ["long"]);
      assert.equal(await s.sAdd("sessions", "short", { memberTtlMs: h.ttl }), true);
      await h.advance(h.ttl * 5);
      assert.deepEqual(await s.sMembers("sessions"), []);
      assert.equal(await s.ttl("sessions"), null);
    });

    test(name("a set with a key TTL expires whole"), async () => {
      const [, , members] = await Promise.all([
        s.sAdd("revoked", "t1", { ttlMs: h.ttl }),
        s.sAdd("revoked", "t2", { ttlMs: h.ttl }),
        s.sMembers("revoked"),
      ]);
      assert.deepEqual(members, ["t1", "t2"]);
      await h.advance(h.ttl + 30);
      assert.deepEqual(await s.sMembers("revoked"), []);
    });

    test(name("take: exactly `capacity` of 200 concurrent calls are allowed"), async () => {
      const spec = { capacity: 50, refillPerSec: 0.001 };
      const results = await Promise.all(Array.from({ length: 200 }, () => s.take("bucket:race", spec)));
      const allowed = results.filter((r) => r.allowed);
      assert.equal(allowed.length, 50);
      assert.deepEqual(
        allowed.map((r) => r.remaining).sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i),
      );
      for (const r of results.filter((x) => !x.allowed)) {
        assert.equal(r.remaining, 0);
        assert.ok(r.retryAfterMs > 0);
      }
    });

    test(name("take refills over time and reports when to retry"), async () => {
      const spec = { capacity: 3, refillPerSec: 1000 / h.ttl };
      // A token refills every h.ttl: the bucket is only empty if the three takes run back to back.
      const [first, second, denied] = await Promise.all([
        s.take("bucket:refill", spec),
        s.take("bucket:refill", { ...spec, cost: 2 }),
        s.take("bucket:refill", spec),
      ]);
      assert.deepEqual(first, { allowed: true, remaining: 2, retryAfterMs: 0, resetMs: h.ttl });
      assert.equal(second.allowed, true);
      assert.equal(denied.allowed, false);
      assert.ok(denied.retryAfterMs > 0 && denied.retryAfterMs <= h.ttl, `retry ${denied.retryAfterMs}`);
      assert.ok(denied.resetMs > h.ttl * 2 && denied.resetMs <= h.ttl * 3, `reset ${denied.resetMs}`);
      await h.advance(denied.retryAfterMs + 10);
      assert.equal((await s.take("bucket:refill", spec)).allowed, true);
      await h.advance(h.ttl * 3 + 30);
      assert.equal(await s.ttl("bucket:refill"), null, "a full bucket keeps no state");
      assert.equal((await s.take("bucket:refill", spec)).remaining, 2);
    });

    test(name("invalid arguments are refused the same way"), async () => {
      const invalid = isCode("ERR_STORE_INVALID_ARGUMENT");
      await assert.rejects(async () => s.take("b", { capacity: 1, refillPerSec: 1, cost: 2 }), invalid);
      await assert.rejects(async () => s.take("b", { capacity: 0, refillPerSec: 1 }), invalid);
      await assert.rejects(async () => s.incr("c", 1.5, 1000), invalid);
      await assert.rejects(async () => s.incr("c", 1, 0), invalid);
      await assert.rejects(async () => s.setIfAbsent("c", "v", Number.NaN), invalid);
    });

    test(name("using a key as the wrong kind of value is a typed error"), async () => {
      const wrong = isCode("ERR_STORE_WRONG_TYPE");
      await s.incr("typed:ctr", 1, 60_000);
      await s.sAdd("typed:set", "m");
      await s.set("typed:str", "not a number");
      await assert.rejects(s.sAdd("typed:ctr", "m"), wrong);
      await assert.rejects(s.get("typed:set"), wrong);
      await assert.rejects(s.incr("typed:str", 1, 1000), wrong);
      await assert.rejects(s.take("typed:set", { capacity: 1, refillPerSec: 1 }), wrong);
      await assert.rejects(s.getDel("typed:set"), wrong);
      assert.deepEqual(await s.sMembers("typed:set"), ["m"], "a refused getDel leaves the key");
    });

    test(name("publish reaches subscribers on another instance, until they unsubscribe"), async () => {
      const other = await h.open();
      const a: string[] = [];
      const b: string[] = [];
      const stopA = await other.subscribe("revocations", (m, ch) => a.push(`${ch}:${m}`));
      const stopB = await s.subscribe("revocations", (m) => b.push(m));
      await s.publish("revocations", "session-1");
      await eventually(() => a.length === 1 && b.length === 1, "both deliveries");
      assert.deepEqual(a, ["revocations:session-1"]);
      await stopA();
      await s.publish("revocations", "session-2");
      await eventually(() => b.length === 2, "second delivery");
      await sleep(30);
      assert.deepEqual(a, ["revocations:session-1"]);
      await stopB();
      await stopB();
    });

    test(name("a throwing subscriber does not stop delivery to others"), async () => {
      const got: string[] = [];
      const stop1 = await s.subscribe("noisy", () => {
        throw new Error("subscriber bug");
      });
      const stop2 = await s.subscribe("noisy", (m) => got.push(m));
      await s.publish("noisy", "x");
      await eventually(() => got.length === 1, "delivery");
      await Promise.all([stop1(), stop2()]);
    });

    test(name("key prefixes isolate keys and channels"), async () => {
      const one = await h.open(`${base}one:`);
      const two = await h.open(`${base}two:`);
      await one.set("shared", "1");
      await two.set("shared", "2");
      assert.equal(await one.get("shared"), "1");
      assert.equal(await two.get("shared"), "2");
      assert.equal(await one.incr("n", 1, 60_000), 1);
      assert.equal(await two.incr("n", 1, 60_000), 1);
      const heard: string[] = [];
      const stop = await two.subscribe("ch", (m) => heard.push(m));
      await one.publish("ch", "from one");
      await two.publish("ch", "from two");
      await eventually(() => heard.length > 0, "own-prefix delivery");
      await sleep(30);
      assert.deepEqual(heard, ["from two"]);
      await stop();
    });

    test(name("a closed store refuses work, and close is idempotent"), async () => {
      const x = await h.open();
      await x.ping();
      await x.close();
      await x.close();
      await assert.rejects(async () => x.get("k"), isCode("ERR_STORE_UNAVAILABLE"));
      await assert.rejects(async () => x.publish("c", "m"), isCode("ERR_STORE_UNAVAILABLE"));
    });
  });
}
