// Versioned key/value secrets at paths. Values are encrypted one field at a time under the
// "secrets" data key, with associated data binding path, version and field (a value copied to
// another path, version or field does not decrypt). Every read and write is a ledger event naming
// path, version and field names — never a value — and the ledger failing fails the operation:
// a write is taken back when its record fails; delete and destroy (destroy cannot be taken back)
// are recorded before they take effect.
// Reads of secrets that need approval go through the ApprovalGate, once per read.
//
// Four-eyes reads and writers. Whoever may write a secret could otherwise switch its approval off
// and read the old, approval-gated versions. Two rules close that, each enough against a writer:
//  - the requirement is per version and sticky: a version written while the secret required
//    approval keeps requiring it for good (vault_secret_versions.approval_required); a read needs
//    approval if the version, the secret now, or config vault.approval_required says so;
//  - a write through the API may raise the secret's flag but never lower it (ERR_VAULT_APPROVAL_LOCKED);
//    only the local administrator (CLI, who holds the master key anyway) can, and that only
//    affects versions written from then on. A writer can read without approval only values it
//    wrote itself after that.
// No other operation returns values: list and metadata give names, versions and flags; templates
// and `rampart launch` read through get(); there is no copy or rollback.
import { parseAction, parsePattern, patternMatches } from "../access/index.js";
import type { AuditEventInput, AuditRecorder } from "../audit/index.js";
import type { Clock, RampartError } from "../kernel/index.js";
import type { FieldLocation, KeyService } from "../keys/index.js";
import { refuseApprovals } from "./approval.js";
import {
  approvalLocked,
  badPath,
  fieldNotFound,
  secretNotFound,
  valueTooLarge,
  vaultForbidden,
  writeConflict,
} from "./errors.js";
import { pathMatches, readAction, validateField, validatePath, writeAction } from "./paths.js";
import type {
  AccessCheck,
  ApprovalGate,
  SecretRecord,
  SecretVersionRecord,
  VaultActor,
  VaultStore,
} from "./ports.js";

export const MAX_VALUE_BYTES = 64 * 1024;
const MAX_WRITE_ATTEMPTS = 5;

export interface VaultServiceDeps {
  store: VaultStore;
  keys: KeyService;
  audit: AuditRecorder;
  clock: Clock;
  access?: AccessCheck;
  approvals?: ApprovalGate;
  /** Paths (or PREFIX/*) whose reads always need approval (config vault.approval_required). */
  approvalRequired?: readonly string[];
}

export interface SecretValue {
  path: string;
  version: number;
  createdAt: number;
  data: Record<string, string>;
}

export interface SecretListing {
  path: string;
  currentVersion: number;
  approvalRequired: boolean;
  updatedAt: number;
}

export interface SecretMetadata extends SecretListing {
  deletedAt: number | null;
  versions: SecretVersionRecord[];
}

/** AAD location of one field of one version of a secret. */
export const valueLocation = (path: string, version: number, field: string): FieldLocation => ({
  table: "vault_values",
  id: `${path}@${version}`,
  field,
});

export class VaultService {
  readonly #d: VaultServiceDeps;
  readonly #approvals: ApprovalGate;

  constructor(deps: VaultServiceDeps) {
    this.#d = deps;
    this.#approvals = deps.approvals ?? refuseApprovals;
  }

