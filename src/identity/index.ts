// Identity: users, argon2id passwords, TOTP + recovery codes, sessions, lockout. The gateway and
// the CLI use the IdentityService; the store implements the ports.

export type { InvalidationBus } from "./cached-store.js";
export { CachedIdentityStore } from "./cached-store.js";
export type { CreatedUser, CreateUserInput } from "./create-user.js";
export type { ConfirmedEnrollment } from "./enroll-totp.js";
export { passwordChangeRequired } from "./errors.js";
export { checkPasswordPolicy, generatePassword, PASSWORD_MAX, PASSWORD_MIN } from "./password-policy.js";
export type { SetPasswordOptions } from "./passwords.js";
export type {
  EphemeralState,
  IdentityStore,
  TotpFactor,
  TotpStatus,
  UserListing,
  UserPatch,
} from "./ports.js";
export type { IdentityService } from "./service.js";
export { createIdentityService } from "./service.js";
export type { CredentialChange, IdentityDeps, IdentitySettings } from "./settings.js";
export { hasherOptionsFromConfig, identitySettingsFromConfig } from "./settings.js";
export { base32Decode, base32Encode, otpauthUri, totpCodeAt, totpStep } from "./totp.js";
export type {
  Actor,
  IssuedSession,
  LoginResult,
  Principal,
  RequestContext,
  Session,
  SessionView,
  TotpEnrollment,
  TotpEnrollmentForTerminal,
  User,
  UserStatus,
  UserSummary,
} from "./types.js";
export { foldUsername, normalizeUsername } from "./username.js";
export { TOUCH_INTERVAL_MS } from "./validate-session.js";
