// The vault's storage (port: VaultStore in src/vault/ports.ts). A new version is written in one
// transaction guarded by a compare-and-set on the secret's current_version, so two writers never
// both believe they wrote version N. Destroying a version deletes its ciphertexts. undoVersion takes
// back a write whose ledger record failed. Each version keeps the approval flag it was written with.
import { type Selectable, sql } from "kysely";
import type {
  NewSecretVersion,
  SecretRecord,
  SecretVersionRecord,
  StoredValue,
  VaultStore,
} from "../../vault/index.js";
import { isUniqueViolation } from "../errors.js";
import type { Store } from "../open.js";
import type { VaultSecretTable, VaultSecretVersionTable } from "../schema/vault.js";

const changed = (r: { numUpdatedRows?: bigint; numDeletedRows?: bigint } | undefined): number =>
  Number(r?.numUpdatedRows ?? r?.numDeletedRows ?? 0n);

function toSecret(r: Selectable<VaultSecretTable>): SecretRecord {
  return {
    path: r.path,
    currentVersion: Number(r.current_version),
    approvalRequired: Number(r.approval_required) === 1,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
  };
}

function toVersion(r: Selectable<VaultSecretVersionTable>): SecretVersionRecord {
  return {
    path: r.path,
    version: Number(r.version),
    createdAt: Number(r.created_at),
    createdBy: r.created_by,
    destroyedAt: r.destroyed_at === null ? null : Number(r.destroyed_at),
    approvalRequired: Number(r.approval_required) === 1,
  };
}

class Conflict extends Error {}

export class VaultRepository implements VaultStore {
  constructor(private readonly store: Store) {}

  async readSecret(path: string): Promise<SecretRecord | null> {
    const r = await this.store.db
      .selectFrom("vault_secrets")
      .selectAll()
      .where("path", "=", path)
      .executeTakeFirst();
    return r ? toSecret(r) : null;
  }

  async writeVersion(input: NewSecretVersion): Promise<boolean> {
    try {
      return await this.store.transaction(async (trx) => {
        if (input.expectedCurrent === null) {
          await trx
            .insertInto("vault_secrets")
            .values({
              path: input.path,
              current_version: input.version,
              approval_required: input.approvalRequired,
              created_at: input.createdAt,
              updated_at: input.createdAt,
              deleted_at: null,
            })
            .execute();
        } else {
          const r = await trx
            .updateTable("vault_secrets")
            .set({
              current_version: input.version,
              updated_at: input.createdAt,
              deleted_at: null,
              approval_required: input.approvalRequired,
            })
            .where("path", "=", input.path)
            .where("current_version", "=", input.expectedCurrent)
            .executeTakeFirst();
          if (changed(r) !== 1) throw new Conflict();
        }
        await trx
          .insertInto("vault_secret_versions")
          .values({
            path: input.path,
            version: input.version,
            created_at: input.createdAt,
            created_by: input.createdBy,
            destroyed_at: null,
            approval_required: input.approvalRequired,
          })
          .execute();
        await trx
          .insertInto("vault_values")
          .values(
            input.values.map((v) => ({
              path: input.path,
              version: input.version,
              field: v.field,
              ciphertext: v.ciphertext,
              key_version: v.keyVersion,
            })),
          )
          .execute();
        return true;
      });
    } catch (e) {
      if (e instanceof Conflict || isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async readVersion(path: string, version: number): Promise<SecretVersionRecord | null> {
    const r = await this.store.db
      .selectFrom("vault_secret_versions")
      .selectAll()
      .where("path", "=", path)
      .where("version", "=", version)
      .executeTakeFirst();
    return r ? toVersion(r) : null;
  }

  async listVersions(path: string): Promise<SecretVersionRecord[]> {
    const rows = await this.store.db
      .selectFrom("vault_secret_versions")
      .selectAll()
      .where("path", "=", path)
      .orderBy("version")
      .execute();
    return rows.map(toVersion);
  }

  async readValues(path: string, version: number): Promise<StoredValue[]> {
    const rows = await this.store.db
      .selectFrom("vault_values")
      .select(["field", "ciphertext", "key_version"])
      .where("path", "=", path)
      .where("version", "=", version)
      .orderBy("field")
      .execute();
    return rows.map((r) => ({ field: r.field, ciphertext: r.ciphertext, keyVersion: Number(r.key_version) }));
  }

  async listSecrets(prefix: string): Promise<SecretRecord[]> {
    let q = this.store.db.selectFrom("vault_secrets").selectAll().where("deleted_at", "is", null);
    // Prefix match without LIKE (so `_` and `%` mean themselves) and independent of collation.
    if (prefix !== "") q = q.where(sql<string>`substr(path, 1, ${prefix.length})`, "=", prefix);
    return (await q.orderBy("path").execute()).map(toSecret);
  }

  async softDelete(path: string, at: number): Promise<boolean> {
    const r = await this.store.db
      .updateTable("vault_secrets")
      .set({ deleted_at: at, updated_at: at })
      .where("path", "=", path)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return changed(r) === 1;
  }

  async destroyVersion(path: string, version: number, at: number): Promise<boolean> {
    return this.store.transaction(async (trx) => {
      const r = await trx
        .updateTable("vault_secret_versions")
        .set({ destroyed_at: at })
        .where("path", "=", path)
        .where("version", "=", version)
        .where("destroyed_at", "is", null)
        .executeTakeFirst();
      if (changed(r) !== 1) return false;
      await trx.deleteFrom("vault_values").where("path", "=", path).where("version", "=", version).execute();
      return true;
    });
  }

  async undoVersion(path: string, version: number, previous: SecretRecord | null): Promise<void> {
    await this.store.transaction(async (trx) => {
      await trx.deleteFrom("vault_values").where("path", "=", path).where("version", "=", version).execute();
      await trx
        .deleteFrom("vault_secret_versions")
        .where("path", "=", path)
        .where("version", "=", version)
        .execute();
      // Only while the undone version is current: a later write on top stays as it is.
      if (previous === null) {
        await trx
          .deleteFrom("vault_secrets")
          .where("path", "=", path)
          .where("current_version", "=", version)
          .execute();
      } else {
        await trx
          .updateTable("vault_secrets")
          .set({
            current_version: previous.currentVersion,
            approval_required: previous.approvalRequired,
            updated_at: previous.updatedAt,
            deleted_at: previous.deletedAt,
          })
          .where("path", "=", path)
          .where("current_version", "=", version)
          .execute();
      }
    });
  }
}
