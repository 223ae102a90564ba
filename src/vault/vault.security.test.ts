// Properties of the vault, on SQLite and (with RAMPART_TEST_DATABASE_URL) PostgreSQL: values are
// never stored in clear (the SQLite file's bytes are grepped); a value copied to another path,
// version or field does not decrypt; access is per path; approval-required reads are refused until
// approvals are wired; the ledger names path and version, never the value; templates cannot be
// used to inject lines.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { compilePolicy } from "../access/index.js";
import type { AuditEventInput, AuditRecorder } from "../audit/index.js";
import { randomBytes } from "../crypto/index.js";
import { ManualClock } from "../kernel/index.js";
import { KeyRing, KeyService, MasterKey } from "../keys/index.js";
import {
  databaseTargets,
  KeysRepository,
  openTestStore,
  type TestStore,
  VaultRepository,
} from "../store/index.js";
import { renderTemplate, templateReferences, VaultService } from "./index.js";

class Events implements AuditRecorder {
  readonly events: AuditEventInput[] = [];
  async record(e: AuditEventInput) {
    this.events.push(e);
    return { event_id: String(this.events.length), index: this.events.length - 1 };
  }
}

const policy = compilePolicy({
  stack_handler: { permissions: ["secrets:read:broker/*"], restrictions: [] },
  reports: { permissions: ["secrets:read:email/*"], restrictions: [] },
  vault_admin: { permissions: ["secrets:*"], restrictions: [] },
});

