// Properties of the vault, on SQLite and (with RAMPART_TEST_DATABASE_URL) PostgreSQL: values are
// never stored in clear (the SQLite file's bytes are grepped); a value copied to another path,
// version or field does not decrypt; access is per path; approval-required reads are refused until
// approvals are wired; the ledger names path and version, never the value; templates cannot be
// used to inject lines. A writer cannot turn four-eyes reads off to read older versions, and a
// version written under approval stays gated; put, delete and destroy fail closed when the ledger
// cannot record them.
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
import {
  type ApprovalGate,
  fetchSecrets,
  renderTemplate,
  templateReferences,
  VaultService,
} from "./index.js";

class Events implements AuditRecorder {
  readonly events: AuditEventInput[] = [];
  /** When set, every record fails (the ledger is unavailable). */
  failing = false;
  async record(e: AuditEventInput) {
    if (this.failing) throw new Error("ledger unavailable (test)");
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
    async function setup(approvalRequired: string[] = [], approvals?: ApprovalGate) {
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
        ...(approvals ? { approvals } : {}),
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

    // A gate that lets a read through when the actor presents approval "ok".
    const gate: ApprovalGate = {
      async approveRead(req) {
        if (req.actor.approvalId !== "ok")
          throw Object.assign(new Error("no approval"), { code: "ERR_VAULT_APPROVAL_REQUIRED" });
      },
    };

    test("a writer cannot turn approval off to read an approval-gated version; versions stay gated", async () => {
      const { vault, audit } = await setup([], gate);
      const writer = { id: "user:w", roles: ["vault_admin"] };
      const approved = { ...writer, approvalId: "ok" };
      await vault.put(writer, "team/db", { password: "gated-v1" }, { approvalRequired: true });
      await assert.rejects(() => vault.get(writer, "team/db"), { code: "ERR_VAULT_APPROVAL_REQUIRED" });

      // The reported bypass: write with approval off, then read the old version.
      await assert.rejects(() => vault.put(writer, "team/db", { x: "y" }, { approvalRequired: false }), {
        code: "ERR_VAULT_APPROVAL_LOCKED",
      });
      assert.ok(
        audit.events.some(
          (e) =>
            e.action === "secrets.write" &&
            e.outcome === "denied" &&
            e.details?.["reason"] === "approval_locked",
        ),
      );
      assert.equal((await vault.metadata(writer, "team/db")).currentVersion, 1);
      await assert.rejects(() => vault.get(writer, "team/db", { version: 1 }), {
        code: "ERR_VAULT_APPROVAL_REQUIRED",
      });
      // Deleting and writing again does not reset the flag either.
      await vault.delete(writer, "team/db");
      await assert.rejects(() => vault.put(writer, "team/db", { x: "y" }, { approvalRequired: false }), {
        code: "ERR_VAULT_APPROVAL_LOCKED",
      });

      // A write that does not mention the flag keeps it.
      await vault.put(writer, "team/db", { password: "gated-v2" });
      await assert.rejects(() => vault.get(writer, "team/db"), { code: "ERR_VAULT_APPROVAL_REQUIRED" });

      // The local administrator may turn it off, for versions written from then on only.
      await vault.put(admin, "team/db", { password: "open-v3" }, { approvalRequired: false });
      assert.equal((await vault.get(writer, "team/db")).data["password"], "open-v3");
      for (const version of [1, 2])
        await assert.rejects(() => vault.get(writer, "team/db", { version }), {
          code: "ERR_VAULT_APPROVAL_REQUIRED",
        });
      assert.equal((await vault.get(approved, "team/db", { version: 1 })).data["password"], "gated-v1");
      const meta = await vault.metadata(writer, "team/db");
      assert.deepEqual(
        meta.versions.map((v) => [v.version, v.approvalRequired]),
        [
          [1, true],
          [2, true],
          [3, false],
        ],
      );
      assert.equal(meta.approvalRequired, false);
      assert.ok(!JSON.stringify(meta).includes("gated-v"));

      // Raising it through the API is allowed, and gates every version again.
      await vault.put(writer, "team/db", { password: "gated-v4" }, { approvalRequired: true });
      await assert.rejects(() => vault.get(writer, "team/db", { version: 3 }), {
        code: "ERR_VAULT_APPROVAL_REQUIRED",
      });

      // Templates and `rampart launch` read through get(): refused the same way.
      await assert.rejects(
        () => fetchSecrets(vault, writer, [{ path: "team/db", field: "password", filter: "raw" }]),
        { code: "ERR_VAULT_APPROVAL_REQUIRED" },
      );
      assert.ok(!JSON.stringify(audit.events).includes("gated-v"));
    });

    test("put, delete and destroy fail closed when the ledger cannot record them", async () => {
      const { vault, audit } = await setup();
      await vault.put(admin, "broker/ib", { IbPassword: "pw-1" }, { approvalRequired: true });
      await vault.put(admin, "email/smtp", { password: "smtp-1" });
      const before = audit.events.length;
      audit.failing = true;

      // put: the new version is taken back, the old one stays current, the flag is unchanged.
      await assert.rejects(
        () => vault.put(admin, "email/smtp", { password: "smtp-2" }),
        /ledger unavailable/,
      );
      await assert.rejects(
        () => vault.put(admin, "broker/ib", { IbPassword: "pw-2" }, { approvalRequired: false }),
        /ledger unavailable/,
      );
      await assert.rejects(() => vault.put(admin, "new/path", { f: "v" }), /ledger unavailable/);
      // delete and destroy: recorded first, so nothing happens.
      await assert.rejects(() => vault.delete(admin, "email/smtp"), /ledger unavailable/);
      await assert.rejects(() => vault.destroy(admin, "email/smtp", 1), /ledger unavailable/);

      audit.failing = false;
      assert.equal(audit.events.length, before);
      const smtp = await vault.metadata(admin, "email/smtp");
      assert.deepEqual(
        {
          current: smtp.currentVersion,
          deleted: smtp.deletedAt,
          versions: smtp.versions.map((v) => [v.version, v.destroyedAt]),
        },
        { current: 1, deleted: null, versions: [[1, null]] },
      );
      assert.equal((await vault.get(admin, "email/smtp", { version: 1 })).data["password"], "smtp-1");
      const ib = await vault.metadata(admin, "broker/ib");
      assert.deepEqual(
        { current: ib.currentVersion, approval: ib.approvalRequired, versions: ib.versions.length },
        { current: 1, approval: true, versions: 1 },
      );
      await assert.rejects(() => vault.metadata(admin, "new/path"), { code: "ERR_VAULT_NOT_FOUND" });
      assert.deepEqual(
        (await vault.list(admin)).map((s) => s.path),
        ["broker/ib", "email/smtp"],
      );

      // Once the ledger is back, the same operations work and are recorded.
      assert.deepEqual(await vault.put(admin, "email/smtp", { password: "smtp-2" }), {
        path: "email/smtp",
        version: 2,
      });
      await vault.destroy(admin, "email/smtp", 1);
      await vault.delete(admin, "email/smtp");
      assert.deepEqual(
        audit.events.slice(before).map((e) => `${e.action}:${e.outcome}`),
        [
          "secrets.read:success",
          "secrets.list:success",
          "secrets.write:success",
          "secrets.destroy:success",
          "secrets.delete:success",
        ],
      );
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
