// Bearer-token verification that cannot be talked around. Every step is a single check with a
// precise reason; every failure leaves as the same 401 ERR_AUTH_INVALID_TOKEN.
//
//  size limit (before any parsing) → charset → cache (SHA-256 of the token) → JWE layer when
//  encryption is on (alg dir, enc A256GCM, kid from our set) → JWS header: only alg/typ/kid,
//  `crit` refused, typ at+jwt (RFC 9068 §2.1), kid from Rampart's own set (jku, x5u, jwk, x5c are
//  refused, never fetched), the key's one pinned algorithm (never none, never HMAC, never the
//  token's choice) → jose verification with iss, aud, typ, exp and nbf ±30 s → claim shapes →
//  record (jti known, not revoked, same subject and key) → IP binding → user still active.
import { compactDecrypt, errors as joseErrors, jwtVerify } from "jose";
import { sha256Hex } from "../crypto/index.js";
import { rememberRevoked, type TokenContext } from "./context.js";
import { InvalidTokenError } from "./errors.js";
import { parseIpBinding } from "./ip-binding.js";
import { isWellFormedKid, type LoadedKey } from "./key-set.js";
import type { AccessTokenClaims, TokenPrincipal, TokenRejection } from "./types.js";

const TOKEN_CHARS = /^[A-Za-z0-9_\-.]+$/;
const JWS_HEADER = new Set(["alg", "typ", "kid"]);
const JWE_HEADER = new Set(["alg", "enc", "kid", "cty", "typ"]);
const KEY_RELOAD_MS = 2_000;

/** Facts known to be genuine (past the signature), for the security event. */
export interface VerifiedFacts {
  jti?: string;
  sub?: string;
  kid?: string;
}

export class RejectedToken extends InvalidTokenError {
  readonly facts: VerifiedFacts;
  constructor(reason: TokenRejection, facts: VerifiedFacts = {}) {
    super(reason);
    this.facts = facts;
  }
}

const reject = (reason: TokenRejection, facts?: VerifiedFacts): never => {
  throw new RejectedToken(reason, facts);
};

function decodeHeader(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    return reject("malformed");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return reject("malformed");
  return value as Record<string, unknown>;
}

function checkHeaderMembers(header: Record<string, unknown>, allowed: ReadonlySet<string>): void {
  if (Object.hasOwn(header, "crit")) reject("crit_not_understood");
  for (const k of Object.keys(header)) if (!allowed.has(k)) reject("forbidden_header");
}

async function keyFor(ctx: TokenContext, kid: unknown): Promise<LoadedKey> {
  if (!isWellFormedKid(kid)) return reject("unknown_kid");
  let key = ctx.keySet.get(kid);
  const now = ctx.clock.now();
  if (!key && now - ctx.lastKeyReload.at >= KEY_RELOAD_MS) {
    ctx.lastKeyReload.at = now;
    await ctx.keySet.load();
    key = ctx.keySet.get(kid);
  }
  if (!key) return reject("unknown_kid");
  if (key.status === "retired") return reject("retired_key", { kid });
  return key;
}

async function decryptLayer(ctx: TokenContext, token: string, parts: string[]): Promise<string> {
  const header = decodeHeader(parts[0] as string);
  checkHeaderMembers(header, JWE_HEADER);
  if (header["alg"] !== "dir" || header["enc"] !== "A256GCM") reject("alg_not_allowed");
  const key = await keyFor(ctx, header["kid"]);
  if (!key.jweKey) return reject("retired_key", { kid: key.kid });
  try {
    const { plaintext } = await compactDecrypt(token, key.jweKey, {
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
      maxDecompressedLength: 0,
    });
    return new TextDecoder("utf-8", { fatal: true }).decode(plaintext);
  } catch {
    return reject("decryption_failed");
  }
}

function joseReason(e: unknown): TokenRejection {
  if (e instanceof joseErrors.JWTExpired) return "expired";
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case "nbf":
        return "not_yet_valid";
      case "iss":
        return "wrong_issuer";
      case "aud":
        return "wrong_audience";
      case "typ":
        return "wrong_typ";
      default:
        return "invalid_claims";
    }
  }
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return "bad_signature";
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return "alg_not_allowed";
  return "malformed";
}

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length <= 256 && v.every((x) => typeof x === "string");

function claimsOf(ctx: TokenContext, p: Record<string, unknown>, kid: string): AccessTokenClaims {
  const { sub, jti, sid, roles, scope, iat, nbf, exp, ip } = p;
  if (
    typeof sub !== "string" ||
    typeof jti !== "string" ||
    typeof sid !== "string" ||
    !isStringArray(roles) ||
    typeof scope !== "string" ||
    typeof iat !== "number" ||
    typeof nbf !== "number" ||
    typeof exp !== "number" ||
    (ip !== undefined && typeof ip !== "string")
  )
    return reject("invalid_claims", { kid });
  const facts = { jti, sub, kid };
  const skew = ctx.settings.skewSeconds;
  if (iat * 1000 > ctx.clock.now() + skew * 1000) reject("invalid_claims", facts);
  if (exp - iat > ctx.settings.maxTtlMs / 1000 + skew) reject("lifetime_too_long", facts);
  const claims: AccessTokenClaims = {
    iss: String(p["iss"]),
    aud: String(p["aud"]),
    sub,
    roles,
    scope,
    iat,
    nbf,
    exp,
    jti,
    sid,
  };
  if (ip !== undefined) claims.ip = ip;
  return claims;
}

