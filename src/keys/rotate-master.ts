// Master-key rotation (manual, as the seed says). Everything under the master key is re-wrapped in
// one database transaction: every data key (all purposes, all versions) and every KEK-direct rk1
// value (TOTP secrets, the ledger's signing key, …). Data-key ciphertexts (vault values) do not
// change: their data keys do not. The database records a check value of the master key it is
// under; the transaction swaps it, so the database is under exactly one master key at any moment.
//
// Resuming: if the process dies after the commit but before the new key file is installed, the
// next run sees the database already under the new key ("already_rotated") and only installs the
// file; before the commit, nothing has changed and the run starts over.
import type { AuditRecorder } from "../audit/index.js";
import { DecryptionError } from "../crypto/index.js";
import { unwrapDataKey, wrapDataKey } from "./ciphertext.js";
import { masterMismatch, masterUnchanged } from "./errors.js";
import { type KeyRing, parseRk1 } from "./keyring.js";
import type { KeyStore, MasterRotation } from "./ports.js";

export interface RotateMasterReport {
  status: "rotated" | "already_rotated";
  keyVersions: number;
  ciphertexts: number;
}

export async function rotateMaster(deps: {
  store: KeyStore;
  current: KeyRing;
  next: KeyRing;
  actor?: string;
  audit?: AuditRecorder;
}): Promise<RotateMasterReport> {
  const { store, current, next } = deps;
  const oldCheck = current.masterCheck();
  const newCheck = next.masterCheck();
  if (oldCheck === newCheck) throw masterUnchanged();
  const recorded = await store.readMasterCheck();
  if (recorded === newCheck) return { status: "already_rotated", keyVersions: 0, ciphertexts: 0 };
  if (recorded === null) await store.initMasterCheck(oldCheck);
  else if (recorded !== oldCheck) throw masterMismatch();

  const keyVersions: Array<MasterRotation["keyVersions"][number]> = [];
  for (const v of await store.listKeyVersions()) {
    let dk: Buffer;
    try {
      dk = unwrapDataKey(current.kek(v.purpose, v.version), v.purpose, v.version, v.wrappedKey);
    } catch {
      throw masterMismatch();
    }
    keyVersions.push({
      purpose: v.purpose,
      version: v.version,
      wrappedKey: wrapDataKey(next.kek(v.purpose, v.version), v.purpose, v.version, dk),
    });
    dk.fill(0);
  }
  const ciphertexts: Array<MasterRotation["ciphertexts"][number]> = [];
  for (const source of store.ciphertextSources()) {
    if (source.format !== "rk1") continue;
    let after: string | null = null;
    for (;;) {
      const page = await source.page(after, 1000);
      for (const item of page) {
        // Every rk1 value must come across: one that does not decrypt stops the rotation (it
        // would be lost otherwise), and the transaction never starts.
        const h = parseRk1(item.ciphertext);
        if (!h) throw new DecryptionError(`not an rk1 ciphertext in ${source.name}`);
        const plain = current.decrypt(item.ciphertext, item.where);
        const nextText = next.encrypt(h.purpose, plain, item.where, h.version);
        plain.fill(0);
        ciphertexts.push({
          source: source.name,
          replacement: { ref: item.ref, old: item.ciphertext, next: nextText },
        });
      }
      if (page.length < 1000) break;
      after = (page.at(-1) as { ref: string }).ref;
    }
  }
  if (!(await store.rotateMaster({ expectCheck: oldCheck, newCheck, keyVersions, ciphertexts })))
    throw masterMismatch();
  await deps.audit?.record({
    event_type: "keys",
    action: "keys.rotate_master",
    outcome: "success",
    user_id: deps.actor ?? "system",
    resource: "keys/master",
    details: { key_versions: keyVersions.length, ciphertexts: ciphertexts.length },
  });
  return { status: "rotated", keyVersions: keyVersions.length, ciphertexts: ciphertexts.length };
}
