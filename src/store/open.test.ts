// openStore: how each dialect is opened (SQLite file mode and pragmas, PostgreSQL schemas and
// int8 parsing) and how opening fails.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { sql } from "kysely";
import { exitOf, until } from "../kernel/testing.js";
import {
  databaseTargets,
  dialectOf,
  isRetryableConflict,
  migrateToLatest,
  migrations,
  openStore,
  openTestStore,
  randomTag,
  readInstallId,
  StoreError,
} from "./index.js";

const isCode = (code: string) => (e: unknown) => e instanceof StoreError && e.code === code;
const pgUrl = databaseTargets(process.env).find((t) => t.dialect === "postgres")?.url;
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "rampart-open-"));
  dirs.push(d);
  return d;
}
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("openStore [sqlite]", () => {
  test("creates <dataDir>/rampart.db owner-only, in WAL mode with full sync and foreign keys", async () => {
    const dataDir = join(await tempDir(), "nested", "data");
    const store = await openStore({ dataDir });
    try {
      assert.equal(store.dialect, "sqlite");
      const mode = (await stat(join(dataDir, "rampart.db"))).mode & 0o777;
      assert.equal(mode, 0o600);
      const pragma = async (name: string): Promise<unknown> => {
        const r = await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(store.db);
        return Object.values(r.rows[0] ?? {})[0];
      };
      assert.equal(await pragma("journal_mode"), "wal");
      assert.equal(await pragma("synchronous"), 2);
      assert.equal(await pragma("foreign_keys"), 1);
      assert.equal(await pragma("busy_timeout"), 5000);
    } finally {
      await store.close();
    }
  });

  test("a sqlite:// URL names the file, relative to the data directory", async () => {
    const dataDir = await tempDir();
    const store = await openStore({ dataDir, url: "sqlite://other.db" });
    await store.close();
    assert.ok((await stat(join(dataDir, "other.db"))).isFile());
  });

  test("several processes on one file (server and CLI) write concurrently without busy errors", async () => {
    const dataDir = await tempDir();
    const a = await openStore({ dataDir });
    try {
      await migrateToLatest(a);
      await sql`create table hits (n integer not null)`.execute(a.db);
      const script = join(dataDir, "writer.mts");
      await writeFile(
        script,
        `import { openStore } from ${JSON.stringify(new URL("./index.ts", import.meta.url).pathname)};
import { sql } from ${JSON.stringify(import.meta.resolve("kysely"))};
const s = await openStore({ dataDir: ${JSON.stringify(dataDir)} });
for (let i = 0; i < 25; i++) {
  await s.transaction(async (trx) => {
    const r = await sql\`select count(*) as c from hits\`.execute(trx);
    await sql\`insert into hits (n) values (\${r.rows[0].c})\`.execute(trx);
  });
}
await s.close();
`,
      );
      const run = (): Promise<number | null> =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, ["--import", "tsx", script], {
            cwd: process.cwd(),
            stdio: "inherit",
          });
          exitOf(child, 60_000, "a writer process").then(({ code }) => resolve(code), reject);
        });
      const codes = await Promise.all([run(), run(), run()]);
      assert.deepEqual(codes, [0, 0, 0]);
      const r = await sql<{
        c: number;
        d: number;
      }>`select count(*) as c, count(distinct n) as d from hits`.execute(a.db);
      // BEGIN IMMEDIATE serialises each read-then-write, so no two transactions saw the same count.
      assert.deepEqual(r.rows[0], { c: 75, d: 75 });
    } finally {
      await a.close();
    }
  });

  test("a lock held past the busy timeout is a retryable conflict", async () => {
    const dataDir = await tempDir();
    const a = await openStore({ dataDir });
    const b = await openStore({ dataDir, busyTimeoutMs: 50 });
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      const holder = a.transaction(async () => held);
      await new Promise((r) => setTimeout(r, 20));
      await assert.rejects(
        b.transaction(async () => {}),
        (e) => isRetryableConflict(e) && isCode("ERR_STORE_CONFLICT")(e),
      );
      release();
      await holder;
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("close is idempotent and a closed store is unavailable", async () => {
    const store = await openStore({ dataDir: await tempDir() });
    await store.close();
    await store.close();
    await assert.rejects(store.ping(), isCode("ERR_STORE_UNAVAILABLE"));
  });

  test("a data directory that cannot hold the database is ERR_STORE_UNAVAILABLE", async () => {
    const file = join(await tempDir(), "not-a-directory");
    await writeFile(file, "");
    await assert.rejects(openStore({ dataDir: file }), isCode("ERR_STORE_UNAVAILABLE"));
  });
});

