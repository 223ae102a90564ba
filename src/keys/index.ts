// Key hierarchy: master key sources, per-purpose key-encryption keys, field encryption.

export type { FieldLocation, KeyPurpose } from "./keyring.js";
export { KeyRing } from "./keyring.js";
export type { MasterKeySource } from "./master-key.js";
export { createMasterKeyFile, loadMasterKey, MASTER_KEY_BYTES, MasterKey } from "./master-key.js";
