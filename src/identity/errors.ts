// The identity module's errors. Authentication failures have one public code each and never say
// which check failed (unknown user, wrong password, locked and disabled all look alike); the reason
// goes to the audit event only. No message or detail ever carries a password, code, secret or token.
import { RampartError } from "../kernel/index.js";

/** One answer for unknown user, wrong password, locked and disabled accounts. */
export function invalidCredentials(): RampartError {
  return new RampartError("ERR_AUTH_INVALID_CREDENTIALS", "invalid username or password", { status: 401 });
}

export function rateLimited(retryAfterSeconds: number): RampartError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
  return new RampartError("ERR_AUTH_RATE_LIMITED", "too many failed attempts; try again later", {
    status: 429,
    expose: { retryAfter },
  });
}

/** Unknown, expired, already used or wrong-kind login challenge. */
export function challengeInvalid(): RampartError {
  return new RampartError("ERR_AUTH_CHALLENGE_INVALID", "the login challenge is invalid or has expired", {
    status: 401,
  });
}

export function mfaInvalid(): RampartError {
  return new RampartError("ERR_AUTH_MFA_INVALID", "invalid authentication code", { status: 401 });
}

/** Unknown, expired, idle-expired or revoked session: one answer for all. */
export function sessionInvalid(): RampartError {
  return new RampartError("ERR_AUTH_SESSION_INVALID", "the session is invalid or has expired", {
    status: 401,
  });
}

/** For the gateway: a session whose user must change a one-time password may do nothing else. */
export function passwordChangeRequired(): RampartError {
  return new RampartError("ERR_AUTH_PASSWORD_CHANGE_REQUIRED", "the password must be changed first", {
    status: 403,
  });
}

export function userExists(): RampartError {
  return new RampartError("ERR_IDENTITY_USER_EXISTS", "a user with that name already exists", {
    status: 409,
  });
}

export function userNotFound(): RampartError {
  return new RampartError("ERR_IDENTITY_USER_NOT_FOUND", "no such user", { status: 404 });
}

export function usernameInvalid(why: string): RampartError {
  return new RampartError("ERR_IDENTITY_USERNAME_INVALID", `invalid username: ${why}`, { status: 400 });
}

export function roleUnknown(role: string): RampartError {
  return new RampartError("ERR_IDENTITY_ROLE_UNKNOWN", `unknown role: ${JSON.stringify(role)}`, {
    status: 400,
  });
}

/** `why` names the rule broken, never the password. */
export function passwordPolicy(why: string): RampartError {
  return new RampartError("ERR_IDENTITY_PASSWORD_POLICY", `password rejected: ${why}`, { status: 400 });
}

export function mfaAlreadyEnrolled(): RampartError {
  return new RampartError("ERR_IDENTITY_MFA_ENROLLED", "a second factor is already active for this user", {
    status: 409,
  });
}

export function mfaNotEnrolled(): RampartError {
  return new RampartError("ERR_IDENTITY_MFA_NOT_ENROLLED", "no active second factor for this user", {
    status: 409,
  });
}

export function mfaNotPending(): RampartError {
  return new RampartError("ERR_IDENTITY_MFA_NOT_PENDING", "no enrolment in progress: begin one first", {
    status: 409,
  });
}

/** The pending secret the code was checked against was replaced (a new enrolment begun) before activation. */
export function mfaEnrollmentChanged(): RampartError {
  return new RampartError(
    "ERR_IDENTITY_MFA_ENROLLMENT_CHANGED",
    "the enrolment was begun again while this code was checked: nothing was activated; log in and enrol again",
    { status: 409 },
  );
}

export function sessionNotFound(): RampartError {
  return new RampartError("ERR_IDENTITY_SESSION_NOT_FOUND", "no such session", { status: 404 });
}

/** The operation needs a second factor proved recently in this session: call step-up first. */
export function stepUpRequired(): RampartError {
  return new RampartError("ERR_AUTH_STEP_UP_REQUIRED", "confirm with an authentication code first", {
    status: 403,
  });
}
