// The vault's ports: its storage (implemented in src/store/repos/vault.ts), the four-eyes approval
// gate (implemented by src/access once approvals land) and the RBAC check it asks.
import type { Decision } from "../access/index.js";

export interface SecretRecord {
  path: string;
  currentVersion: number;
  approvalRequired: boolean;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

export interface SecretVersionRecord {
  path: string;
  version: number;
  createdAt: number;
  createdBy: string;
  destroyedAt: number | null;
  /** Reading this version needs a four-eyes approval: set when written, never cleared. */
  approvalRequired: boolean;
}

export interface StoredValue {
  field: string;
  ciphertext: string;
  keyVersion: number;
}

export interface NewSecretVersion {
  path: string;
  /** The current version the write was prepared against (null: the path is new). */
  expectedCurrent: number | null;
  version: number;
  createdAt: number;
  createdBy: string;
  /** The secret's approval flag from now on, and this version's (which never changes). */
  approvalRequired: boolean;
  values: readonly StoredValue[];
}

export interface VaultStore {
  readSecret(path: string): Promise<SecretRecord | null>;
  /** Writes a new version and makes it current, only if current is still `expectedCurrent`. */
  writeVersion(input: NewSecretVersion): Promise<boolean>;
  readVersion(path: string, version: number): Promise<SecretVersionRecord | null>;
  listVersions(path: string): Promise<SecretVersionRecord[]>;
  readValues(path: string, version: number): Promise<StoredValue[]>;
  /** Secrets whose path starts with `prefix`, in path order, deleted ones excluded. */
  listSecrets(prefix: string): Promise<SecretRecord[]>;
  /** Marks the secret deleted (versions are kept); false when absent or already deleted. */
  softDelete(path: string, at: number): Promise<boolean>;
  /** Removes a version's values for good and marks it destroyed; false when absent or destroyed. */
  destroyVersion(path: string, version: number, at: number): Promise<boolean>;
  /**
   * Takes back a write the ledger did not record: removes `version` and its values and, if it is
   * still current, puts the secret back as `previous` was (removes it when `previous` is null).
   */
  undoVersion(path: string, version: number, previous: SecretRecord | null): Promise<void>;
}

/** Who asks: its ledger id and, for everyone but the trusted local administrator, its roles. */
export interface VaultActor {
  id: string;
  /** Absent for the local administrator (the CLI, who holds the master key anyway). */
  roles?: readonly string[];
  /** Narrowed permissions (API token scope), checked as well as the roles. */
  scope?: readonly string[];
  requestId?: string | null;
  ip?: string | null;
  /** An approval id presented for four-eyes reads. */
  approvalId?: string;
}

/** The RBAC check (src/access CompiledPolicy / LivePolicy). */
export interface AccessCheck {
  check(roles: readonly string[], action: string): Decision;
}

export interface ApprovalRequest {
  actor: VaultActor;
  path: string;
  version: number;
  action: string;
}

/**
 * Four-eyes approval of a single read. Resolves when a second person approved this read (the
 * approval is consumed); throws a RampartError otherwise. src/access provides the real gate.
 */
export interface ApprovalGate {
  approveRead(request: ApprovalRequest): Promise<void>;
}
