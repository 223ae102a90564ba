// Storage conformance: one suite, run against SQLite always and against PostgreSQL when
// RAMPART_TEST_DATABASE_URL is set (each run in its own schema). Every test name carries the
// dialect, so the output says which backends were exercised.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ColumnType, type Generated, type Kysely, sql } from "kysely";
import {
  databaseTargets,
  isForeignKeyViolation,
  isUniqueViolation,
  MIGRATION_TABLE,
  migrateToLatest,
  migrationStatus,
  migrations,
  openTestStore,
  readInstallId,
  StoreError,
  type TestStore,
} from "./index.js";
import { migrationContext } from "./migrations/index.js";
import type { Database, FlagWithDefault } from "./schema.js";

// A type alias, not an interface: withTables<T>() needs T to have an implicit index signature.
type ConformanceTables = {
  conformance_parent: { id: string };
  conformance_item: {
    id: Generated<number>;
    name: string;
    parent_id: ColumnType<string | null, string | null | undefined, string | null>;
    payload: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
    at: number;
    active: FlagWithDefault;
    n: Generated<number>;
  };
};

for (const target of databaseTargets(process.env)) {
  if (target.skip !== false) {
    // A skipped test rather than a skipped suite, so the run's summary counts it.
    test(`storage conformance [${target.dialect}]`, { skip: target.skip }, () => {});
    continue;
  }
  describe(`storage conformance [${target.dialect}]`, () => {
    let t: TestStore;
    let db: Kysely<Database & ConformanceTables>;

    before(async () => {
      t = await openTestStore(target, { migrate: false });
      assert.equal(t.store.dialect, target.dialect);
      db = t.store.db.withTables<ConformanceTables>();
    });
    after(async () => {
      await t?.dispose();
    });

    test(`[${target.dialect}] an empty database reports no version and every migration pending`, async () => {
      const s = await migrationStatus(t.store);
      assert.equal(s.version, null);
      assert.deepEqual(s.applied, []);
      assert.deepEqual(
        s.pending,
        migrations.map(([name]) => name),
      );
    });

    test(`[${target.dialect}] migrations run in order and report the version`, async () => {
      const r = await migrateToLatest(t.store);
      const names = migrations.map(([name]) => name);
      assert.deepEqual(r.applied, names);
      assert.equal(r.version, names[names.length - 1]);
      const s = await migrationStatus(t.store);
      assert.equal(s.version, r.version);
      assert.equal(s.latest, r.version);
      assert.deepEqual(s.pending, []);
    });

    test(`[${target.dialect}] migrating again applies nothing and keeps the install id`, async () => {
      const id = await readInstallId(t.store.db);
      assert.match(id, /^[0-9a-f-]{36}$/);
      const r = await migrateToLatest(t.store);
      assert.deepEqual(r.applied, []);
      assert.equal(r.version, migrations[migrations.length - 1]?.[0]);
      assert.equal(await readInstallId(t.store.db), id);
    });

    test(`[${target.dialect}] migrations are named NNNN_name, unique and in order`, () => {
      const names = migrations.map(([name]) => name);
      for (const n of names) assert.match(n, /^\d{4}_[a-z0-9_]+$/);
      assert.deepEqual([...names].sort(), names);
      assert.equal(new Set(names.map((n) => n.slice(0, 4))).size, names.length);
    });

    test(`[${target.dialect}] portable column types create a table`, async () => {
      const ctx = migrationContext(target.dialect);
      await db.schema
        .createTable("conformance_parent")
        .addColumn("id", "text", (c) => c.primaryKey())
        .execute();
      await ctx
        .addIdColumn(db.schema.createTable("conformance_item"), "id")
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("parent_id", "text", (c) => c.references("conformance_parent.id"))
        .addColumn("payload", ctx.types.binary)
        .addColumn("at", ctx.types.millis, (c) => c.notNull())
        .addColumn("active", ctx.types.flag, (c) => c.notNull().defaultTo(0))
        .addColumn("n", ctx.types.int64, (c) => c.notNull().defaultTo(0))
        .execute();
      const row = await db
        .insertInto("conformance_item")
        .values({ name: "first", at: 1 })
        .returning("id")
        .executeTakeFirstOrThrow();
      assert.equal(typeof row.id, "number");
    });

    test(`[${target.dialect}] a transaction that throws is rolled back and its error rethrown`, async () => {
      const boom = new Error("boom");
      await assert.rejects(
        t.store.transaction(async (trx) => {
          await trx
            .withTables<ConformanceTables>()
            .insertInto("conformance_item")
            .values({ name: "rb", at: 1 })
            .execute();
          throw boom;
        }),
        (e) => e === boom,
      );
      const rows = await db.selectFrom("conformance_item").select("id").where("name", "=", "rb").execute();
      assert.equal(rows.length, 0);
    });

    test(`[${target.dialect}] a failed statement rolls back the writes before it in the transaction`, async () => {
      await assert.rejects(
        t.store.transaction(async (trx) => {
          const x = trx.withTables<ConformanceTables>();
          await x.insertInto("conformance_item").values({ name: "tx-a", at: 1 }).execute();
          await x.insertInto("conformance_item").values({ name: "tx-a", at: 2 }).execute();
        }),
        (e) => isUniqueViolation(e),
      );
      const rows = await db.selectFrom("conformance_item").select("id").where("name", "=", "tx-a").execute();
      assert.equal(rows.length, 0);
    });

    test(`[${target.dialect}] a committed transaction returns its value and keeps its writes`, async () => {
      const id = await t.store.transaction(async (trx) => {
        const x = trx.withTables<ConformanceTables>();
        const r = await x
          .insertInto("conformance_item")
          .values({ name: "committed", at: 5 })
          .returning("id")
          .executeTakeFirstOrThrow();
        return r.id;
      });
      const row = await db
        .selectFrom("conformance_item")
        .select("name")
        .where("id", "=", id)
        .executeTakeFirst();
      assert.equal(row?.name, "committed");
    });

    test(`[${target.dialect}] 100 concurrent inserts and 100 concurrent increments all land`, async () => {
      const { id } = await db
        .insertInto("conformance_item")
        .values({ name: "counter", at: 0 })
        .returning("id")
        .executeTakeFirstOrThrow();
      await Promise.all([
        ...Array.from({ length: 100 }, (_, i) =>
          db
            .insertInto("conformance_item")
            .values({ name: `c-${i}`, at: i })
            .execute(),
        ),
        ...Array.from({ length: 100 }, () =>
          t.store.transaction((trx) =>
            trx
              .withTables<ConformanceTables>()
              .updateTable("conformance_item")
              .set((eb) => ({ n: eb("n", "+", 1) }))
              .where("id", "=", id)
              .execute(),
          ),
        ),
      ]);
      const { count } = await db
        .selectFrom("conformance_item")
        .select((eb) => eb.fn.countAll<number>().as("count"))
        .where("name", "like", "c-%")
        .executeTakeFirstOrThrow();
      assert.equal(count, 100);
      assert.equal(typeof count, "number");
      const row = await db
        .selectFrom("conformance_item")
        .select("n")
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      assert.equal(row.n, 100);
    });

    test(`[${target.dialect}] binary values round-trip byte for byte`, async () => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
      const cases: Array<[string, Uint8Array]> = [
        ["bin-all", all],
        ["bin-empty", new Uint8Array(0)],
        ["bin-view", backing.subarray(2, 5)],
        ["bin-buffer", Buffer.from("rampart")],
      ];
      for (const [name, bytes] of cases) {
        await db.insertInto("conformance_item").values({ name, at: 0, payload: bytes }).execute();
        const row = await db
          .selectFrom("conformance_item")
          .select("payload")
          .where("name", "=", name)
          .executeTakeFirstOrThrow();
        assert.ok(row.payload instanceof Uint8Array, name);
        assert.deepEqual(Buffer.from(row.payload), Buffer.from(bytes), name);
      }
    });

    test(`[${target.dialect}] millisecond timestamps beyond 2^32 come back as JS numbers`, async () => {
      const values = [Date.UTC(2026, 0, 5, 12, 0, 0, 123), 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];
      for (const [i, at] of values.entries()) {
        await db
          .insertInto("conformance_item")
          .values({ name: `ts-${i}`, at, n: at })
          .execute();
        const row = await db
          .selectFrom("conformance_item")
          .select(["at", "n"])
          .where("name", "=", `ts-${i}`)
          .executeTakeFirstOrThrow();
        assert.equal(typeof row.at, "number");
        assert.equal(row.at, at);
        assert.equal(row.n, at);
      }
      const max = await db
        .selectFrom("conformance_item")
        .select((eb) => eb.fn.max("at").as("m"))
        .executeTakeFirstOrThrow();
      assert.equal(max.m, Number.MAX_SAFE_INTEGER);
    });

    test(`[${target.dialect}] flags are written as booleans and read as 0/1`, async () => {
      await db.insertInto("conformance_item").values({ name: "flag-on", at: 0, active: true }).execute();
      await db.insertInto("conformance_item").values({ name: "flag-off", at: 0, active: false }).execute();
      const rows = await db
        .selectFrom("conformance_item")
        .select(["name", "active"])
        .where("name", "like", "flag-%")
        .orderBy("name")
        .execute();
      assert.deepEqual(rows, [
        { name: "flag-off", active: 0 },
        { name: "flag-on", active: 1 },
      ]);
      const on = await db.selectFrom("conformance_item").select("name").where("active", "=", 1).execute();
      assert.deepEqual(
        on.map((r) => r.name),
        ["flag-on"],
      );
    });

    test(`[${target.dialect}] a unique violation is a typed StoreError without the offending value`, async () => {
      await db.insertInto("conformance_item").values({ name: "secret-name-42", at: 0 }).execute();
      const e = await db
        .insertInto("conformance_item")
        .values({ name: "secret-name-42", at: 0 })
        .execute()
        .then(
          () => assert.fail("duplicate insert succeeded"),
          (x: unknown) => x,
        );
      assert.ok(e instanceof StoreError);
      assert.equal(e.code, "ERR_STORE_UNIQUE_VIOLATION");
      assert.equal(e.status, 409);
      assert.ok(isUniqueViolation(e));
      assert.match(e.constraint ?? "", /name/);
      assert.doesNotMatch(`${e.message} ${e.detail}`, /secret-name-42/);
    });

    test(`[${target.dialect}] a primary-key violation is a unique violation`, async () => {
      await assert.rejects(
        t.store.db.insertInto("meta").values({ key: "install_id", value: "x" }).execute(),
        (e) => isUniqueViolation(e),
      );
    });

    test(`[${target.dialect}] foreign keys are enforced and typed`, async () => {
      await assert.rejects(
        db.insertInto("conformance_item").values({ name: "orphan", at: 0, parent_id: "nope" }).execute(),
        (e) => isForeignKeyViolation(e) && !isUniqueViolation(e),
      );
      await db.insertInto("conformance_parent").values({ id: "p1" }).execute();
      await db.insertInto("conformance_item").values({ name: "child", at: 0, parent_id: "p1" }).execute();
    });

    test(`[${target.dialect}] the database refuses to run behind a newer build`, async () => {
      await sql`insert into ${sql.table(MIGRATION_TABLE)} (name, timestamp) values ('9999_future', '2030-01-01T00:00:00.000Z')`.execute(
        t.store.db,
      );
      await assert.rejects(
        migrateToLatest(t.store),
        (e) => e instanceof StoreError && e.code === "ERR_STORE_MIGRATION",
      );
      await sql`delete from ${sql.table(MIGRATION_TABLE)} where name = '9999_future'`.execute(t.store.db);
      assert.deepEqual((await migrateToLatest(t.store)).applied, []);
    });

    test(`[${target.dialect}] ping answers`, async () => {
      await t.store.ping();
    });
  });
}
