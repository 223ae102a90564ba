// API tokens: JWT access tokens (RFC 9068) signed with Ed25519 or RS256, optionally encrypted
// (JWE dir + A256GCM), validated without negotiation, revocable at once across instances; signing
// keys wrapped by the KeyRing, rotated and retired, published as a JWKS.

export { InvalidTokenError } from "./errors.js";
export type { Jwks } from "./key-set.js";
export type {
  StoredSigningKey,
  TokenBroadcast,
  TokenPolicy,
  TokenStore,
  TokenUser,
  TokenUsers,
} from "./ports.js";
export type { TokenService } from "./service.js";
export { createTokenService } from "./service.js";
export type { TokenDeps, TokenSettings } from "./settings.js";
export { MAX_TOKEN_BYTES, TOKEN_SKEW_SECONDS, tokenSettingsFromConfig } from "./settings.js";
export type {
  AccessTokenClaims,
  IssuedToken,
  IssueTokenInput,
  SigningKeyInfo,
  TokenAlgorithm,
  TokenPrincipal,
  TokenRecord,
  TokenRejection,
  TokenView,
} from "./types.js";