describe("openStore configuration", () => {
  test("the URL scheme selects the dialect", () => {
    assert.equal(dialectOf(undefined), "sqlite");
    assert.equal(dialectOf(""), "sqlite");
    assert.equal(dialectOf("sqlite:///var/lib/rampart.db"), "sqlite");
    assert.equal(dialectOf("postgres://u@h/db"), "postgres");
    assert.equal(dialectOf("postgresql://u@h/db"), "postgres");
    assert.throws(() => dialectOf("mysql://u@h/db"), isCode("ERR_STORE_CONFIG"));
  });

  test("a schema name that is not a plain identifier is refused before connecting", async () => {
    await assert.rejects(
      openStore({ dataDir: "/nonexistent", url: "postgres://127.0.0.1:1/x", schema: 'a"; drop' }),
      isCode("ERR_STORE_CONFIG"),
    );
  });

  test("an unreachable PostgreSQL server is ERR_STORE_UNAVAILABLE, quickly", async () => {
    const started = Date.now();
    await assert.rejects(
      openStore({
        dataDir: "/nonexistent",
        url: "postgres://postgres@127.0.0.1:1/test",
        connectTimeoutMs: 2000,
      }),
      (e) => isCode("ERR_STORE_UNAVAILABLE")(e) && !String((e as StoreError).message).includes("127.0.0.1"),
    );
    assert.ok(Date.now() - started < 3000);
  });
});

if (pgUrl === undefined)
  test("openStore [postgres]", { skip: "RAMPART_TEST_DATABASE_URL is not set" }, () => {});
