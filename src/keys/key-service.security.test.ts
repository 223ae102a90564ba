// Properties of the key hierarchy, on SQLite and (with RAMPART_TEST_DATABASE_URL) PostgreSQL:
// one indistinguishable failure for every decryption fault; old versions refused below
// min_decryption_version; the 2^32 budget forces rotation; rewrap moves everything and resumes;
// master-key rotation keeps every value (vault values and KEK-direct TOTP secrets) decryptable.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { AuditEventInput, AuditRecorder } from "../audit/index.js";
import { randomBytes } from "../crypto/index.js";
import { ManualClock } from "../kernel/index.js";
import { databaseTargets, KeysRepository, openTestStore, type TestStore } from "../store/index.js";
import {
  KeyRing,
  KeyService,
  type KeySettings,
  MasterKey,
  parseRk2,
  rewrapPurpose,
  rotateMaster,
} from "./index.js";

class Events implements AuditRecorder {
  readonly events: AuditEventInput[] = [];
  async record(e: AuditEventInput) {
    this.events.push(e);
    return { event_id: String(this.events.length), index: this.events.length - 1 };
  }
}

const isDecryptError = (e: unknown): boolean =>
  (e as { code?: string }).code === "ERR_CRYPTO_DECRYPT" && (e as Error).message === "decryption failed";

const settings: KeySettings = { rotationDays: 90, dataKeyCacheTtlMs: 60_000, minDecryptionVersion: {} };

