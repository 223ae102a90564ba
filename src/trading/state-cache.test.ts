// The trading state cache's handling of messages from other instances, with the database and the
// channel under the test's control: which states are enforced while a read is outstanding, and
// what a forged or out-of-order message can and cannot do.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock, silentLogger } from "../kernel/index.js";
import type { TradingStore } from "./ports.js";
import { STATE_CHANNEL, TradingStateCache } from "./state-cache.js";
import type { ScopeState } from "./types.js";

const row = (scope: string, state: ScopeState["state"], version: number): ScopeState => ({
  scope,
  state,
  version,
  reason: "r",
  changedBy: "u-alice",
  changedAt: 0,
});

/** A cache whose database reads wait until the test answers them, and a way to publish to it. */
async function harness() {
  const pending: { scope: string; answer: (r: ScopeState | undefined) => void; fail: (e: Error) => void }[] =
    [];
  let handler: ((m: string) => void) | undefined;
  const sent: string[] = [];
  const store = {
    loadStates: async () => [],
    getState: (scope: string) =>
      new Promise<ScopeState | undefined>((answer, fail) => pending.push({ scope, answer, fail })),
  } as unknown as TradingStore;
  const cache = new TradingStateCache({
    store,
    pubsub: {
      publish: async (_channel, m) => {
        sent.push(m);
      },
      subscribe: async (channel, h) => {
        assert.equal(channel, STATE_CHANNEL);
        handler = h;
        return async () => {};
      },
    },
    logger: silentLogger,
    clock: new ManualClock(),
    refreshMs: 0,
  });
  await cache.start();
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    cache,
    pending,
    publish: (m: unknown) => handler?.(JSON.stringify(m)),
    /** What the cache published, delivered back to it as the channel would. */
    echo() {
      for (const m of sent.splice(0)) handler?.(m);
    },
    /** Answers the oldest outstanding read. */
    async answer(r: ScopeState | undefined) {
      const p = pending.shift();
      assert.ok(p, "a read is outstanding");
      p.answer(r);
      await settle();
    },
    async fail() {
      pending.shift()?.fail(new Error("database down"));
      await settle();
    },
    state: (scope: string) => cache.effective([scope]).state,
  };
}

test("a restricting message is enforced at once and stays until the database has been read for it", async () => {
  const h = await harness();
  h.publish(row("global", "HALTED", 1));
  assert.equal(h.state("global"), "HALTED", "before any read");
  await h.answer(row("global", "HALTED", 1));
  assert.equal(h.state("global"), "HALTED", "now trusted");
  assert.equal(h.pending.length, 0);
});

test("a read begun before a genuine halt cannot clear it, even when a forged halt came first", async () => {
  const h = await harness();
  h.publish(row("global", "HALTED", 999)); // forged; its read starts
  h.publish(row("global", "HALTED", 1)); // the genuine halt, committed after that read began
  assert.equal(h.pending.length, 1, "one read per scope at a time");
  await h.answer(undefined); // the first read saw no row
  assert.equal(h.state("global"), "HALTED", "the genuine halt is still enforced");
  assert.equal(h.pending.length, 1, "and its own read follows");
  await h.answer(row("global", "HALTED", 1));
  assert.equal(h.state("global"), "HALTED");
});

test("resume then halt again, read out of order: the halt wins", async () => {
  const h = await harness();
  h.publish(row("strategy:carry", "HALTED", 4));
  await h.answer(row("strategy:carry", "HALTED", 4));
  h.publish(row("strategy:carry", "ACTIVE", 5)); // a four-eyes resume: waits for the database
  assert.equal(h.state("strategy:carry"), "HALTED");
  h.publish(row("strategy:carry", "HALTED", 6)); // halted again before that read returned
  await h.answer(row("strategy:carry", "ACTIVE", 5)); // the read saw the resume only
  assert.equal(h.state("strategy:carry"), "HALTED");
  await h.answer(row("strategy:carry", "HALTED", 6));
  assert.equal(h.state("strategy:carry"), "HALTED");
});

