// The key hierarchy's storage (port: KeyStore in src/keys/ports.ts): key versions with wrapped data
// keys, usage reservations (one conditional UPDATE: never past the limit), the master-key check
// value, and every column that holds ciphertexts, so rewrap and master-key rotation reach them all.
//
// RK1_COLUMNS lists the KEK-direct (KeyRing) columns of other modules. A module that stores a new
// KeyRing ciphertext column MUST add it here, or a master-key rotation would leave it undecryptable;
// src/store/repos/keys.test.ts checks the list against the migrations.
import { type Kysely, sql, type Transaction } from "kysely";
import type {
  CiphertextReplacement,
  CiphertextSource,
  FieldLocation,
  KeyPurpose,
  KeyStore,
  MasterRotation,
  StoredCiphertext,
  StoredKeyVersion,
} from "../../keys/index.js";
import { parseRk1 } from "../../keys/index.js";
import { isUniqueViolation } from "../errors.js";
import type { Store } from "../open.js";
import type { Database } from "../schema.js";

type Db = Kysely<Database> | Transaction<Database>;

const changed = (r: { numUpdatedRows?: bigint } | undefined): number => Number(r?.numUpdatedRows ?? 0n);

export interface Rk1ColumnSpec {
  table: string;
  keyColumn: string;
  column: string;
  purpose: KeyPurpose;
  /** The FieldLocation the owning module binds its AAD to. */
  location: (key: string) => FieldLocation;
}

export const RK1_COLUMNS: readonly Rk1ColumnSpec[] = [
  // src/identity second-factor.ts totpSecretLocation
  {
    table: "user_totp",
    keyColumn: "user_id",
    column: "secret_enc",
    purpose: "mfa",
    location: (id) => ({ table: "users", id, field: "totp_secret" }),
  },
  // src/audit ledger-key.ts
  {
    table: "audit_ledger_keys",
    keyColumn: "name",
    column: "private_key",
    purpose: "ledger",
    location: (id) => ({ table: "audit_ledger_keys", id, field: "private_key" }),
  },
  // src/tokens key-set.ts
  {
    table: "token_signing_keys",
    keyColumn: "kid",
    column: "private_key_enc",
    purpose: "tokens",
    location: (id) => ({ table: "token_signing_keys", id, field: "private_key" }),
  },
  {
    table: "token_signing_keys",
    keyColumn: "kid",
    column: "jwe_key_enc",
    purpose: "tokens",
    location: (id) => ({ table: "token_signing_keys", id, field: "jwe_key" }),
  },
  // src/pki (schema/tokens.ts: location pki_ca/<name>/key)
  {
    table: "pki_ca",
    keyColumn: "name",
    column: "key_enc",
    purpose: "ca",
    location: (id) => ({ table: "pki_ca", id, field: "key" }),
  },
];

function toVersion(r: {
  purpose: string;
  version: number;
  wrapped_key: string;
  created_at: number;
  usage_reserved: number;
}): StoredKeyVersion {
  return {
    purpose: r.purpose as KeyPurpose,
    version: Number(r.version),
    wrappedKey: r.wrapped_key,
    createdAt: Number(r.created_at),
    usageReserved: Number(r.usage_reserved),
  };
}

/** KEK-direct ciphertexts in one column of another module's table. */
class Rk1Column implements CiphertextSource {
  readonly name: string;
  readonly purpose: KeyPurpose;
  readonly format = "rk1" as const;
  constructor(
    private readonly store: Store,
    readonly spec: Rk1ColumnSpec,
  ) {
    this.name = `${spec.table}.${spec.column}`;
    this.purpose = spec.purpose;
  }

  async page(after: string | null, limit: number): Promise<StoredCiphertext[]> {
    return this.pageIn(this.store.db, after, limit);
  }

  async pageIn(db: Db, after: string | null, limit: number): Promise<StoredCiphertext[]> {
    const { table, keyColumn, column } = this.spec;
    const where = after === null ? sql`` : sql`where ${sql.ref(keyColumn)} > ${after}`;
    const r = await sql<{
      k: string;
      c: string;
    }>`select ${sql.ref(keyColumn)} as k, ${sql.ref(column)} as c from ${sql.table(table)} ${where} order by ${sql.ref(keyColumn)} limit ${limit}`.execute(
      db,
    );
    return r.rows.map((row) => ({
      ref: String(row.k),
      ciphertext: row.c,
      where: this.spec.location(String(row.k)),
    }));
  }

