// The identity model: users, sessions, the principal a validated session yields, and the values the
// login flow returns. Storage rows are described by ports.ts; these are the domain's own shapes.
import type { SessionId, UserId } from "../kernel/index.js";

export type UserStatus = "active" | "disabled" | "locked";

export interface User {
  id: UserId;
  /** As given at creation (NFKC), for display. */
  username: string;
  /** NFKC + case folded: the unique key every lookup uses. */
  usernameFolded: string;
  displayName: string;
  roles: readonly string[];
  /** Stored status; `effectiveStatus` turns an expired lock back into active. */
  status: UserStatus;
  passwordHash: string;
  mustChangePassword: boolean;
  /** How many lockouts so far (each doubles the next); reset by a successful login. */
  lockoutCount: number;
  lockedUntil: number | null;
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
}

/** What listings show: never the password hash. */
export interface UserSummary {
  id: UserId;
  username: string;
  displayName: string;
  roles: readonly string[];
  status: UserStatus;
  mustChangePassword: boolean;
  mfaEnrolled: boolean;
  lockedUntil: number | null;
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
}

export interface Session {
  id: SessionId;
  userId: UserId;
  /** SHA-256 (hex) of the bearer token; the token itself is never stored. */
  tokenHash: string;
  /** SHA-256 (hex) of the CSRF token issued with the session. */
  csrfHash: string;
  createdAt: number;
  /** Absolute end: creation + the smallest session_timeout among the user's roles. */
  expiresAt: number;
  /** Idle limit in milliseconds (never longer than the absolute lifetime). */
  idleTimeoutMs: number;
  lastSeenAt: number;
  /** When a second factor was last proved in this session (step-up checks it). */
  mfaAt: number;
  ip: string | null;
  userAgent: string | null;
  revokedAt: number | null;
  revokedReason: string | null;
}

/** Where a request came from; recorded on sessions and in events. */
export interface RequestContext {
  ip?: string | null | undefined;
  userAgent?: string | null | undefined;
  /** Gateway request id, joined to ledger entries. */
  requestId?: string | null | undefined;
}

/** Who performed an administrative change (CLI operator or an administrator's principal). */
export interface Actor {
  userId?: string | null | undefined;
  /** "cli", "api", "system". */
  via: string;
  ip?: string | null | undefined;
  requestId?: string | null | undefined;
}

export type LoginResult =
  | { mfa: "required"; challenge: string; expiresAt: number }
  | { mfa: "enroll"; challenge: string; expiresAt: number };

/** A new session: the token and CSRF token are returned here once and never again. */
export interface IssuedSession {
  sessionId: SessionId;
  token: string;
  csrfToken: string;
  expiresAt: number;
  idleExpiresAt: number;
  mustChangePassword: boolean;
}

/** The authenticated caller of one request. */
export interface Principal {
  userId: UserId;
  username: string;
  displayName: string;
  roles: readonly string[];
  sessionId: SessionId;
  expiresAt: number;
  idleExpiresAt: number;
  mfaAt: number;
  mustChangePassword: boolean;
  /** Constant-time check of a presented X-CSRF-Token against the session's. */
  checkCsrf(token: string | null | undefined): boolean;
}

/** A session as its owner sees it in a listing: never the token or its hash. */
export interface SessionView {
  sessionId: SessionId;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
  mfaAt: number;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

export interface TotpEnrollment {
  /** otpauth://totp/Rampart:NAME?secret=…&issuer=Rampart — contains the secret: show, never log. */
  uri: string;
  /** The same URI as a QR code (SVG document). */
  qrSvg: string;
}

export interface TotpEnrollmentForTerminal extends TotpEnrollment {
  /** The QR code drawn with block characters for a terminal. */
  qrTerminal: string;
  recoveryCodes: string[];
}
