// Issue 10 end to end: IP filtering first, rate limits with RateLimit headers and Retry-After, and
// two instances over one PostgreSQL and one Redis behaving as one (sessions, blocks, budgets, one
// ordered ledger).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { readLedgerPublicKey, verifyLedger } from "../../src/audit/index.js";
import { until } from "../../src/kernel/testing.js";
import { createLedgerRepository } from "../../src/store/index.js";
import { createAndLogin, type LoggedIn, type Rampart, startRampart } from "./harness.js";

describe("IP filter and rate limits [one instance]", () => {
  let r: Rampart;
  let analyst: LoggedIn;
  before(async () => {
    r = await startRampart({
      yaml: [
        "rate_limits:",
        "  per_ip: { requests_per_minute: 60000, burst: 5000 }",
        "  auth: { requests_per_minute: 600, burst: 40 }",
        "  per_principal: { requests_per_minute: 1000, burst: 1000 }",
        "  roles: {}",
        "  routes: [{ method: GET, path: /liquidity, requests_per_minute: 60, burst: 3 }]",
      ].join("\n"),
    });
    analyst = await createAndLogin(r, "andy", ["read_only_analyst"]);
  });
  after(async () => r?.close());

  test("the 1,001st request within a minute from one principal is 429 with Retry-After", async () => {
    let last = { status: 0, headers: {} as Record<string, string | string[] | undefined> };
    let ok = 0;
    for (let i = 0; i < 1001; i++) {
      last = await r.http("GET", "/costs", { headers: { cookie: analyst.cookie } });
      if (last.status === 200) ok++;
      else break;
    }
    assert.equal(ok, 1000);
    assert.equal(last.status, 429);
    assert.ok(Number(last.headers["retry-after"]) >= 1);
    assert.equal(last.headers["ratelimit-remaining"], "0");
    assert.equal(last.headers["ratelimit-limit"], "1000");
    r.clock.advance(61_000);
    assert.equal((await r.http("GET", "/costs", { headers: { cookie: analyst.cookie } })).status, 200);
  });

  test("a per-route budget is stricter than the principal's", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await r.http("GET", "/liquidity", { headers: { cookie: analyst.cookie } })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });

  test("a blocked address is refused before anything else; allow-list entries win; expired entries stop applying", async () => {
    r.demo.resetReceived();
    await r.app.ipFilter.add("block", "127.0.0.0/8", { ttlMs: 60_000, reason: "test", actor: "test" });
    const blocked = await r.http("GET", "/_rampart/health");
    assert.equal(blocked.status, 403);
    assert.equal((blocked.json() as { error: { code: string } }).error.code, "ERR_NETWORK_IP_BLOCKED");
    assert.equal((await r.http("GET", "/costs", { headers: { cookie: analyst.cookie } })).status, 403);
    assert.equal(r.demo.receivedCount, 0);
    await r.app.ipFilter.add("allow", "127.0.0.1", { ttlMs: 5_000, reason: "test", actor: "test" });
    assert.equal((await r.http("GET", "/_rampart/health")).status, 200);
    r.clock.advance(6_000);
    assert.equal((await r.http("GET", "/_rampart/health")).status, 403, "the allow entry expired");
    r.clock.advance(60_000);
    assert.equal((await r.http("GET", "/_rampart/health")).status, 200, "the block expired");
  });
});

const pg = process.env["RAMPART_TEST_DATABASE_URL"];
const redis = process.env["RAMPART_TEST_REDIS_URL"];

describe("two instances, one PostgreSQL and one Redis", {
  skip: pg && redis ? false : "RAMPART_TEST_DATABASE_URL and RAMPART_TEST_REDIS_URL are both needed",
}, () => {
  let a: Rampart;
  let b: Rampart;
  let trader: LoggedIn;
  before(async () => {
    const yaml = [
      "rate_limits:",
      "  per_ip: { requests_per_minute: 60000, burst: 5000 }",
      "  auth: { requests_per_minute: 6000, burst: 1000 }",
      "  per_principal: { requests_per_minute: 60, burst: 10 }",
      "  roles: {}",
      "  routes: []",
    ].join("\n");
    a = await startRampart({ databaseUrl: pg, redisUrl: redis, yaml });
    b = await startRampart({ databaseUrl: pg, redisUrl: redis, yaml, shareWith: a, clock: a.clock });
    trader = await createAndLogin(a, "tina", ["trader"]);
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  test("a session created on one instance works on the other", async () => {
    assert.equal((await b.http("GET", "/pandl", { headers: { cookie: trader.cookie } })).status, 200);
  });

  test("the principal's rate budget is shared", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const inst = i % 2 === 0 ? a : b;
      statuses.push((await inst.http("GET", "/risk", { headers: { cookie: trader.cookie } })).status);
    }
    assert.ok(statuses.filter((s) => s === 200).length <= 10, statuses.join(","));
    assert.ok(statuses.includes(429));
    a.clock.advance(120_000);
  });

  // How fast (target 100 ms) is bench/network's figure; here, that it happens at all, both ways.
  test("an IP block on one instance is enforced by the other, and so is its removal", async (t) => {
    const health = async () => (await b.http("GET", "/_rampart/health")).status;
    assert.equal(await health(), 200);
    await a.app.ipFilter.add("block", "127.0.0.1", { ttlMs: 30_000, reason: "test", actor: "test" });
    const started = Date.now();
    await until(async () => (await health()) === 403, 5000, 1);
    t.diagnostic(`block enforced on the other instance after ${Date.now() - started} ms`);
    await a.app.ipFilter.remove("block", "127.0.0.1", "test");
    await until(async () => (await health()) === 200, 5000, 1);
  });

  test("a revocation on one instance is enforced by the other at once", async () => {
    const u = await createAndLogin(a, "rory", ["read_only_analyst"]);
    assert.equal((await b.http("GET", "/", { headers: { cookie: u.cookie } })).status, 200);
    await a.app.identity().disableUser("rory", { via: "cli" });
    assert.equal((await b.http("GET", "/", { headers: { cookie: u.cookie } })).status, 401);
  });

  test("both instances append to one ordered, verifiable ledger", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).http("GET", "/rolls", { headers: { cookie: trader.cookie } }),
      ),
    );
    await a.app.ledger?.checkpoint();
    await b.app.ledger?.checkpoint();
    const repo = createLedgerRepository(a.app.store);
    const report = await verifyLedger(repo, { publicKey: await readLedgerPublicKey(repo) });
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.ok(report.size > 20);
    assert.ok(report.checkpointsChecked >= 2);
  });
});
