// Storage ports of the key hierarchy: key versions with their wrapped data keys, the master-key
// check value, and the stored ciphertexts that rewrap and master-key rotation walk. The Kysely
// implementation is src/store/repos/keys.ts.
import type { FieldLocation, KeyPurpose } from "./keyring.js";

export interface StoredKeyVersion {
  purpose: KeyPurpose;
  version: number;
  /** The data key wrapped under KEK(purpose, version) (ciphertext.ts wrapDataKey). */
  wrappedKey: string;
  createdAt: number;
  /** Encryptions reserved so far under this data key (blocks are reserved before use). */
  usageReserved: number;
}

/** One stored ciphertext: an opaque row reference, its text and the location its AAD names. */
export interface StoredCiphertext {
  ref: string;
  ciphertext: string;
  where: FieldLocation;
}

export interface CiphertextReplacement {
  ref: string;
  /** The ciphertext read; the row is updated only if it still holds exactly this (compare-and-set). */
  old: string;
  next: string;
}

/**
 * A column holding ciphertexts of one purpose (vault values, TOTP secrets, the ledger key, …).
 * `format` says whether its values are KEK-direct rk1 (KeyRing) or data-key rk2 (KeyService).
 */
export interface CiphertextSource {
  readonly name: string;
  readonly purpose: KeyPurpose;
  readonly format: "rk1" | "rk2";
  /**
   * Up to `limit` ciphertexts in a stable order after `after` (a ref returned earlier, or null).
   * With `belowVersion`, sources that index the key version return only older ones (others return
   * every row and the caller filters).
   */
  page(after: string | null, limit: number, belowVersion?: number): Promise<StoredCiphertext[]>;
  /** Applies the replacements in one transaction; returns how many rows still matched and changed. */
  replace(batch: readonly CiphertextReplacement[]): Promise<number>;
  /** Number of ciphertexts per key version. */
  countByVersion(): Promise<Map<number, number>>;
}

/** Everything a master-key rotation changes, applied in one transaction. */
export interface MasterRotation {
  expectCheck: string;
  newCheck: string;
  keyVersions: ReadonlyArray<{ purpose: KeyPurpose; version: number; wrappedKey: string }>;
  ciphertexts: ReadonlyArray<{ source: string; replacement: CiphertextReplacement }>;
}

export interface KeyStore {
  listKeyVersions(purpose?: KeyPurpose): Promise<StoredKeyVersion[]>;
  readKeyVersion(purpose: KeyPurpose, version: number): Promise<StoredKeyVersion | null>;
  /** The highest version of a purpose, or null when it has none yet. */
  currentKeyVersion(purpose: KeyPurpose): Promise<StoredKeyVersion | null>;
  /** Inserts a new version; false when that (purpose, version) exists already (a concurrent rotation). */
  insertKeyVersion(v: StoredKeyVersion): Promise<boolean>;
  /**
   * Atomically reserves `count` more encryptions under a data key unless that would pass `limit`:
   * returns the new reserved total, or null when the key is used up (rotate).
   */
  reserveUsage(purpose: KeyPurpose, version: number, count: number, limit: number): Promise<number | null>;
  readMasterCheck(): Promise<string | null>;
  /** Records the check value when none is recorded yet; returns the recorded value. */
  initMasterCheck(check: string): Promise<string>;
  /** Applies a master-key rotation atomically; false when the recorded check is not `expectCheck`. */
  rotateMaster(change: MasterRotation): Promise<boolean>;
  /** Every column of ciphertexts the key hierarchy knows. */
  ciphertextSources(): readonly CiphertextSource[];
}
