// PKI settings from the validated config, and the dependencies every PKI use case receives.
import type { AuditRecorder } from "../audit/index.js";
import type { Config } from "../config/index.js";
import type { Clock } from "../kernel/index.js";
import type { KeyRing } from "../keys/index.js";
import type { PkiStore } from "./ports.js";

export interface PkiSettings {
  certDefaultTtlMs: number;
  certMaxTtlMs: number;
  /** Configured RBAC role names: a service account's roles must be among them. */
  roles: readonly string[];
  /** CA lifetime when `ensureCa` creates it. */
  caTtlMs: number;
}

export function pkiSettingsFromConfig(config: Config): PkiSettings {
  return {
    certDefaultTtlMs: Math.min(config.pki.cert_default_ttl, config.pki.cert_max_ttl) * 1000,
    certMaxTtlMs: config.pki.cert_max_ttl * 1000,
    roles: Object.keys(config.roles),
    caTtlMs: 10 * 365 * 86_400_000,
  };
}

export interface PkiDeps {
  store: PkiStore;
  keys: KeyRing;
  audit: AuditRecorder;
  clock: Clock;
  settings: PkiSettings;
  /**
   * Segregation-of-duties hook (access control): throws when this set of roles may not be held
   * together. Called for every service account's roles before they are stored; the shape of
   * access's `checkRoleAssignment(rules)` result, so it can be passed as is.
   */
  checkRoles?: ((roles: readonly string[], subject: { kind: "service"; name: string }) => void) | undefined;
}
