// Identity settings in the units the domain uses (milliseconds), derived from the validated config,
// and the dependencies every use case receives. Tests build settings directly (and a cheap hasher);
// production builds them from Config, whose schema enforces the OWASP argon2id minimum.
import type { AuditRecorder } from "../audit/index.js";
import type { Config } from "../config/index.js";
import type { PasswordHasher, PasswordHasherOptions } from "../crypto/index.js";
import type { Clock } from "../kernel/index.js";
import type { KeyRing } from "../keys/index.js";
import type { EphemeralState, IdentityStore } from "./ports.js";
import type { Actor } from "./types.js";

export interface IdentitySettings {
  /** Absolute session lifetime per role, in seconds (config roles.*.session_timeout). */
  roleSessionTimeouts: Readonly<Record<string, number>>;
  idleTimeoutMs: number;
  lockout: { threshold: number; baseMs: number; maxMs: number };
  ipFailures: { max: number; windowMs: number };
  challengeTtlMs: number;
  recoveryCodeCount: number;
  /** Wrong codes tolerated on one challenge before it is dropped (each also counts as a failure). */
  codeAttemptsPerChallenge: number;
  /** Issuer shown by authenticator apps. */
  issuer: string;
}

export function identitySettingsFromConfig(config: Config): IdentitySettings {
  const i = config.identity;
  return {
    roleSessionTimeouts: Object.fromEntries(
      Object.entries(config.roles).map(([name, role]) => [name, role.session_timeout]),
    ),
    idleTimeoutMs: i.idle_timeout * 1000,
    lockout: { threshold: i.lockout.threshold, baseMs: i.lockout.base * 1000, maxMs: i.lockout.max * 1000 },
    ipFailures: { max: i.ip_failures.max, windowMs: i.ip_failures.window * 1000 },
    challengeTtlMs: i.challenge_ttl * 1000,
    recoveryCodeCount: i.recovery_codes,
    codeAttemptsPerChallenge: 3,
    issuer: "Rampart",
  };
}

export function hasherOptionsFromConfig(config: Config): PasswordHasherOptions {
  const i = config.identity;
  return {
    params: {
      memoryKiB: i.argon2.memory_kib,
      iterations: i.argon2.iterations,
      parallelism: i.argon2.parallelism,
    },
    concurrency: i.hasher.concurrency,
    queueLimit: i.hasher.queue_limit,
  };
}

/** What the composition root passes in; every use case takes it as its first argument. */
export interface IdentityDeps {
  store: IdentityStore;
  ephemeral: EphemeralState;
  hasher: PasswordHasher;
  keys: KeyRing;
  audit: AuditRecorder;
  clock: Clock;
  settings: IdentitySettings;
  /**
   * Consulted before roles are assigned (user creation, role changes); throws to refuse, e.g. a
   * segregation-of-duties conflict (access's `checkRoleAssignment`). Absent: no extra check.
   */
  roleAssignmentCheck?: (roles: readonly string[], subject: { kind: "user"; name: string }) => void;
  /**
   * Called after a user's credentials changed (password changed or set, second factor reset), after
   * their sessions were revoked: the composition root revokes their API tokens here, so a reset
   * after a suspected compromise ends every way in. Absent: nothing else to revoke.
   */
  onCredentialsChanged?: (userId: string, reason: CredentialChange, actor: Actor) => Promise<void>;
}

export type CredentialChange = "password_changed" | "password_set" | "mfa_reset";
