// The IP filter's reloads overlap (the periodic timer, a change message, this instance's own
// change). With the store's reads answered by the test in any order, an older read never replaces
// the rules of a newer one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock, silentLogger } from "../kernel/index.js";
import { createIpRuleRepository, openTestStore } from "../store/index.js";
import { MemoryRecorder } from "../trading/testing.js";
import { IpFilter, type IpRuleStore, ipFilterAsSets } from "./index.js";
import type { IpRule } from "./ip-rules.js";

const block = (cidr: string): IpRule => ({
  kind: "block",
  cidr,
  expiresAt: null,
  reason: "test",
  source: "test",
  createdAt: 0,
});

/** A filter over `store`, with no bus and no periodic reload (the test reloads). */
function filterOver(store: IpRuleStore): IpFilter {
  return new IpFilter({
    store,
    bus: { publish: async () => {}, subscribe: async () => async () => {} },
    clock: new ManualClock(),
    audit: new MemoryRecorder(),
    logger: silentLogger,
    configRules: [],
    defaultAllow: true,
    reloadIntervalMs: 3_600_000,
  });
}

/** A store whose list() waits until the test answers it, and a filter over it. */
async function harness() {
  const reads: ((rules: IpRule[]) => void)[] = [];
  const store: IpRuleStore = {
    list: () => new Promise((answer) => reads.push(answer)),
    upsert: async () => {},
    remove: async () => true,
  };
  const filter = filterOver(store);
  const started = filter.start();
  reads.shift()?.([]);
  await started;
  return { filter, reads, blocked: (ip: string) => !filter.check(ip).allowed };
}

test("a reload begun before a newer one finished cannot put back what the newer one read", async () => {
  const h = await harness();
  const older = h.filter.reload(); // say the periodic reload, begun while a block still stood
  const newer = h.filter.reload(); // the reload after the unblock committed
  const [answerOlder, answerNewer] = h.reads.splice(0);
  answerNewer?.([]);
  await newer;
  answerOlder?.([block("203.0.113.9")]);
  await older;
  assert.equal(h.blocked("203.0.113.9"), false, "the lifted block stays lifted");
});

test("reloads answered in order each take effect", async () => {
  const h = await harness();
  const first = h.filter.reload();
  h.reads.shift()?.([block("203.0.113.9")]);
  await first;
  assert.equal(h.blocked("203.0.113.9"), true);
  const second = h.filter.reload();
  h.reads.shift()?.([]);
  await second;
  assert.equal(h.blocked("203.0.113.9"), false);
  // An older read answered after a newer one began, but before it finished, still applies: it is
  // the newest answer so far, and the newer read replaces it when it comes.
  const a = h.filter.reload();
  const b = h.filter.reload();
  const [answerA, answerB] = h.reads.splice(0);
  answerA?.([block("198.51.100.1")]);
  await a;
  assert.equal(h.blocked("198.51.100.1"), true);
  answerB?.([block("198.51.100.2")]);
  await b;
  assert.equal(h.blocked("198.51.100.1"), false);
  assert.equal(h.blocked("198.51.100.2"), true);
});

test("incident response lifts only the blocks it placed, never an operator's own", async () => {
  // Over the real repository: the ownership check is its conditional DELETE.
  const ts = await openTestStore({ url: undefined });
  const store = createIpRuleRepository(ts.store);
  const filter = filterOver(store);
  await filter.start();
  try {
    const unused = {} as never;
    const sets = ipFilterAsSets(filter, unused, { blocked: "b", allowed: "a" }, "rampart:response");
    await filter.add("block", "203.0.113.5", { reason: "operator", actor: "local:ops" });
    await sets.sAdd("b", "198.51.100.5", { memberTtlMs: 60_000 });
    assert.equal(await sets.sRem("b", "203.0.113.5"), false, "the operator's block stays");
    assert.equal(await sets.sRem("b", "198.51.100.5"), true, "the incident's own goes");
    assert.equal(filter.check("203.0.113.5").allowed, false);
    assert.equal(filter.check("198.51.100.5").allowed, true);
  } finally {
    await filter.stop();
    await ts.dispose();
  }
});
