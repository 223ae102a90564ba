// Properties: a field ciphertext decrypts only where it was written, and only with its key.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { randomBytes } from "../crypto/index.js";
import { createMasterKeyFile, KeyRing, loadMasterKey, MasterKey } from "./index.js";

const where = { table: "users", id: "u1", field: "totp_secret" };

test("a ciphertext moved to another record, field or purpose does not decrypt; all failures look alike", () => {
  const ring = new KeyRing(new MasterKey(randomBytes(32)));
  const ct = ring.encrypt("mfa", "JBSWY3DPEHPK3PXP", where);
  assert.equal(ring.decryptString(ct, where), "JBSWY3DPEHPK3PXP");
  const tampered = `${ct.slice(0, -2)}${ct.endsWith("A") ? "B" : "A"}A`;
  const failures = [
    () => ring.decrypt(ct, { ...where, id: "u2" }),
    () => ring.decrypt(ct, { ...where, field: "other" }),
    () => ring.decrypt(ct.replace("rk1.mfa.", "rk1.fields."), where),
    () => ring.decrypt(ct.replace(".1.", ".2."), where),
    () => ring.decrypt(tampered, where),
    () => new KeyRing(new MasterKey(randomBytes(32))).decrypt(ct, where),
    () => ring.decrypt("garbage", where),
  ];
  for (const f of failures)
    assert.throws(f, (e: unknown) => (e as { code?: string }).code === "ERR_CRYPTO_DECRYPT");
});

test("the master key file is created 0600, never overwritten, and refused when readable by others", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-keys-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "master.key");
  createMasterKeyFile(file);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const before = readFileSync(file, "utf8");
  assert.throws(() => createMasterKeyFile(file), /EEXIST/);
  assert.equal(readFileSync(file, "utf8"), before);
  const k = loadMasterKey({ file });
  assert.equal(k.bytes().length, 32);
  assert.equal(JSON.stringify({ k }), '{"k":"[master key]"}');
  chmodSync(file, 0o644);
  assert.throws(
    () => loadMasterKey({ file }),
    (e: unknown) => (e as { code?: string }).code === "ERR_KEYS_MASTER_PERMISSIONS",
  );
  assert.throws(() => loadMasterKey({ file: join(dir, "nope") }), /run `rampart init` first/);
  assert.equal(loadMasterKey({ file: join(dir, "nope"), envValue: "ab".repeat(32) }).bytes()[0], 0xab);
  assert.throws(
    () => loadMasterKey({ file, envValue: "short" }),
    (e: unknown) => (e as { code?: string }).code === "ERR_KEYS_MASTER_INVALID",
  );
});