for (const target of databaseTargets(process.env)) {
  describe(`vault on ${target.dialect}`, { skip: target.skip }, () => {
    const stores: TestStore[] = [];
    after(async () => {
      for (const s of stores) await s.dispose();
    });
    async function setup(approvalRequired: string[] = []) {
      const ts = await openTestStore(target);
      stores.push(ts);
      const clock = new ManualClock();
      const audit = new Events();
      const keys = new KeyService({
        keyring: new KeyRing(new MasterKey(randomBytes(32))),
        store: new KeysRepository(ts.store),
        clock,
        settings: { rotationDays: 90, dataKeyCacheTtlMs: 60_000, minDecryptionVersion: {} },
      });
      await keys.load();
      const vault = new VaultService({
        store: new VaultRepository(ts.store),
        keys,
        audit,
        clock,
        access: policy,
        approvalRequired,
      });
      return { ts, vault, audit };
    }
    const admin = { id: "local:ops" };

    test("versions, fields, list, soft delete and destroy", async () => {
      const { vault } = await setup();
      assert.deepEqual(await vault.put(admin, "broker/ib", { IbLoginId: "trader1", IbPassword: "pw-1" }), {
        path: "broker/ib",
        version: 1,
      });
      await vault.put(admin, "broker/ib", { IbLoginId: "trader1", IbPassword: "pw-2" });
      await vault.put(admin, "email/smtp", { password: "smtp-pw" });
      assert.equal((await vault.get(admin, "broker/ib")).data["IbPassword"], "pw-2");
      assert.deepEqual((await vault.get(admin, "broker/ib", { version: 1, field: "IbPassword" })).data, {
        IbPassword: "pw-1",
      });
      await assert.rejects(() => vault.get(admin, "broker/ib", { field: "nope" }), {
        code: "ERR_VAULT_FIELD_NOT_FOUND",
      });
      assert.deepEqual(
        (await vault.list(admin, "broker/")).map((s) => s.path),
        ["broker/ib"],
      );
      await vault.destroy(admin, "broker/ib", 1);
      await assert.rejects(() => vault.get(admin, "broker/ib", { version: 1 }), {
        code: "ERR_VAULT_NOT_FOUND",
      });
      await vault.delete(admin, "email/smtp");
      await assert.rejects(() => vault.get(admin, "email/smtp"), { code: "ERR_VAULT_NOT_FOUND" });
      assert.deepEqual(
        (await vault.list(admin)).map((s) => s.path),
        ["broker/ib"],
      );
      for (const bad of ["../x", "a//b", "a b", "a|b", "", "x/*"])
        await assert.rejects(() => vault.put(admin, bad, { f: "v" }), { code: "ERR_VAULT_BAD_PATH" });
    });

    test("the database holds no plaintext value, and a value copied to another row does not decrypt", async () => {
      const { vault, ts } = await setup();
      const secrets = ["Sup3r-Secret-IB-pw", "smtp-app-password-xyz", "broker-acct-U1234567"];
      await vault.put(admin, "broker/ib", {
        IbPassword: secrets[0] as string,
        account: secrets[2] as string,
      });
      await vault.put(admin, "email/smtp", { password: secrets[1] as string });
      await vault.put(admin, "email/smtp", { password: secrets[1] as string });
      if (target.dialect === "sqlite") {
        const files = readdirSync(ts.dataDir).filter((f) => f.startsWith("rampart.db"));
        assert.ok(files.length > 0);
        for (const f of files) {
          const bytes = readFileSync(join(ts.dataDir, f));
          for (const s of secrets) {
            assert.equal(bytes.indexOf(Buffer.from(s)), -1, `${s} found in ${f}`);
            assert.equal(bytes.indexOf(Buffer.from(s).toString("base64")), -1);
          }
        }
      }
      const v1 = await ts.store.db
        .selectFrom("vault_values")
        .selectAll()
        .where("path", "=", "email/smtp")
        .where("version", "=", 1)
        .executeTakeFirstOrThrow();
      // Copy version 1's ciphertext over version 2's, and over another path's field.
      await ts.store.db
        .updateTable("vault_values")
        .set({ ciphertext: v1.ciphertext })
        .where("path", "=", "email/smtp")
        .where("version", "=", 2)
        .execute();
      await assert.rejects(() => vault.get(admin, "email/smtp"), { code: "ERR_CRYPTO_DECRYPT" });
      await ts.store.db
        .updateTable("vault_values")
        .set({ ciphertext: v1.ciphertext })
        .where("path", "=", "broker/ib")
        .where("field", "=", "IbPassword")
        .execute();
      await assert.rejects(() => vault.get(admin, "broker/ib"), { code: "ERR_CRYPTO_DECRYPT" });
      assert.equal((await vault.get(admin, "email/smtp", { version: 1 })).data["password"], secrets[1]);
    });

    test("access is per path; denials and reads are ledger events naming path and version, never the value", async () => {
      const { vault, audit } = await setup();
      await vault.put(admin, "broker/ib", { IbPassword: "ib-pw-value" });
      await vault.put(admin, "email/smtp", { password: "smtp-pw-value" });
      const stack = { id: "service:stack_handler", roles: ["stack_handler"] };
      assert.equal((await vault.get(stack, "broker/ib")).data["IbPassword"], "ib-pw-value");
      await assert.rejects(() => vault.get(stack, "email/smtp"), { code: "ERR_VAULT_FORBIDDEN" });
      await assert.rejects(() => vault.put(stack, "broker/ib", { IbPassword: "x" }), {
        code: "ERR_VAULT_FORBIDDEN",
      });
      assert.deepEqual(
        (await vault.list(stack)).map((s) => s.path),
        ["broker/ib"],
      );
      const scoped = { id: "u", roles: ["vault_admin"], scope: ["secrets:read:email/*"] };
      await assert.rejects(() => vault.get(scoped, "broker/ib"), { code: "ERR_VAULT_FORBIDDEN" });
      const text = JSON.stringify(audit.events);
      assert.ok(!text.includes("ib-pw-value") && !text.includes("smtp-pw-value"));
      const read = audit.events.find((e) => e.action === "secrets.read" && e.outcome === "success");
      assert.deepEqual(
        { resource: read?.resource, version: read?.details?.["version"] },
        { resource: "secrets/broker/ib", version: 1 },
      );
      assert.ok(audit.events.some((e) => e.action === "secrets.read" && e.outcome === "denied"));
    });

    test("a secret that needs approval is refused per read until approvals are wired; a gate can allow it", async () => {
      const { vault, audit } = await setup(["broker/*"]);
      await vault.put(admin, "broker/ib", { IbPassword: "pw" });
      await vault.put(admin, "email/smtp", { password: "pw" }, { approvalRequired: true });
      await assert.rejects(() => vault.get(admin, "broker/ib"), { code: "ERR_VAULT_APPROVAL_REQUIRED" });
      await assert.rejects(() => vault.get(admin, "email/smtp"), { code: "ERR_VAULT_APPROVAL_REQUIRED" });
      assert.ok(audit.events.some((e) => e.details?.["reason"] === "approval_required"));
    });
  });
}

test("templates: secret references, yaml quoting, and no line injection through raw values", () => {
  const t =
    'email_pwd: {{ secret "email/smtp" "password" | yaml }}\nIbPassword={{secret "broker/ib" "IbPassword"}}\n';
  assert.deepEqual(
    templateReferences(t, "t").map((r) => `${r.path}#${r.field}:${r.filter}`),
    ["email/smtp#password:yaml", "broker/ib#IbPassword:raw"],
  );
  const values: Record<string, string> = { "email/smtp#password": 'a"b: c', "broker/ib#IbPassword": "p w" };
  assert.equal(
    renderTemplate(t, "t", (p, f) => values[`${p}#${f}`] as string),
    'email_pwd: "a\\"b: c"\nIbPassword=p w\n',
  );
  assert.throws(() => renderTemplate('x={{ secret "a" "b" }}', "t", () => "pw\nTradingMode=live"), {
    code: "ERR_VAULT_TEMPLATE",
  });
  for (const bad of [
    "{{ secret a b }}",
    "{{ env HOME }}",
    '{{ secret "a" }}',
    "{{ unclosed",
    '{{ secret "a" "b" | sh }}',
  ])
    assert.throws(() => templateReferences(bad, "t"), { code: "ERR_VAULT_TEMPLATE" });
});
