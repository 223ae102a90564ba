// Key hierarchy: master key sources, per-purpose key-encryption keys (HKDF), wrapped random data
// keys with versions, rotation, rewrap and master-key rotation, and field encryption.

export { DATA_KEY_FORMAT, parseRk2, rk2Version } from "./ciphertext.js";
export {
  masterMismatch,
  masterUnchanged,
  rewrapIncomplete,
  rotationConflict,
  unknownPurpose,
} from "./errors.js";
export type { KeyServiceDeps, KeySettings, PurposeStatus } from "./key-service.js";
export { KeyService, MAX_ENCRYPTIONS_PER_KEY } from "./key-service.js";
export type { FieldLocation, KeyPurpose, Rk1Header } from "./keyring.js";
export { isKeyPurpose, KEY_PURPOSES, KeyRing, parseRk1 } from "./keyring.js";
export type { MasterKeySource } from "./master-key.js";
export { createMasterKeyFile, loadMasterKey, MASTER_KEY_BYTES, MasterKey } from "./master-key.js";
export type {
  CiphertextReplacement,
  CiphertextSource,
  KeyStore,
  MasterRotation,
  StoredCiphertext,
  StoredKeyVersion,
} from "./ports.js";
export type { RewrapOptions, RewrapReport } from "./rewrap.js";
export { rewrapPurpose } from "./rewrap.js";
export type { RotateMasterReport } from "./rotate-master.js";
export { rotateMaster } from "./rotate-master.js";
export { keySettingsFromConfig } from "./settings.js";
