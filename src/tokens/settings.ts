// Token settings in the units the module uses (milliseconds, bytes), from the validated config, and
// the dependencies every use case receives. Tests build settings directly.
import type { AuditRecorder } from "../audit/index.js";
import type { Config } from "../config/index.js";
import type { Clock, Logger } from "../kernel/index.js";
import type { KeyRing } from "../keys/index.js";
import type { TokenBroadcast, TokenPolicy, TokenStore, TokenUsers } from "./ports.js";
import type { TokenAlgorithm } from "./types.js";

export interface TokenSettings {
  algorithm: TokenAlgorithm;
  encrypt: boolean;
  defaultTtlMs: number;
  maxTtlMs: number;
  issuer: string;
  audience: string;
  /** Automatic signing-key rotation period; 0: only by hand. */
  rotationMs: number;
  /** Clock skew tolerated on exp / nbf (RFC 7519 §4.1.4 "leeway"). */
  skewSeconds: number;
  /** Larger bearer values are refused before any parsing. */
  maxTokenBytes: number;
  /** Verified-token cache entries (bounded: the oldest is dropped first). */
  cacheEntries: number;
  /** A cached token's record is read again after this long (a missed revocation message heals). */
  recheckMs: number;
  /** A superseded key is kept at least this long, for tokens another instance signed as it rotated. */
  retireGraceMs: number;
  /** Permission patterns per role: an un-narrowed token's scope. */
  rolePermissions: Readonly<Record<string, readonly string[]>>;
}

export const TOKEN_SKEW_SECONDS = 30;
export const MAX_TOKEN_BYTES = 8 * 1024;

export function tokenSettingsFromConfig(config: Config): TokenSettings {
  const t = config.tokens;
  return {
    algorithm: t.algorithm,
    encrypt: t.encrypt,
    defaultTtlMs: Math.min(t.default_ttl, t.max_ttl) * 1000,
    maxTtlMs: t.max_ttl * 1000,
    issuer: t.issuer,
    audience: t.audience,
    rotationMs: t.rotation_days * 86_400_000,
    skewSeconds: TOKEN_SKEW_SECONDS,
    maxTokenBytes: MAX_TOKEN_BYTES,
    cacheEntries: 10_000,
    recheckMs: 30_000,
    retireGraceMs: 5 * 60_000,
    rolePermissions: Object.fromEntries(
      Object.entries(config.roles).map(([name, role]) => [name, [...role.permissions]]),
    ),
  };
}

export interface TokenDeps {
  store: TokenStore;
  users: TokenUsers;
  policy: TokenPolicy;
  keys: KeyRing;
  broadcast: TokenBroadcast;
  audit: AuditRecorder;
  clock: Clock;
  settings: TokenSettings;
  logger?: Logger | undefined;
}
