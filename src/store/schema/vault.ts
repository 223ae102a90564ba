// Table types of the key hierarchy and the vault (migrations 0006_vault, 0013_vault_version_approval).
import type { FlagWithDefault, Millis } from "../schema.js";

export interface KeyVersionTable {
  purpose: string;
  version: number;
  wrapped_key: string;
  created_at: Millis;
  usage_reserved: number;
}

export interface KeyMasterTable {
  id: string;
  check_value: string;
  updated_at: Millis;
}

export interface VaultSecretTable {
  path: string;
  current_version: number;
  approval_required: FlagWithDefault;
  created_at: Millis;
  updated_at: Millis;
  deleted_at: Millis | null;
}

export interface VaultSecretVersionTable {
  path: string;
  version: number;
  created_at: Millis;
  created_by: string;
  destroyed_at: Millis | null;
  /** Reading this version needs a four-eyes approval (set at write time, never cleared; 0013). */
  approval_required: FlagWithDefault;
}

export interface VaultValueTable {
  path: string;
  version: number;
  field: string;
  ciphertext: string;
  key_version: number;
}

export interface VaultTables {
  key_versions: KeyVersionTable;
  key_master: KeyMasterTable;
  vault_secrets: VaultSecretTable;
  vault_secret_versions: VaultSecretVersionTable;
  vault_values: VaultValueTable;
}