else
  describe("openStore [postgres]", () => {
    test("each schema is a separate database: runs cannot collide", async () => {
      const a = await openTestStore({ url: pgUrl });
      const b = await openTestStore({ url: pgUrl });
      try {
        assert.notEqual(a.store.schema, b.store.schema);
        assert.notEqual(await readInstallId(a.store.db), await readInstallId(b.store.db));
        const r = await sql<{ s: string }>`select current_schema() as s`.execute(a.store.db);
        assert.equal(r.rows[0]?.s, a.store.schema);
      } finally {
        await Promise.all([a.dispose(), b.dispose()]);
      }
      const gone = await openStore({ dataDir: "/nonexistent", url: pgUrl });
      try {
        const r = await sql<{
          n: number;
        }>`select count(*) as n from information_schema.schemata where schema_name = ${a.store.schema ?? ""}`.execute(
          gone.db,
        );
        assert.equal(r.rows[0]?.n, 0, "dispose drops the schema");
      } finally {
        await gone.close();
      }
    });

    test("without a schema option, migrations use the server's current schema and ignore other schemas", async () => {
      const other = await openTestStore({ url: pgUrl });
      const name = `rampart_test_${randomTag()}`;
      await sql`create schema ${sql.id(name)}`.execute(other.store.db);
      const url = new URL(pgUrl ?? "");
      url.searchParams.set("options", `-c search_path=${name}`);
      const store = await openStore({ dataDir: "/nonexistent", url: url.toString() });
      try {
        assert.equal(store.schema, name);
        const r = await migrateToLatest(store);
        assert.deepEqual(
          r.applied,
          migrations.map(([n]) => n),
        );
        assert.notEqual(await readInstallId(store.db), await readInstallId(other.store.db));
      } finally {
        await store.close();
        await sql`drop schema ${sql.id(name)} cascade`.execute(other.store.db);
        await other.dispose();
      }
    });

    test("migrating is not disturbed by another installation dropping its schema meanwhile", async () => {
      // Kysely's migrator reads the tables of every schema on the server; a schema dropped by
      // someone else during that read used to fail our migration with "schema does not exist".
      const admin = await openStore({ dataDir: "/nonexistent", url: pgUrl });
      let churning = true;
      const churn = (async () => {
        while (churning) {
          const name = `rampart_test_churn_${randomTag()}`;
          await sql`create schema ${sql.id(name)}`.execute(admin.db);
          await sql`create table ${sql.id(name)}.t (id serial primary key)`.execute(admin.db);
          await sql`drop schema ${sql.id(name)} cascade`.execute(admin.db);
        }
      })();
      try {
        for (let i = 0; i < 15; i++) {
          const store = await openStore({
            dataDir: "/nonexistent",
            url: pgUrl,
            schema: `rampart_test_${randomTag()}`,
          });
          try {
            await migrateToLatest(store);
          } finally {
            await sql`drop schema ${sql.id(store.schema ?? "")} cascade`.execute(store.db);
            await store.close();
          }
        }
      } finally {
        churning = false;
        await churn;
        await admin.close();
      }
    });

    test("int8 arrives as a number, and a value beyond 2^53 is refused rather than rounded", async () => {
      const store = await openStore({
        dataDir: "/nonexistent",
        url: pgUrl,
        schema: `rampart_test_${randomTag()}`,
      });
      try {
        const ok = await sql<{ v: number }>`select ${2 ** 53 - 1}::bigint as v`.execute(store.db);
        assert.equal(ok.rows[0]?.v, 2 ** 53 - 1);
        await assert.rejects(
          sql`select 9007199254740993::bigint as v`.execute(store.db),
          isCode("ERR_STORE_QUERY"),
        );
        await store.ping();
      } finally {
        await sql`drop schema ${sql.id(store.schema ?? "")} cascade`.execute(store.db);
        await store.close();
      }
    });

    test("a session left idle inside a transaction is ended by the server and its lock released", async () => {
      const schema = `rampart_test_${randomTag()}`;
      const a = await openStore({
        dataDir: "/nonexistent",
        url: pgUrl,
        schema,
        idleInTransactionTimeoutMs: 300,
      });
      const b = await openStore({ dataDir: "/nonexistent", url: pgUrl, schema });
      try {
        await sql`create table held (id int primary key, n int not null)`.execute(a.db);
        await sql`insert into held values (1, 0)`.execute(a.db);
        const stalled = a.db.transaction().execute(async (trx) => {
          await sql`select n from held where id = 1 for update`.execute(trx);
          // The process stalls here, holding the row lock.
          await new Promise((r) => setTimeout(r, 1500));
          await sql`update held set n = 99 where id = 1`.execute(trx);
        });
        const failed = assert.rejects(stalled, isCode("ERR_STORE_UNAVAILABLE"));
        // Another instance's write waits on the lock only until the server ends the stalled session.
        const t0 = Date.now();
        await sql`update held set n = n + 1 where id = 1`.execute(b.db);
        assert.ok(Date.now() - t0 < 1400, "the lock was released before the stalled process woke");
        await failed;
        const r = await sql<{ n: number }>`select n from held where id = 1`.execute(b.db);
        assert.equal(r.rows[0]?.n, 1, "the stalled transaction's change never committed");
        await a.ping();
      } finally {
        await sql`drop schema ${sql.id(schema)} cascade`.execute(b.db);
        await a.close();
        await b.close();
      }
    });

    test("a transaction aborted for serialization is a retryable conflict", async () => {
      const t = await openTestStore({ url: pgUrl });
      try {
        await sql`create table acct (id int primary key, n int not null)`.execute(t.store.db);
        await sql`insert into acct values (1, 0)`.execute(t.store.db);
        let go!: () => void;
        const gate = new Promise<void>((r) => {
          go = r;
        });
        // Both must have read before either writes, or the later one would simply see the commit.
        let ready = 0;
        const txn = () =>
          t.store.db
            .transaction()
            .setIsolationLevel("serializable")
            .execute(async (trx) => {
              await sql`select n from acct where id = 1`.execute(trx);
              ready += 1;
              await gate;
              await sql`update acct set n = n + 1 where id = 1`.execute(trx);
            });
        const both = Promise.allSettled([txn(), txn()]);
        await until(() => ready === 2);
        go();
        const results = await both;
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        assert.equal(rejected.length, 1);
        assert.ok(isRetryableConflict(rejected[0]?.reason), String(rejected[0]?.reason));
      } finally {
        await t.dispose();
      }
    });
  });
