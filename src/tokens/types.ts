// The token vocabulary: what an issued token carries, what its record keeps, and the principal a
// verified token yields (shaped like the gateway's Principal, so the gateway can use it as is).
import type { UserId } from "../kernel/index.js";

export type TokenAlgorithm = "EdDSA" | "RS256";

/** RFC 9068 access-token claims as Rampart issues them. */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  roles: string[];
  /** Space-separated actions or patterns (RFC 8693 §4.2 style). */
  scope: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  sid: string;
  /** Optional client address binding: a CIDR (or a single address). */
  ip?: string;
}

/** What the token store keeps about an issued token: never the token itself. */
export interface TokenRecord {
  jti: string;
  userId: UserId;
  kid: string;
  sid: string;
  roles: readonly string[];
  scope: readonly string[];
  ipBinding: string | null;
  description: string | null;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  revokedReason: string | null;
}

/** A token record as listings show it. */
export interface TokenView {
  jti: string;
  userId: string;
  kid: string;
  roles: readonly string[];
  scope: readonly string[];
  ipBinding: string | null;
  description: string | null;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  status: "active" | "expired" | "revoked";
}

export interface IssueTokenInput {
  /** The user the token acts for (its `sub`). */
  userId: string;
  /** Lifetime in seconds (default tokens.default_ttl, at most tokens.max_ttl). */
  ttlSeconds?: number | undefined;
  /** Narrowed actions; each must be allowed by the user's roles. Absent: the roles' permissions. */
  scope?: readonly string[] | undefined;
  /** Bind the token to a client address or CIDR. */
  bindIp?: string | undefined;
  description?: string | undefined;
}

export interface IssuedToken {
  /** The bearer token: shown once, never stored or logged. */
  token: string;
  jti: string;
  kid: string;
  expiresAt: number;
  scope: readonly string[];
  encrypted: boolean;
}

/** The authenticated caller of a request that carried a valid bearer token. */
export interface TokenPrincipal {
  kind: "user";
  id: string;
  name: string;
  /** The token's roles that the user still holds (a role removed since issue no longer counts). */
  roles: readonly string[];
  via: "token";
  /** The token's `sid`. */
  sessionId: string;
  /** Present when the token was narrowed: the request's action must also match one of these. */
  scope?: readonly string[];
  tokenId: string;
  expiresAt: number;
}

/** The precise reason a token was refused: recorded in the security event, never sent to a client. */
export type TokenRejection =
  | "malformed"
  | "too_large"
  | "unexpected_encryption"
  | "encryption_required"
  | "decryption_failed"
  | "forbidden_header"
  | "crit_not_understood"
  | "wrong_typ"
  | "unknown_kid"
  | "retired_key"
  | "alg_not_allowed"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "wrong_issuer"
  | "wrong_audience"
  | "invalid_claims"
  | "lifetime_too_long"
  | "unknown_jti"
  | "token_mismatch"
  | "revoked"
  | "ip_not_allowed"
  | "unknown_user"
  | "user_disabled";

/** One signing key as the token service holds it in memory. */
export interface SigningKeyInfo {
  kid: string;
  version: number;
  alg: TokenAlgorithm;
  status: "current" | "previous" | "retired";
  createdAt: number;
  supersededAt: number | null;
  retiredAt: number | null;
}
