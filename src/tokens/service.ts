// The token service as the gateway and the CLI see it. `start()` loads the signing keys (creating
// the first), subscribes to revocation broadcasts and, with `schedule`, runs automatic rotation and
// retirement; `close()` undoes that. authenticateBearer is the gateway's authentication step.
import type { Actor } from "../identity/index.js";
import { applyBroadcast, TOKEN_CHANNEL, type TokenContext } from "./context.js";
import { InvalidTokenError } from "./errors.js";
import { emit } from "./events.js";
import { issueToken } from "./issue-token.js";
import { type Jwks, SigningKeySet } from "./key-set.js";
import { listTokens, revokeToken, revokeUserTokens } from "./manage-tokens.js";
import { ensureSigningKey, retireExpiredKeys, rotateIfDue, rotateSigningKey } from "./rotation.js";
import type { TokenDeps } from "./settings.js";
import type { IssuedToken, IssueTokenInput, SigningKeyInfo, TokenPrincipal, TokenView } from "./types.js";
import { VerifiedTokenCache } from "./verified-cache.js";
import { RejectedToken, verifyAccessToken } from "./verify-token.js";

export interface TokenService {
  /** Loads keys (creating the first) and subscribes to broadcasts; `schedule` runs rotation. */
  start(opts?: { schedule?: boolean; scheduleIntervalMs?: number }): Promise<void>;
  close(): Promise<void>;
  issue(input: IssueTokenInput, actor: Actor): Promise<IssuedToken>;
  /**
   * The gateway's bearer authentication: null when the header is absent or not a Bearer
   * credential; a principal for a valid token; otherwise throws 401 ERR_AUTH_INVALID_TOKEN after
   * recording a security event with the precise reason.
   */
  authenticateBearer(
    authorization: string | undefined | null,
    ip: string | null | undefined,
    requestId?: string | null,
  ): Promise<TokenPrincipal | null>;
  /** Verifies a token (no event): throws InvalidTokenError. */
  verify(token: string, ip: string | null | undefined): Promise<TokenPrincipal>;
  list(filter?: { userId?: string | undefined; includeInactive?: boolean }): Promise<TokenView[]>;
  revoke(
    jti: string,
    actor: Actor,
    opts?: { ownerId?: string | undefined; reason?: string },
  ): Promise<TokenView>;
  /** For identity/admin code: disabling a user or changing their roles revokes their tokens. */
  revokeUserTokens(userId: string, reason: string, actor: Actor): Promise<number>;
  rotateSigningKey(actor: Actor): Promise<SigningKeyInfo>;
  retireExpiredKeys(actor?: Actor): Promise<string[]>;
  signingKeys(): SigningKeyInfo[];
  /** The public keys in use (current and previous), for /.well-known/jwks.json. */
  jwks(): Jwks;
}

const BEARER = /^Bearer +([^\s]+) *$/i;

export function createTokenService(deps: TokenDeps): TokenService {
  const ctx: TokenContext = {
    ...deps,
    keySet: new SigningKeySet(deps.store, deps.keys),
    cache: new VerifiedTokenCache(deps.settings.cacheEntries),
    revoked: new Map(),
    lastKeyReload: { at: Number.NEGATIVE_INFINITY },
  };
  let unsubscribe: (() => Promise<void>) | null = null;
  let timer: NodeJS.Timeout | null = null;

  const tick = async () => {
    try {
      await rotateIfDue(ctx);
      await retireExpiredKeys(ctx);
    } catch (e) {
      ctx.logger?.error({ err: e }, "token key schedule failed");
    }
  };

  return {
    async start(opts = {}) {
      await ctx.keySet.load();
      await ensureSigningKey(ctx);
      unsubscribe ??= await ctx.broadcast.subscribe(TOKEN_CHANNEL, (m) => applyBroadcast(ctx, m));
      if (opts.schedule && !timer) {
        await tick();
        timer = setInterval(() => void tick(), opts.scheduleIntervalMs ?? 3_600_000);
        timer.unref();
      }
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = null;
      const u = unsubscribe;
      unsubscribe = null;
      if (u) await u();
    },
    issue: (input, actor) => issueToken(ctx, input, actor),
    async authenticateBearer(authorization, ip, requestId) {
      if (authorization === undefined || authorization === null) return null;
      if (!/^bearer(\s|$)/i.test(authorization)) return null;
      try {
        const m = BEARER.exec(authorization.length > ctx.settings.maxTokenBytes + 64 ? "" : authorization);
        if (!m)
          throw new RejectedToken(
            authorization.length > ctx.settings.maxTokenBytes ? "too_large" : "malformed",
          );
        return await verifyAccessToken(ctx, m[1] as string, ip);
      } catch (e) {
        if (!(e instanceof InvalidTokenError)) throw e;
        const facts = e instanceof RejectedToken ? e.facts : {};
        await emit(ctx, {
          action: "auth.token",
          outcome: "failure",
          userId: facts.sub ?? null,
          ip: ip ?? null,
          requestId: requestId ?? null,
          details: {
            reason: e.reason,
            ...(facts.jti ? { jti: facts.jti } : {}),
            ...(facts.kid ? { kid: facts.kid } : {}),
          },
          risk: e.reason === "revoked" || e.reason === "user_disabled" || e.reason === "expired" ? 20 : 50,
        });
        throw e;
      }
    },
    verify: (token, ip) => verifyAccessToken(ctx, token, ip),
    list: (filter) => listTokens(ctx, filter),
    revoke: (jti, actor, opts) => revokeToken(ctx, jti, actor, opts),
    revokeUserTokens: (userId, reason, actor) => revokeUserTokens(ctx, userId, reason, actor),
    async rotateSigningKey(actor) {
      const k = await rotateSigningKey(ctx, actor);
      return ctx.keySet.list().find((x) => x.kid === k.kid) as SigningKeyInfo;
    },
    retireExpiredKeys: (actor) => retireExpiredKeys(ctx, actor),
    signingKeys: () => ctx.keySet.list(),
    jwks: () => ctx.keySet.jwks(),
  };
}
