// The token service's shared state: its dependencies, the signing-key set, the verified-token
// cache and the local revoked-jti set (fed by this instance and by broadcasts from the others).
import type { SigningKeySet } from "./key-set.js";
import type { TokenDeps } from "./settings.js";
import type { VerifiedTokenCache } from "./verified-cache.js";

export const TOKEN_CHANNEL = "tokens:events";

/** Messages on TOKEN_CHANNEL. */
export type TokenBroadcastMessage =
  | { t: "revoke"; jti: string; exp: number }
  | { t: "revoke_user"; user: string; jtis: string[]; exp: number }
  | { t: "keys" };

export interface TokenContext extends TokenDeps {
  keySet: SigningKeySet;
  cache: VerifiedTokenCache;
  /** jti → when it may be forgotten (its token's expiry + skew). */
  revoked: Map<string, number>;
  /** Unknown kids reload the key set at most this often (another instance may have rotated). */
  lastKeyReload: { at: number };
}

const REVOKED_PRUNE_AT = 50_000;

export function rememberRevoked(ctx: TokenContext, jti: string, forgetAfter: number): void {
  ctx.revoked.set(jti, forgetAfter);
  ctx.cache.dropJti(jti);
  if (ctx.revoked.size > REVOKED_PRUNE_AT) {
    const now = ctx.clock.now();
    for (const [k, until] of ctx.revoked) if (until < now) ctx.revoked.delete(k);
  }
}

export function applyBroadcast(ctx: TokenContext, raw: string): void {
  let m: TokenBroadcastMessage;
  try {
    m = JSON.parse(raw) as TokenBroadcastMessage;
  } catch {
    return;
  }
  if (m.t === "revoke" && typeof m.jti === "string") rememberRevoked(ctx, m.jti, Number(m.exp) || 0);
  else if (m.t === "revoke_user" && typeof m.user === "string" && Array.isArray(m.jtis)) {
    for (const j of m.jtis) if (typeof j === "string") rememberRevoked(ctx, j, Number(m.exp) || 0);
    ctx.cache.dropUser(m.user);
  } else if (m.t === "keys") {
    ctx.cache.clear();
    ctx.keySet.load().catch((e: unknown) => ctx.logger?.warn({ err: e }, "token key reload failed"));
  }
}

export async function broadcast(ctx: TokenContext, m: TokenBroadcastMessage): Promise<void> {
  try {
    await ctx.broadcast.publish(TOKEN_CHANNEL, JSON.stringify(m));
  } catch (e) {
    // The database is the truth: other instances see the revocation on their next record re-read.
    ctx.logger?.warn({ err: e }, "token broadcast failed");
  }
}
