// Signing-key rotation: a new current key; previous keys keep verifying until every token they
// signed has expired (their latest recorded expiry + skew, and at least a grace period after they
// were superseded, for tokens another instance signed while rotating), then they are retired and
// leave the JWKS. Other instances hear of every change on the broadcast channel.
import type { Actor } from "../identity/index.js";
import { broadcast, type TokenContext } from "./context.js";
import { emit } from "./events.js";
import type { LoadedKey } from "./key-set.js";

const SYSTEM: Actor = { via: "system" };

/** The current key, creating one when there is none or the configured algorithm changed. */
export async function ensureSigningKey(ctx: TokenContext): Promise<LoadedKey> {
  let key = ctx.keySet.current();
  if (!key) {
    await ctx.keySet.load();
    key = ctx.keySet.current();
  }
  if (key && key.alg === ctx.settings.algorithm) return key;
  return rotateSigningKey(ctx, SYSTEM, key ? "algorithm_changed" : "first_key");
}

export async function rotateSigningKey(
  ctx: TokenContext,
  actor: Actor,
  reason = "requested",
): Promise<LoadedKey> {
  const previous = ctx.keySet.current();
  const key = await ctx.keySet.rotate(ctx.settings.algorithm, ctx.clock.now());
  await emit(ctx, {
    eventType: "keys",
    action: "tokens.key_rotated",
    outcome: "success",
    actor,
    details: {
      kid: key.kid,
      version: key.version,
      alg: key.alg,
      previous_kid: previous?.kid ?? null,
      reason,
    },
  });
  await broadcast(ctx, { t: "keys" });
  await retireExpiredKeys(ctx, actor);
  return key;
}

/** Retires previous keys whose tokens have all expired; answers the retired kids. */
export async function retireExpiredKeys(ctx: TokenContext, actor: Actor = SYSTEM): Promise<string[]> {
  const now = ctx.clock.now();
  const retired: string[] = [];
  for (const k of ctx.keySet.list()) {
    if (k.status !== "previous") continue;
    if ((k.supersededAt ?? now) + ctx.settings.retireGraceMs > now) continue;
    const latest = await ctx.store.latestExpiryForKey(k.kid);
    if (latest !== null && latest + ctx.settings.skewSeconds * 1000 >= now) continue;
    if (await ctx.store.retireSigningKey(k.kid, now)) {
      retired.push(k.kid);
      await emit(ctx, {
        eventType: "keys",
        action: "tokens.key_retired",
        outcome: "success",
        actor,
        details: { kid: k.kid, version: k.version, last_token_expiry: latest },
      });
    }
  }
  if (retired.length > 0) {
    await ctx.keySet.load();
    await broadcast(ctx, { t: "keys" });
  }
  return retired;
}

/** The automatic schedule: rotate when the current key is older than tokens.rotation_days. */
export async function rotateIfDue(ctx: TokenContext): Promise<LoadedKey | null> {
  if (ctx.settings.rotationMs <= 0) return null;
  const key = await ensureSigningKey(ctx);
  if (key.createdAt + ctx.settings.rotationMs > ctx.clock.now()) return null;
  return rotateSigningKey(ctx, SYSTEM, "schedule");
}
