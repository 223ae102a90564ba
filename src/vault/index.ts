// The vault: versioned secrets encrypted under the key hierarchy, data classification, template
// rendering and the launcher that hands secrets to pysystemtrade processes without plaintext files.

export { refuseApprovals } from "./approval.js";
export type { Classification, ClassificationConfig, LevelAttributes, Retention } from "./classification.js";
export { Classifier, parseRetention } from "./classification.js";
export {
  approvalLocked,
  approvalUnavailable,
  badPath,
  badTemplate,
  fieldNotFound,
  secretNotFound,
  vaultForbidden,
  writeConflict,
} from "./errors.js";
export type { LaunchDeps, LaunchProfile } from "./launch.js";
export { fetchSecrets, launch, PRIVATE_CONFIG_ENV } from "./launch.js";
export {
  createPrivateDir,
  defaultRuntimeBase,
  runtimeParent,
  sweepStaleDirs,
  wipeDir,
  writePrivateFile,
} from "./launch-dir.js";
export {
  parseSecretRef,
  pathMatches,
  readAction,
  validateField,
  validatePath,
  writeAction,
} from "./paths.js";
export type {
  AccessCheck,
  ApprovalGate,
  ApprovalRequest,
  NewSecretVersion,
  SecretRecord,
  SecretVersionRecord,
  StoredValue,
  VaultActor,
  VaultStore,
} from "./ports.js";
export type { SecretListing, SecretMetadata, SecretValue, VaultServiceDeps } from "./service.js";
export { MAX_VALUE_BYTES, VaultService, valueLocation } from "./service.js";
export type { SecretReference } from "./template.js";
export { parseTemplate, renderTemplate, templateReferences } from "./template.js";
