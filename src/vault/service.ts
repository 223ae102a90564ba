// Versioned key/value secrets at paths. Values are encrypted one field at a time under the
// "secrets" data key, with associated data binding path, version and field (a value copied to
// another path, version or field does not decrypt). Every read and write is a ledger event naming
// path, version and field names — never a value — recorded before the effect is acknowledged.
// Reads of secrets that need approval go through the ApprovalGate, once per read.
import { parseAction, parsePattern, patternMatches } from "../access/index.js";
import type { AuditEventInput, AuditRecorder } from "../audit/index.js";
import type { Clock } from "../kernel/index.js";
import type { FieldLocation, KeyService } from "../keys/index.js";
import { refuseApprovals } from "./approval.js";
import {
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
        ...(options.approvalRequired === undefined ? {} : { approvalRequired: options.approvalRequired }),
        values,
      });
      if (!ok) continue;
      await this.#record(actor, "secrets.write", "success", path, { version, fields });
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
    if (secret.approvalRequired || (this.#d.approvalRequired ?? []).some((p) => pathMatches(p, path))) {
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
    if (!(await this.#d.store.softDelete(path, this.#d.clock.now()))) throw secretNotFound(path);
    await this.#record(actor, "secrets.delete", "success", path, {});
  }

  /** Destroys one version's ciphertexts for good. */
  async destroy(actor: VaultActor, pathIn: string, version: number): Promise<void> {
    const path = validatePath(pathIn);
    await this.#authorize(actor, writeAction(path), path, "secrets.destroy");
    if (!(await this.#d.store.destroyVersion(path, version, this.#d.clock.now())))
      throw secretNotFound(path, version);
    await this.#record(actor, "secrets.destroy", "success", path, { version });
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

function listing(r: SecretRecord): SecretListing {
  return {
    path: r.path,
    currentVersion: r.currentVersion,
    approvalRequired: r.approvalRequired,
    updatedAt: r.updatedAt,
  };
}
