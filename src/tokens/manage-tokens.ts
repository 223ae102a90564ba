// Listing and revoking tokens. A revocation is written to the database (the truth), remembered
// locally, dropped from the verified cache and broadcast so every other instance refuses the token
// at once; an instance that misses the message re-reads the record within tokens' recheck period.
import type { Actor } from "../identity/index.js";
import type { UserId } from "../kernel/index.js";
import { broadcast, rememberRevoked, type TokenContext } from "./context.js";
import { tokenNotFound } from "./errors.js";
import { emit } from "./events.js";
import type { TokenRecord, TokenView } from "./types.js";

function view(r: TokenRecord, now: number): TokenView {
  return {
    jti: r.jti,
    userId: r.userId,
    kid: r.kid,
    roles: r.roles,
    scope: r.scope,
    ipBinding: r.ipBinding,
    description: r.description,
    issuedAt: r.issuedAt,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
    status: r.revokedAt !== null ? "revoked" : r.expiresAt <= now ? "expired" : "active",
  };
}

export async function listTokens(
  ctx: TokenContext,
  filter: { userId?: string | undefined; includeInactive?: boolean } = {},
): Promise<TokenView[]> {
  const now = ctx.clock.now();
  const rows = await ctx.store.listTokens({
    ...(filter.userId !== undefined ? { userId: filter.userId as UserId } : {}),
    includeInactive: filter.includeInactive ?? false,
    now,
  });
  return rows.map((r) => view(r, now)).sort((a, b) => b.issuedAt - a.issuedAt);
}

/**
 * Revokes one token. With `ownerId`, only that user's own token (anything else is "not found", so
 * the answer says nothing about other users' tokens).
 */
export async function revokeToken(
  ctx: TokenContext,
  jti: string,
  actor: Actor,
  opts: { ownerId?: string | undefined; reason?: string } = {},
): Promise<TokenView> {
  const record = jti.length <= 64 ? await ctx.store.findToken(jti) : null;
  if (!record || (opts.ownerId !== undefined && record.userId !== opts.ownerId)) throw tokenNotFound();
  const now = ctx.clock.now();
  const reason = opts.reason ?? "revoked";
  const changed = await ctx.store.revokeToken(jti, reason, now);
  const forgetAfter = record.expiresAt + ctx.settings.skewSeconds * 1000;
  rememberRevoked(ctx, jti, forgetAfter);
  await broadcast(ctx, { t: "revoke", jti, exp: forgetAfter });
  if (changed)
    await emit(ctx, {
      action: "token.revoked",
      outcome: "success",
      userId: record.userId,
      sessionId: record.sid,
      actor,
      details: { jti, reason },
    });
  return view({ ...record, revokedAt: record.revokedAt ?? now }, now);
}

/**
 * Revokes every live token of a user: identity calls this when it disables a user or changes
 * their roles (verification also refuses a disabled user's tokens on its own).
 */
export async function revokeUserTokens(
  ctx: TokenContext,
  userId: string,
  reason: string,
  actor: Actor,
): Promise<number> {
  const now = ctx.clock.now();
  const jtis = await ctx.store.revokeUserTokens(userId as UserId, reason, now);
  const forgetAfter = now + ctx.settings.maxTtlMs + ctx.settings.skewSeconds * 1000;
  for (const j of jtis) rememberRevoked(ctx, j, forgetAfter);
  ctx.cache.dropUser(userId);
  await broadcast(ctx, { t: "revoke_user", user: userId, jtis, exp: forgetAfter });
  await emit(ctx, {
    action: "token.user_tokens_revoked",
    outcome: "success",
    userId,
    actor,
    details: { reason, tokens_revoked: jtis.length },
  });
  return jtis.length;
}