async function verifySignedToken(
  ctx: TokenContext,
  jws: string,
): Promise<{ claims: AccessTokenClaims; kid: string }> {
  const parts = jws.split(".");
  if (parts.length !== 3 || !TOKEN_CHARS.test(jws)) reject("malformed");
  const header = decodeHeader(parts[0] as string);
  checkHeaderMembers(header, JWS_HEADER);
  const typ = header["typ"];
  if (typeof typ !== "string" || !/^(application\/)?at\+jwt$/i.test(typ)) reject("wrong_typ");
  const key = await keyFor(ctx, header["kid"]);
  if (header["alg"] !== key.alg) reject("alg_not_allowed", { kid: key.kid });
  let payload: Record<string, unknown>;
  try {
    const r = await jwtVerify(jws, key.publicKey, {
      algorithms: [key.alg],
      issuer: ctx.settings.issuer,
      audience: ctx.settings.audience,
      typ: "at+jwt",
      clockTolerance: ctx.settings.skewSeconds,
      currentDate: new Date(ctx.clock.now()),
      requiredClaims: ["sub", "jti", "iat", "nbf", "exp"],
    });
    payload = r.payload as Record<string, unknown>;
  } catch (e) {
    return reject(joseReason(e), { kid: key.kid });
  }
  return { claims: claimsOf(ctx, payload, key.kid), kid: key.kid };
}

/** Record checks: jti known to this Rampart, not revoked, issued to this subject with this key. */
async function checkRecord(ctx: TokenContext, claims: AccessTokenClaims, kid: string): Promise<void> {
  const facts = { jti: claims.jti, sub: claims.sub, kid };
  const record = await ctx.store.findToken(claims.jti);
  if (!record) return reject("unknown_jti", facts);
  if (record.userId !== claims.sub || record.kid !== kid) reject("token_mismatch", facts);
  if (record.revokedAt !== null) {
    rememberRevoked(ctx, claims.jti, record.expiresAt + ctx.settings.skewSeconds * 1000);
    reject("revoked", facts);
  }
}

/** Verifies a bearer token; throws RejectedToken (401 ERR_AUTH_INVALID_TOKEN) with the reason. */
export async function verifyAccessToken(
  ctx: TokenContext,
  token: string,
  ip: string | null | undefined,
): Promise<TokenPrincipal> {
  if (token.length > ctx.settings.maxTokenBytes) reject("too_large");
  if (token.length === 0 || !TOKEN_CHARS.test(token)) reject("malformed");
  const now = ctx.clock.now();
  const hash = sha256Hex(token);
  let entry = ctx.cache.get(hash, now);
  if (!entry) {
    const parts = token.split(".");
    let jws = token;
    if (parts.length === 5) {
      if (!ctx.settings.encrypt) reject("unexpected_encryption");
      jws = await decryptLayer(ctx, token, parts);
    } else if (parts.length === 3) {
      if (ctx.settings.encrypt) reject("encryption_required");
    } else reject("malformed");
    const verified = await verifySignedToken(ctx, jws);
    await checkRecord(ctx, verified.claims, verified.kid);
    entry = {
      claims: verified.claims,
      kid: verified.kid,
      validUntil: (verified.claims.exp + ctx.settings.skewSeconds) * 1000,
      checkedAt: now,
    };
    ctx.cache.set(hash, entry);
  }
  const { claims, kid } = entry;
  const facts = { jti: claims.jti, sub: claims.sub, kid };
  if (ctx.revoked.has(claims.jti)) reject("revoked", facts);
  if (now - entry.checkedAt > ctx.settings.recheckMs) {
    await checkRecord(ctx, claims, kid).catch((e: unknown) => {
      ctx.cache.dropJti(claims.jti);
      throw e;
    });
    entry.checkedAt = now;
  }
  if (claims.ip !== undefined) {
    const binding = parseIpBinding(claims.ip);
    if (!binding || !ip || !binding.contains(ip)) reject("ip_not_allowed", facts);
  }
  let user: Awaited<ReturnType<TokenContext["users"]["getUserById"]>>;
  try {
    user = await ctx.users.getUserById(claims.sub);
  } catch {
    return reject("unknown_user", facts);
  }
  if (user.status === "disabled") reject("user_disabled", facts);
  const held = new Set(user.roles);
  const principal: TokenPrincipal = {
    kind: "user",
    id: user.id,
    name: user.username,
    roles: claims.roles.filter((r) => held.has(r)),
    via: "token",
    sessionId: claims.sid,
    scope: claims.scope.split(" ").filter((s) => s.length > 0),
    tokenId: claims.jti,
    expiresAt: claims.exp * 1000,
  };
  return principal;
}