for (const target of databaseTargets(process.env)) {
  describe(`key hierarchy on ${target.dialect}`, { skip: target.skip }, () => {
    const stores: TestStore[] = [];
    after(async () => {
      for (const s of stores) await s.dispose();
    });
    async function setup(s: Partial<KeySettings> = {}, master = new MasterKey(randomBytes(32))) {
      const ts = await openTestStore(target);
      stores.push(ts);
      const repo = new KeysRepository(ts.store);
      const clock = new ManualClock();
      const audit = new Events();
      const keyring = new KeyRing(master);
      const keys = new KeyService({ keyring, store: repo, clock, settings: { ...settings, ...s }, audit });
      await keys.load();
      return { ts, repo, clock, audit, keys, keyring, master };
    }
    const where = { table: "vault_values", id: "broker/ib@1", field: "password" };

    test("a moved, flipped, relabelled, unknown-version or too-old ciphertext fails with one error", async () => {
      const { keys, repo, clock, keyring } = await setup();
      const ct = await keys.encrypt("secrets", "ib-password", where);
      assert.equal((await keys.decrypt(ct, where)).toString(), "ib-password");
      await keys.rotate("secrets");
      const ct2 = await keys.encrypt("secrets", "ib-password", where);
      assert.equal(parseRk2(ct2).version, 2);
      const body = ct.split(".")[3] as string;
      const flipped = Buffer.from(body, "base64url");
      flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
      const strict = new KeyService({
        keyring,
        store: repo,
        clock,
        settings: { ...settings, minDecryptionVersion: { secrets: 2 } },
      });
      const failures: Array<() => Promise<unknown>> = [
        () => keys.decrypt(ct, { ...where, id: "broker/ib@2" }),
        () => keys.decrypt(ct, { ...where, field: "user" }),
        () => keys.decrypt(ct, { ...where, table: "other" }),
        () => keys.decrypt(`rk2.secrets.1.${flipped.toString("base64url")}`, where),
        () => keys.decrypt(ct.replace("rk2.secrets.1.", "rk2.secrets.2."), where),
        () => keys.decrypt(ct.replace("rk2.secrets.1.", "rk2.fields.1."), where),
        () => keys.decrypt(ct.replace("rk2.secrets.1.", "rk2.secrets.9."), where),
        () => keys.decrypt(ct.replace("rk2.secrets.1.", "rk2.secrets.01."), where),
        () => keys.decrypt("rk2.secrets.1.AAAA", where),
        () => keys.decrypt("garbage", where),
        () => strict.decrypt(ct, where),
      ];
      for (const f of failures) await assert.rejects(f, isDecryptError);
      assert.equal((await strict.decrypt(ct2, where)).toString(), "ib-password");
    });

    test("the KeyRing refuses rk1 values below min_decryption_version with the same error", async () => {
      const { keyring, keys } = await setup();
      const loc = { table: "users", id: "u1", field: "totp_secret" };
      const v1 = keyring.encrypt("mfa", "JBSWY3DPEHPK3PXP", loc);
      await keys.rotate("mfa");
      assert.match(keyring.encrypt("mfa", "x", loc), /^rk1\.mfa\.2\./);
      keyring.setVersions("mfa", { minDecryption: 2 });
      assert.throws(() => keyring.decrypt(v1, loc), isDecryptError);
    });

    test("a data key is rotated before its encryption budget runs out, and blocks are reserved in the database", async () => {
      const { keys, repo } = await setup({ maxEncryptionsPerKey: 10, usageBlock: 4 });
      const versions: number[] = [];
      for (let i = 0; i < 25; i++) versions.push(parseRk2(await keys.encrypt("secrets", "v", where)).version);
      for (const v of new Set(versions)) assert.ok(versions.filter((x) => x === v).length <= 10);
      assert.ok(Math.max(...versions) >= 3);
      for (const v of await repo.listKeyVersions("secrets")) assert.ok(v.usageReserved <= 10);
    });

    test("rotate, then rewrap in batches: everything decrypts and uses the new version; a second run has nothing to do", async () => {
      const { keys, repo, ts, audit } = await setup();
      await ts.store.db
        .insertInto("vault_secrets")
        .values({
          path: "p",
          current_version: 1,
          approval_required: 0,
          created_at: 1,
          updated_at: 1,
          deleted_at: null,
        })
        .execute();
      await ts.store.db
        .insertInto("vault_secret_versions")
        .values({ path: "p", version: 1, created_at: 1, created_by: "t", destroyed_at: null })
        .execute();
      const loc = (i: number) => ({ table: "vault_values", id: "p@1", field: `f${i}` });
      for (let i = 0; i < 23; i++) {
        const ciphertext = await keys.encrypt("secrets", `value-${i}`, loc(i));
        await ts.store.db
          .insertInto("vault_values")
          .values({ path: "p", version: 1, field: `f${i}`, ciphertext, key_version: 1 })
          .execute();
      }
      await keys.rotate("secrets", "tester");
      let batches = 0;
      const r = await rewrapPurpose(keys, repo, "secrets", {
        batchSize: 5,
        audit,
        onBatch: () => void batches++,
      });
      assert.equal(r.rewrapped, 23);
      assert.ok(batches >= 5);
      const rows = await ts.store.db.selectFrom("vault_values").selectAll().execute();
      for (const row of rows) {
        assert.equal(row.key_version, 2);
        assert.equal(parseRk2(row.ciphertext).version, 2);
        const i = Number(row.field.slice(1));
        assert.equal((await keys.decrypt(row.ciphertext, loc(i))).toString(), `value-${i}`);
      }
      assert.equal((await rewrapPurpose(keys, repo, "secrets")).rewrapped, 0);
      const st = (await keys.status()).find((s) => s.purpose === "secrets");
      assert.deepEqual(
        st?.versions.map((v) => [v.version, v.ciphertexts]),
        [
          [1, 0],
          [2, 23],
        ],
      );
      assert.ok(audit.events.some((e) => e.action === "keys.rotate" && e.user_id === "tester"));
      assert.ok(audit.events.some((e) => e.action === "keys.rewrap"));
    });

    test("master-key rotation keeps vault values and TOTP secrets decryptable, is refused for the old key, and resumes", async () => {
      const { keys, repo, ts, keyring, master } = await setup();
      const ct = await keys.encrypt("secrets", "smtp-password", where);
      await keys.rotate("secrets");
      const ct2 = await keys.encrypt("secrets", "smtp-password-2", where);
      const totpLoc = { table: "users", id: "u1", field: "totp_secret" };
      await ts.store.db
        .insertInto("users")
        .values({
          id: "u1",
          username: "alice",
          username_folded: "alice",
          display_name: "Alice",
          roles: "[]",
          status: "active",
          password_hash: "x",
          must_change_password: 0,
          lockout_count: 0,
          locked_until: null,
          created_at: 1,
          updated_at: 1,
          last_login_at: null,
        })
        .execute();
      await ts.store.db
        .insertInto("user_totp")
        .values({
          user_id: "u1",
          secret_enc: keyring.encrypt("mfa", "JBSWY3DPEHPK3PXP", totpLoc),
          status: "active",
          last_step: 0,
          created_at: 1,
          confirmed_at: 1,
        })
        .execute();

      const nextMaster = new MasterKey(randomBytes(32));
      const next = new KeyRing(nextMaster);
      const report = await rotateMaster({ store: repo, current: new KeyRing(master), next });
      assert.equal(report.status, "rotated");
      assert.equal(
        (await rotateMaster({ store: repo, current: new KeyRing(master), next })).status,
        "already_rotated",
      );

      // The old master key is now refused before use; the new one opens everything.
      const stale = new KeyService({
        keyring: new KeyRing(master),
        store: repo,
        clock: new ManualClock(),
        settings,
      });
      await assert.rejects(() => stale.load(), { code: "ERR_KEYS_MASTER_MISMATCH" });
      const fresh = new KeyService({ keyring: next, store: repo, clock: new ManualClock(), settings });
      await fresh.load();
      assert.equal((await fresh.decrypt(ct, where)).toString(), "smtp-password");
      assert.equal((await fresh.decrypt(ct2, where)).toString(), "smtp-password-2");
      const row = await ts.store.db.selectFrom("user_totp").selectAll().executeTakeFirstOrThrow();
      assert.equal(next.decryptString(row.secret_enc, totpLoc), "JBSWY3DPEHPK3PXP");
      assert.throws(() => new KeyRing(master).decrypt(row.secret_enc, totpLoc), isDecryptError);
    });
  });
}