  /** Writes a new version of `path` holding exactly `data` (fields not given are not carried over). */
  async put(
    actor: VaultActor,
    pathIn: string,
    data: Readonly<Record<string, string>>,
    options: { approvalRequired?: boolean } = {},
  ): Promise<{ path: string; version: number }> {
    const path = validatePath(pathIn);
    const fields = Object.keys(data).map(validateField).sort();
    if (fields.length === 0) throw badPath("a secret needs at least one FIELD=VALUE");
    let total = 0;
    for (const f of fields) total += Buffer.byteLength(data[f] as string, "utf8");
    if (total > MAX_VALUE_BYTES) throw valueTooLarge(MAX_VALUE_BYTES);
    await this.#authorize(actor, writeAction(path), path, "secrets.write");
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const existing = await this.#d.store.readSecret(path);
      // The flag checked here is the one the write replaces: writeVersion only succeeds if the
      // current version (which every flag change comes with) is still existing's.
      if (existing?.approvalRequired && options.approvalRequired === false && !isLocalAdmin(actor)) {
        await this.#record(actor, "secrets.write", "denied", path, { reason: "approval_locked" });
        throw approvalLocked(path);
      }
      const approvalRequired = options.approvalRequired ?? existing?.approvalRequired ?? false;
      const version = (existing?.currentVersion ?? 0) + 1;
      const values = [];
      for (const field of fields) {
        const ciphertext = await this.#d.keys.encrypt(
          "secrets",
          data[field] as string,
          valueLocation(path, version, field),
        );
        values.push({ field, ciphertext, keyVersion: Number(ciphertext.split(".")[2]) });
      }
      const ok = await this.#d.store.writeVersion({
        path,
        expectedCurrent: existing?.currentVersion ?? null,
        version,
        createdAt: this.#d.clock.now(),
        createdBy: actor.id,
        approvalRequired,
        values,
      });
      if (!ok) continue;
      try {
        await this.#record(actor, "secrets.write", "success", path, {
          version,
          fields,
          approval_required: approvalRequired,
        });
      } catch (e) {
        // Fail closed: a version the ledger does not know about must not exist. (Until it is
        // taken back, a read of it returns only after the ledger has recorded that read.)
        await this.#d.store.undoVersion(path, version, existing);
        throw e;
      }
      return { path, version };
    }
    throw writeConflict(path);
  }

  /** Reads a version (default: current) after RBAC, approval and a ledger event. */
  async get(
    actor: VaultActor,
    pathIn: string,
    options: { version?: number; field?: string } = {},
  ): Promise<SecretValue> {
    const path = validatePath(pathIn);
    const action = readAction(path);
    await this.#authorize(actor, action, path, "secrets.read");
    const secret = await this.#d.store.readSecret(path);
    if (!secret || secret.deletedAt !== null) throw secretNotFound(path);
    const version = options.version ?? secret.currentVersion;
    const meta = await this.#d.store.readVersion(path, version);
    if (!meta || meta.destroyedAt !== null) throw secretNotFound(path, version);
    if (
      meta.approvalRequired ||
      secret.approvalRequired ||
      (this.#d.approvalRequired ?? []).some((p) => pathMatches(p, path))
    ) {
      try {
        await this.#approvals.approveRead({ actor, path, version, action });
      } catch (e) {
        await this.#record(actor, "secrets.read", "denied", path, { version, reason: "approval_required" });
        throw e;
      }
    }
    const stored = await this.#d.store.readValues(path, version);
    const wanted = options.field === undefined ? stored : stored.filter((v) => v.field === options.field);
    if (options.field !== undefined && wanted.length === 0) throw fieldNotFound(path, options.field);
    const data: Record<string, string> = {};
    for (const v of wanted) {
      const plain = await this.#d.keys.decrypt(v.ciphertext, valueLocation(path, version, v.field));
      data[v.field] = plain.toString("utf8");
      plain.fill(0);
    }
    await this.#record(actor, "secrets.read", "success", path, { version, fields: Object.keys(data) });
    return { path, version, createdAt: meta.createdAt, data };
  }

  /** Paths under a prefix (names only). Lists what the actor may read, or everything for the CLI. */
  async list(actor: VaultActor, prefix = ""): Promise<SecretListing[]> {
    const rows = await this.#d.store.listSecrets(prefix);
    const visible = rows.filter(
      (r) => this.#allowed(actor, readAction(r.path)) || this.#allowed(actor, writeAction(r.path)),
    );
    await this.#record(actor, "secrets.list", "success", prefix === "" ? "*" : prefix, {
      count: visible.length,
    });
    return visible.map(listing);
  }

  async metadata(actor: VaultActor, pathIn: string): Promise<SecretMetadata> {
    const path = validatePath(pathIn);
    if (!this.#allowed(actor, readAction(path)) && !this.#allowed(actor, writeAction(path))) {
      await this.#record(actor, "secrets.metadata", "denied", path, {});
      throw vaultForbidden(readAction(path));
    }
    const secret = await this.#d.store.readSecret(path);
    if (!secret) throw secretNotFound(path);
    return {
      ...listing(secret),
      deletedAt: secret.deletedAt,
      versions: await this.#d.store.listVersions(path),
    };
  }

  /** Soft delete: the secret disappears from reads and lists; its versions stay until destroyed. */
  async delete(actor: VaultActor, pathIn: string): Promise<void> {
    const path = validatePath(pathIn);
    await this.#authorize(actor, writeAction(path), path, "secrets.delete");
    const secret = await this.#d.store.readSecret(path);
    if (!secret || secret.deletedAt !== null) throw secretNotFound(path);
    await this.#recordedFirst(
      actor,
      "secrets.delete",
      path,
      {},
      () => this.#d.store.softDelete(path, this.#d.clock.now()),
      () => secretNotFound(path),
    );
  }

  /** Destroys one version's ciphertexts for good. */
  async destroy(actor: VaultActor, pathIn: string, version: number): Promise<void> {
    const path = validatePath(pathIn);
    await this.#authorize(actor, writeAction(path), path, "secrets.destroy");
    const meta = await this.#d.store.readVersion(path, version);
    if (!meta || meta.destroyedAt !== null) throw secretNotFound(path, version);
    await this.#recordedFirst(
      actor,
      "secrets.destroy",
      path,
      { version },
      () => this.#d.store.destroyVersion(path, version, this.#d.clock.now()),
      () => secretNotFound(path, version),
    );
  }

  /** Whether the actor may perform `action` (roles and token scope); the local administrator may. */
  allowed(actor: VaultActor, action: string): boolean {
    return this.#allowed(actor, action);
  }

  #allowed(actor: VaultActor, action: string): boolean {
    if (actor.roles === undefined) return true;
    if (!this.#d.access?.check(actor.roles, action).allowed) return false;
    if (actor.scope === undefined) return true;
    const parsed = parseAction(action);
    return (
      parsed !== null &&
      actor.scope.some((s) => {
        const p = parsePattern(s);
        return p !== null && patternMatches(p, parsed);
      })
    );
  }

  async #authorize(actor: VaultActor, action: string, path: string, event: string): Promise<void> {
    if (this.#allowed(actor, action)) return;
    await this.#record(actor, event, "denied", path, { action });
    throw vaultForbidden(action);
  }

  /**
   * Records `action` as done, then does it (fail-closed: no record, no effect). If the effect then
   * does not happen (lost a race, or the database failed), a second record says so, if it can.
   */
  async #recordedFirst(
    actor: VaultActor,
    action: string,
    path: string,
    details: Record<string, unknown>,
    effect: () => Promise<boolean>,
    notFound: () => RampartError,
  ): Promise<void> {
    await this.#record(actor, action, "success", path, details);
    let done: boolean;
    try {
      done = await effect();
    } catch (e) {
      await this.#record(actor, action, "error", path, { ...details, reason: "not_applied" }).catch(
        () => undefined,
      );
      throw e;
    }
    if (!done) {
      await this.#record(actor, action, "failure", path, { ...details, reason: "not_found" }).catch(
        () => undefined,
      );
      throw notFound();
    }
  }

  async #record(
    actor: VaultActor,
    action: string,
    outcome: AuditEventInput["outcome"],
    resource: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.#d.audit.record({
      event_type: "secrets",
      action,
      outcome,
      user_id: actor.id,
      resource: `secrets/${resource}`,
      details: { path: resource, ...details },
      ...(actor.requestId ? { request_id: actor.requestId } : {}),
      ...(actor.ip ? { ip_address: actor.ip } : {}),
    });
  }
}

/** The trusted local administrator (the CLI) carries no roles. */
const isLocalAdmin = (actor: VaultActor): boolean => actor.roles === undefined;

function listing(r: SecretRecord): SecretListing {
  return {
    path: r.path,
    currentVersion: r.currentVersion,
    approvalRequired: r.approvalRequired,
    updatedAt: r.updatedAt,
  };
}