  async replace(batch: readonly CiphertextReplacement[]): Promise<number> {
    return this.store.transaction((trx) => this.replaceIn(trx, batch));
  }

  async replaceIn(db: Db, batch: readonly CiphertextReplacement[]): Promise<number> {
    const { table, keyColumn, column } = this.spec;
    let n = 0;
    for (const b of batch) {
      const r =
        await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${b.next} where ${sql.ref(keyColumn)} = ${b.ref} and ${sql.ref(column)} = ${b.old}`.execute(
          db,
        );
      n += Number(r.numAffectedRows ?? 0n);
    }
    return n;
  }

  async countByVersion(): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    let after: string | null = null;
    for (;;) {
      const page = await this.page(after, 1000);
      for (const p of page) {
        const v = parseRk1(p.ciphertext)?.version ?? 0;
        out.set(v, (out.get(v) ?? 0) + 1);
      }
      if (page.length < 1000) return out;
      after = (page.at(-1) as StoredCiphertext).ref;
    }
  }
}

/** Vault values: rk2 ciphertexts with an indexed key_version column. */
class VaultValues implements CiphertextSource {
  readonly name = "vault_values.ciphertext";
  readonly purpose = "secrets" as const;
  readonly format = "rk2" as const;
  constructor(private readonly store: Store) {}

  async page(after: string | null, limit: number, belowVersion?: number): Promise<StoredCiphertext[]> {
    let q = this.store.db.selectFrom("vault_values").select(["path", "version", "field", "ciphertext"]);
    if (belowVersion !== undefined) q = q.where("key_version", "<", belowVersion);
    if (after !== null) {
      const [p, v, f] = JSON.parse(after) as [string, number, string];
      q = q.where((eb) =>
        eb.or([
          eb("path", ">", p),
          eb.and([eb("path", "=", p), eb("version", ">", v)]),
          eb.and([eb("path", "=", p), eb("version", "=", v), eb("field", ">", f)]),
        ]),
      );
    }
    const rows = await q.orderBy("path").orderBy("version").orderBy("field").limit(limit).execute();
    return rows.map((r) => ({
      ref: JSON.stringify([r.path, Number(r.version), r.field]),
      ciphertext: r.ciphertext,
      where: { table: "vault_values", id: `${r.path}@${Number(r.version)}`, field: r.field },
    }));
  }

  async replace(batch: readonly CiphertextReplacement[]): Promise<number> {
    return this.store.transaction(async (trx) => {
      let n = 0;
      for (const b of batch) {
        const [p, v, f] = JSON.parse(b.ref) as [string, number, string];
        const keyVersion = Number(b.next.split(".")[2]);
        const r = await trx
          .updateTable("vault_values")
          .set({ ciphertext: b.next, key_version: keyVersion })
          .where("path", "=", p)
          .where("version", "=", v)
          .where("field", "=", f)
          .where("ciphertext", "=", b.old)
          .executeTakeFirst();
        n += changed(r);
      }
      return n;
    });
  }

  async countByVersion(): Promise<Map<number, number>> {
    const rows = await this.store.db
      .selectFrom("vault_values")
      .select((eb) => ["key_version", eb.fn.countAll<number>().as("n")])
      .groupBy("key_version")
      .execute();
    return new Map(rows.map((r) => [Number(r.key_version), Number(r.n)]));
  }
}

export class KeysRepository implements KeyStore {
  readonly #rk1: Rk1Column[];
  readonly #sources: CiphertextSource[];

  constructor(private readonly store: Store) {
    this.#rk1 = RK1_COLUMNS.map((s) => new Rk1Column(store, s));
    this.#sources = [new VaultValues(store), ...this.#rk1];
  }

  ciphertextSources(): readonly CiphertextSource[] {
    return this.#sources;
  }

  async listKeyVersions(purpose?: KeyPurpose): Promise<StoredKeyVersion[]> {
    let q = this.store.db.selectFrom("key_versions").selectAll();
    if (purpose) q = q.where("purpose", "=", purpose);
    return (await q.orderBy("purpose").orderBy("version").execute()).map(toVersion);
  }

  async readKeyVersion(purpose: KeyPurpose, version: number): Promise<StoredKeyVersion | null> {
    const r = await this.store.db
      .selectFrom("key_versions")
      .selectAll()
      .where("purpose", "=", purpose)
      .where("version", "=", version)
      .executeTakeFirst();
    return r ? toVersion(r) : null;
  }

  async currentKeyVersion(purpose: KeyPurpose): Promise<StoredKeyVersion | null> {
    const r = await this.store.db
      .selectFrom("key_versions")
      .selectAll()
      .where("purpose", "=", purpose)
      .orderBy("version", "desc")
      .limit(1)
      .executeTakeFirst();
    return r ? toVersion(r) : null;
  }

  async insertKeyVersion(v: StoredKeyVersion): Promise<boolean> {
    try {
      await this.store.db
        .insertInto("key_versions")
        .values({
          purpose: v.purpose,
          version: v.version,
          wrapped_key: v.wrappedKey,
          created_at: v.createdAt,
          usage_reserved: v.usageReserved,
        })
        .execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async reserveUsage(
    purpose: KeyPurpose,
    version: number,
    count: number,
    limit: number,
  ): Promise<number | null> {
    const r = await this.store.db
      .updateTable("key_versions")
      .set((eb) => ({ usage_reserved: eb("usage_reserved", "+", count) }))
      .where("purpose", "=", purpose)
      .where("version", "=", version)
      .where("usage_reserved", "<=", limit - count)
      .executeTakeFirst();
    if (changed(r) !== 1) return null;
    const row = await this.readKeyVersion(purpose, version);
    return row?.usageReserved ?? null;
  }

  async readMasterCheck(): Promise<string | null> {
    const r = await this.store.db
      .selectFrom("key_master")
      .select("check_value")
      .where("id", "=", "master")
      .executeTakeFirst();
    return r?.check_value ?? null;
  }

  async initMasterCheck(check: string): Promise<string> {
    try {
      await this.store.db
        .insertInto("key_master")
        .values({ id: "master", check_value: check, updated_at: Date.now() })
        .execute();
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
    return (await this.readMasterCheck()) as string;
  }

  async rotateMaster(change: MasterRotation): Promise<boolean> {
    const byName = new Map(this.#rk1.map((c) => [c.name, c]));
    return this.store
      .transaction(async (trx) => {
        const r = await trx
          .updateTable("key_master")
          .set({ check_value: change.newCheck, updated_at: Date.now() })
          .where("id", "=", "master")
          .where("check_value", "=", change.expectCheck)
          .executeTakeFirst();
        if (changed(r) !== 1) throw new Abort();
        const all = await trx
          .selectFrom("key_versions")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirst();
        if (Number(all?.n ?? 0) !== change.keyVersions.length) throw new Abort();
        for (const v of change.keyVersions) {
          const u = await trx
            .updateTable("key_versions")
            .set({ wrapped_key: v.wrappedKey })
            .where("purpose", "=", v.purpose)
            .where("version", "=", v.version)
            .executeTakeFirst();
          if (changed(u) !== 1) throw new Abort();
        }
        for (const c of change.ciphertexts) {
          const col = byName.get(c.source);
          if (!col || (await col.replaceIn(trx, [c.replacement])) !== 1) throw new Abort();
        }
        // Nothing written under the old master key in the meantime may remain.
        for (const col of this.#rk1) {
          const expected = change.ciphertexts.filter((c) => c.source === col.name).length;
          const count = await sql<{
            n: number;
          }>`select count(*) as n from ${sql.table(col.spec.table)} where ${sql.ref(col.spec.column)} is not null`.execute(
            trx,
          );
          if (Number(count.rows[0]?.n ?? 0) !== expected) throw new Abort();
        }
        return true;
      })
      .catch((e: unknown) => {
        if (e instanceof Abort) return false;
        throw e;
      });
  }
}

class Abort extends Error {}
