// Fail-closed, end to end: when the audit ledger cannot append, nothing that needed a record
// happens. With the database made read-only for the ledger (SQLite: a trigger aborts every insert
// into audit_entries, on every connection — the gateway's ledger writer thread has its own — as a
// read-only disk would; PostgreSQL: another session
// holds an EXCLUSIVE lock on audit_entries, so appends miss their deadline), an authenticated
// proxied request answers 503 ERR_AUDIT_UNAVAILABLE and never reaches the upstream; once the
// ledger can write again the same request passes. A state-changing CLI command exits 1 when its
// ledger append fails (SQLite: a trigger refuses inserts into audit_entries, and nothing else).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { refuseLedgerAppends } from "../../src/store/index.js";
import { rampart } from "./cli.js";
import { createAndLogin, type LoggedIn, type Rampart, startRampart } from "./harness.js";

const targets = [
  { name: "sqlite", url: undefined as string | undefined, skip: false as string | false },
  {
    name: "postgres",
    url: process.env["RAMPART_TEST_DATABASE_URL"],
    skip: process.env["RAMPART_TEST_DATABASE_URL"]
      ? (false as const)
      : "RAMPART_TEST_DATABASE_URL is not set",
  },
];

/** Makes the ledger unable to append; returns the function that repairs it. */
async function breakLedger(r: Rampart, url: string | undefined): Promise<() => Promise<void>> {
  if (url === undefined) return refuseLedgerAppends(r.app.store);
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const schema = r.app.store.schema as string;
  await client.query("begin");
  await client.query(`lock table "${schema}".audit_entries in exclusive mode`);
  return async () => {
    await client.query("rollback");
    await client.end();
  };
}

for (const target of targets) {
  describe(`fail-closed when the ledger cannot append [${target.name}]`, { skip: target.skip }, () => {
    let r: Rampart;
    let trader: LoggedIn;
    before(async () => {
      r = await startRampart({ databaseUrl: target.url, yaml: "audit:\n  append_timeout_ms: 1500" });
      trader = await createAndLogin(r, "fc_trader", ["trader"]);
    });
    after(async () => {
      await r?.close();
    });

    test("an authenticated proxied request answers 503 ERR_AUDIT_UNAVAILABLE and does not reach the upstream", async () => {
      const sizeBefore = await r.app.store.db
        .selectFrom("audit_entries")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow();
      const repair = await breakLedger(r, target.url);
      let res: Awaited<ReturnType<Rampart["http"]>>;
      try {
        res = await r.http("GET", "/pandl", { headers: { cookie: trader.cookie } });
      } finally {
        await repair();
      }
      assert.equal(res.status, 503, res.text);
      assert.equal((res.json() as { error: { code: string } }).error.code, "ERR_AUDIT_UNAVAILABLE");
      assert.equal(r.demo.receivedCount, 0, "the upstream never saw the request");
      assert.ok(!/read-?only|lock|trigger/i.test(res.text), "no driver detail in the answer");

      // The ledger writes again: the same request passes, recorded.
      const ok = await r.http("GET", "/pandl", { headers: { cookie: trader.cookie } });
      assert.equal(ok.status, 200);
      assert.equal(r.demo.receivedCount, 1);
      const sizeAfter = await r.app.store.db
        .selectFrom("audit_entries")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow();
      assert.ok(Number(sizeAfter.n) > Number(sizeBefore.n));
    });

    test("a state-changing CLI command exits 1 when its ledger append fails", {
      skip: target.url === undefined ? false : "the CLI child process opens the SQLite data directory",
    }, async () => {
      const repair = await refuseLedgerAppends(r.app.store);
      try {
        const env = { RAMPART_DATA_DIR: r.dataDir, RAMPART_LOG_LEVEL: "silent" };
        const add = await rampart(["user", "add", "fc_new", "--role", "trader"], { env });
        assert.equal(add.code, 1, add.stderr);
        assert.match(add.stderr, /ERR_AUDIT_UNAVAILABLE/);
        assert.doesNotMatch(add.stdout, /one-time password/, "no credential handed out without its record");
        const disable = await rampart(["user", "disable", "fc_trader"], { env });
        assert.equal(disable.code, 1, disable.stderr);
        assert.match(disable.stderr, /ERR_AUDIT_UNAVAILABLE/);
      } finally {
        await repair();
      }
      const ok = await rampart(["user", "list", "--data-dir", join(r.dataDir)], {});
      assert.equal(ok.code, 0, ok.stderr);
      assert.doesNotMatch(ok.stdout, /fc_new/, "a user the ledger does not record does not exist");
    });
  });
}