test("a forged message gives way to the database; while the database cannot be read it stays (fail-safe)", async () => {
  const h = await harness();
  h.publish(row("instrument:SOFR", "HALTED", 1_000_000));
  await h.fail();
  assert.equal(h.state("instrument:SOFR"), "HALTED", "unconfirmed, but restricting: kept");
  h.publish(row("instrument:SOFR", "HALTED", 1_000_000));
  await h.answer(undefined);
  assert.equal(h.state("instrument:SOFR"), "ACTIVE", "the database holds no halt");
  // A future version claimed for a scope with no state does not make the next genuine halt look old.
  h.publish(row("instrument:BUND", "ACTIVE", 1_000_000));
  await h.answer(undefined);
  h.publish(row("instrument:BUND", "HALTED", 1));
  assert.equal(h.state("instrument:BUND"), "HALTED");
});

test("malformed messages and made-up scopes are ignored without a database read", async () => {
  const h = await harness();
  for (const m of [{ scope: "nonsense", state: "HALTED" }, { scope: "global", state: "PAUSED" }, null, "x"])
    h.publish(m);
  assert.equal(h.pending.length, 0);
  assert.equal(h.state("global"), "ACTIVE");
  // What status shows for an unconfirmed state is marked as such, with a usable time.
  h.publish(row("global", "REDUCING", 3));
  const shown = h.cache.get("global");
  assert.equal(shown?.state, "REDUCING");
  assert.match(shown?.reason ?? "", /not yet read from the database/);
  assert.ok(Number.isFinite(shown?.changedAt));
});

test("this instance's own messages, coming back on the channel, are neither re-read nor enforced", async () => {
  const h = await harness();
  await h.cache.announce(row("global", "HALTED", 1), h.cache.mark());
  await h.cache.announce(row("global", "ACTIVE", 2), h.cache.mark());
  h.echo(); // the halt's message arrives after the resume
  assert.equal(h.state("global"), "ACTIVE");
  assert.equal(h.pending.length, 0, "no database read for its own change");
  // Another instance's message with the same content is a hint like any other.
  h.publish(row("global", "HALTED", 1));
  assert.equal(h.state("global"), "HALTED");
  assert.equal(h.pending.length, 1);
});

test("a change this instance commits settles the messages that arrived before it read the row", async () => {
  const h = await harness();
  h.publish(row("strategy:carry", "HALTED", 4)); // another instance's halt; its read is outstanding
  const readFrom = h.cache.mark(); // this instance's resume reads the row (v4) and commits v5
  h.publish(row("instrument:SOFR", "HALTED", 1)); // another scope: not settled by that change
  h.publish(row("strategy:carry", "REDUCING", 6)); // arrives after the read began: may be newer
  await h.cache.announce(row("strategy:carry", "ACTIVE", 5), readFrom);
  // A message that arrived after the read stays provisional (held as the tighter of the scope's
  // unconfirmed messages) until its own read; the other scope is untouched.
  assert.equal(h.state("strategy:carry"), "HALTED", "a message that arrived after the read stays");
  assert.equal(h.state("instrument:SOFR"), "HALTED");
  assert.deepEqual(
    h.pending.map((p) => p.scope),
    ["strategy:carry", "instrument:SOFR"],
  );
  await h.answer(row("strategy:carry", "ACTIVE", 5));
  assert.equal(h.state("strategy:carry"), "HALTED", "a read begun before it does not clear it");
  await h.answer(row("instrument:SOFR", "HALTED", 1));
  await h.answer(row("strategy:carry", "REDUCING", 6));
  assert.equal(h.state("strategy:carry"), "REDUCING");
  // Without the later message, the committed resume is enforced at once.
  const g = await harness();
  g.publish(row("strategy:carry", "HALTED", 4));
  const from = g.cache.mark();
  await g.cache.announce(row("strategy:carry", "ACTIVE", 5), from);
  assert.equal(g.state("strategy:carry"), "ACTIVE");
  // A change that passes no mark settles nothing.
  const k = await harness();
  k.publish(row("strategy:carry", "HALTED", 4));
  await k.cache.announce(row("strategy:carry", "ACTIVE", 5));
  assert.equal(k.state("strategy:carry"), "HALTED");
});
