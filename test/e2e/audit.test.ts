// The audit API against a running Rampart: events with filters and cursor pagination (each query
// itself recorded), the latest signed checkpoint, inclusion and consistency proofs that verify
// independently, and the actions that guard them (a trader is refused).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { verifyConsistency, verifyInclusion } from "../../src/audit/index.js";
import { createAndLogin, type LoggedIn, type Rampart, startRampart } from "./harness.js";

const h = (s: string): Buffer => Buffer.from(s, "hex");

describe("audit API", () => {
  let r: Rampart;
  let admin: LoggedIn;
  let trader: LoggedIn;
  before(async () => {
    r = await startRampart();
    admin = await createAndLogin(r, "aud_admin", ["system_administrator"]);
    trader = await createAndLogin(r, "aud_trader", ["trader"]);
  });
  after(async () => {
    await r?.close();
  });

  const get = async (who: LoggedIn, path: string) => {
    const res = await r.http("GET", `/_rampart/v1${path}`, { headers: { cookie: who.cookie } });
    return { status: res.status, body: res.json() as Record<string, unknown> };
  };

  test("events: filters, newest first, cursor pagination, and the query itself is recorded", async () => {
    for (let i = 0; i < 5; i++) await r.http("GET", "/pandl", { headers: { cookie: trader.cookie } });
    const page1 = await get(admin, "/audit/events?action=gateway.*&limit=3");
    assert.equal(page1.status, 200);
    const ev1 = page1.body["events"] as Array<{ index: number; action: string; leaf_hash: string }>;
    assert.equal(ev1.length, 3);
    assert.ok(ev1.every((e) => e.action === "gateway.proxy"));
    assert.ok((ev1[0]?.index ?? 0) > (ev1[1]?.index ?? 0), "newest first");
    const page2 = await get(
      admin,
      `/audit/events?action=gateway.*&limit=3&cursor=${page1.body["next_cursor"]}`,
    );
    const ev2 = page2.body["events"] as Array<{ index: number }>;
    assert.equal(ev2.length, 2);
    assert.equal(page2.body["next_cursor"], null);
    assert.ok(ev2.every((e) => e.index < (ev1.at(-1)?.index ?? 0)));

    const traderId = (ev1[0] as unknown as { user_id: string }).user_id;
    const mine = await get(
      admin,
      `/audit/events?user=${traderId}&type=data_access&outcome=success&order=asc`,
    );
    assert.equal((mine.body["events"] as unknown[]).length, 5);
    const future = new Date(r.clock.now() + 3_600_000).toISOString();
    const none = await get(admin, `/audit/events?from=${encodeURIComponent(future)}`);
    assert.deepEqual(none.body["events"], []);
    assert.equal((await get(admin, "/audit/events?from=yesterday")).body["error"] !== undefined, true);

    const queries = await get(admin, "/audit/events?action=audit.query");
    assert.ok((queries.body["events"] as unknown[]).length >= 4, "who read the audit trail is in it");
  });

  test("latest checkpoint, inclusion and consistency proofs verify against it", async () => {
    await r.app.ledger?.checkpoint();
    const cp = await get(admin, "/audit/checkpoints/latest");
    assert.equal(cp.status, 200);
    const size = cp.body["tree_size"] as number;
    assert.match(cp.body["note"] as string, new RegExp(`\\n${size}\\n`));
    const inc = await get(admin, `/audit/proofs/inclusion?index=2&size=${size}`);
    assert.equal(inc.status, 200);
    assert.equal(inc.body["root_hash"], cp.body["root_hash"]);
    assert.ok(
      verifyInclusion(
        2,
        size,
        h(inc.body["leaf_hash"] as string),
        (inc.body["proof"] as string[]).map(h),
        h(cp.body["root_hash"] as string),
      ),
    );
    const con = await get(admin, `/audit/proofs/consistency?from=3&to=${size}`);
    assert.equal(con.status, 200);
    assert.ok(
      verifyConsistency(
        3,
        size,
        h(con.body["from_root"] as string),
        h(cp.body["root_hash"] as string),
        (con.body["proof"] as string[]).map(h),
      ),
    );
    const beyond = await get(admin, `/audit/proofs/inclusion?index=0&size=${size + 10_000}`);
    assert.equal(beyond.status, 404);
    assert.equal((beyond.body["error"] as { code: string }).code, "ERR_AUDIT_NO_SUCH_ENTRY");
  });

  test("a trader may not read the audit trail or its proofs", async () => {
    for (const p of ["/audit/events", "/audit/checkpoints/latest", "/audit/proofs/inclusion?index=0"]) {
      const res = await get(trader, p);
      assert.equal(res.status, 403, p);
      assert.equal((res.body["error"] as { code: string }).code, "ERR_ACCESS_DENIED");
    }
  });
});

describe("startSinks(app): the composition root's sinks", () => {
  let r: Rampart;
  before(async () => {
    r = await startRampart({
      yaml: "audit:\n  sinks:\n    - { type: jsonl, name: files, dir: audit-sink, poll_ms: 20 }",
    });
  });
  after(async () => {
    await r?.close();
  });

  test("a JSONL sink from config copies the ledger, redacted; a webhook without a secret is refused", async () => {
    const { readdir, readFile } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { startSinks } = await import("../../src/audit/index.js");
    await r.app.audit.record({
      event_type: "secrets",
      action: "vault.read",
      outcome: "success",
      details: { api_key: "AKIA-SECRET" },
    });
    const sinks = startSinks(r.app);
    const size = await r.app.store.db
      .selectFrom("audit_entries")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    const deadline = Date.now() + 10_000;
    while ((sinks.status()[0]?.nextIndex ?? 0) < Number(size.n) && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 20));
    await sinks.stop();
    const dir = join(r.dataDir, "audit-sink");
    const text = (await Promise.all((await readdir(dir)).map((f) => readFile(join(dir, f), "utf8")))).join(
      "",
    );
    assert.match(text, /"action":"vault\.read"/);
    assert.match(text, /"api_key":"hmac-sha256:[0-9a-f]{64}"/);
    assert.ok(!text.includes("AKIA-SECRET"));

    const { loadConfig } = await import("../../src/config/index.js");
    const bad = loadConfig({
      fileName: "rampart.yaml",
      text: "audit:\n  sinks:\n    - { type: webhook, name: hook, url: 'https://siem.example/in', secret_env: NOT_SET_HERE }",
      env: {},
    });
    assert.throws(() => startSinks({ ...r.app, config: bad }), /ERR_AUDIT_SINK_CONFIG|secret/);
  });
});
