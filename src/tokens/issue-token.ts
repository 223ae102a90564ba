// Issuing an access token (RFC 9068 at+jwt): the user must be active, the lifetime within the
// configured maximum, every requested scope action allowed by the user's roles; signed by the
// current key with its pinned algorithm, then (tokens.encrypt) wrapped as JWE dir + A256GCM.
// The record (never the token) is stored and the event recorded before the token is returned.
import { CompactEncrypt, SignJWT } from "jose";
import { isValidAction } from "../access/index.js";
import { uuid } from "../crypto/index.js";
import type { Actor } from "../identity/index.js";
import type { UserId } from "../kernel/index.js";
import type { TokenContext } from "./context.js";
import { bindingInvalid, scopeInvalid, scopeNotAllowed, ttlInvalid, userInactive } from "./errors.js";
import { emit } from "./events.js";
import { parseIpBinding } from "./ip-binding.js";
import { ensureSigningKey } from "./rotation.js";
import type { AccessTokenClaims, IssuedToken, IssueTokenInput } from "./types.js";

export const MIN_TTL_SECONDS = 60;

function resolveScope(ctx: TokenContext, roles: readonly string[], requested: readonly string[] | undefined) {
  if (requested === undefined || requested.length === 0) {
    const all = new Set<string>();
    for (const r of roles) for (const p of ctx.settings.rolePermissions[r] ?? []) all.add(p);
    return [...all].sort();
  }
  const unique = [...new Set(requested)];
  for (const a of unique) {
    if (!isValidAction(a)) throw scopeInvalid(a.slice(0, 64));
    if (!ctx.policy.check(roles, a).allowed) throw scopeNotAllowed(a);
  }
  return unique.sort();
}

export async function issueToken(
  ctx: TokenContext,
  input: IssueTokenInput,
  actor: Actor,
): Promise<IssuedToken> {
  const user = await ctx.users.getUserById(input.userId);
  if (user.status === "disabled") throw userInactive();
  const maxSeconds = Math.floor(ctx.settings.maxTtlMs / 1000);
  const ttl = input.ttlSeconds ?? Math.floor(ctx.settings.defaultTtlMs / 1000);
  if (!Number.isSafeInteger(ttl) || ttl < MIN_TTL_SECONDS || ttl > maxSeconds) throw ttlInvalid(maxSeconds);
  const scope = resolveScope(ctx, user.roles, input.scope);
  let ip: string | undefined;
  if (input.bindIp !== undefined) {
    const b = parseIpBinding(input.bindIp);
    if (!b) throw bindingInvalid();
    ip = b.text;
  }
  const key = await ensureSigningKey(ctx);
  if (!key.privateKey) throw new Error("current signing key has no private half");
  const now = ctx.clock.now();
  const iat = Math.floor(now / 1000);
  const claims: AccessTokenClaims = {
    iss: ctx.settings.issuer,
    aud: ctx.settings.audience,
    sub: user.id,
    roles: [...user.roles],
    scope: scope.join(" "),
    iat,
    nbf: iat,
    exp: iat + ttl,
    jti: uuid(),
    sid: uuid(),
  };
  if (ip !== undefined) claims.ip = ip;
  const jws = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: key.alg, typ: "at+jwt", kid: key.kid })
    .sign(key.privateKey);
  let token = jws;
  if (ctx.settings.encrypt) {
    if (!key.jweKey) throw new Error("current signing key has no JWE key");
    token = await new CompactEncrypt(new TextEncoder().encode(jws))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: key.kid, cty: "JWT" })
      .encrypt(key.jweKey);
  }
  const description = input.description?.slice(0, 200) ?? null;
  await ctx.store.insertToken({
    jti: claims.jti,
    userId: user.id as UserId,
    kid: key.kid,
    sid: claims.sid,
    roles: claims.roles,
    scope,
    ipBinding: ip ?? null,
    description,
    issuedAt: iat * 1000,
    expiresAt: claims.exp * 1000,
    revokedAt: null,
    revokedReason: null,
  });
  await emit(ctx, {
    action: "token.issued",
    outcome: "success",
    userId: user.id,
    sessionId: claims.sid,
    actor,
    details: {
      jti: claims.jti,
      kid: key.kid,
      alg: key.alg,
      encrypted: ctx.settings.encrypt,
      ttl_seconds: ttl,
      scope,
      narrowed: input.scope !== undefined && input.scope.length > 0,
      ip_binding: ip ?? null,
    },
  });
  return {
    token,
    jti: claims.jti,
    kid: key.kid,
    expiresAt: claims.exp * 1000,
    scope,
    encrypted: ctx.settings.encrypt,
  };
}
