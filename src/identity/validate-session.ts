// Turns a presented session token into the request's principal, or ERR_AUTH_SESSION_INVALID for
// every kind of failure (unknown, revoked, past its absolute end, idle too long, user disabled).
// Expiry is recorded once (session.expired) by revoking the session atomically. Last-seen is
// written at most every TOUCH_INTERVAL_MS so a busy session is not a database write per request.
import { constantTimeEqual, sha256Hex } from "../crypto/index.js";
import { sessionInvalid } from "./errors.js";
import { emit } from "./events.js";
import type { IdentityDeps } from "./settings.js";
import type { Principal, RequestContext, Session } from "./types.js";

/** Idle time is therefore measured to within this granularity. */
export const TOUCH_INTERVAL_MS = 10_000;
const MAX_TOKEN = 128;

async function expire(deps: IdentityDeps, s: Session, why: "absolute" | "idle", ctx: RequestContext) {
  if (await deps.store.revokeSession(s.id, `expired_${why}`, deps.clock.now()))
    await emit(deps, {
      action: "session.expired",
      outcome: "success",
      userId: s.userId,
      sessionId: s.id,
      ctx,
      details: { reason: why },
    });
}

export async function validateSession(
  deps: IdentityDeps,
  token: string | null | undefined,
  ctx: RequestContext = {},
): Promise<Principal> {
  if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN) throw sessionInvalid();
  const s = await deps.store.findSessionByTokenHash(sha256Hex(token));
  if (!s || s.revokedAt !== null) throw sessionInvalid();
  const now = deps.clock.now();
  if (now >= s.expiresAt) {
    await expire(deps, s, "absolute", ctx);
    throw sessionInvalid();
  }
  if (now >= s.lastSeenAt + s.idleTimeoutMs) {
    await expire(deps, s, "idle", ctx);
    throw sessionInvalid();
  }
  const user = await deps.store.findUserById(s.userId);
  // A lock (failed attempts by someone else) does not end live sessions; disabling does.
  if (!user || user.status === "disabled") throw sessionInvalid();
  let lastSeen = s.lastSeenAt;
  if (now - s.lastSeenAt >= TOUCH_INTERVAL_MS) {
    await deps.store.touchSession(s.id, now);
    lastSeen = now;
  }
  const csrfHash = s.csrfHash;
  return {
    userId: user.id,
    username: user.username,
    displayName: user.displayName,
    roles: user.roles,
    sessionId: s.id,
    expiresAt: s.expiresAt,
    idleExpiresAt: Math.min(lastSeen + s.idleTimeoutMs, s.expiresAt),
    mfaAt: s.mfaAt,
    mustChangePassword: user.mustChangePassword,
    checkCsrf: (presented) =>
      typeof presented === "string" &&
      presented.length > 0 &&
      presented.length <= MAX_TOKEN &&
      constantTimeEqual(sha256Hex(presented), csrfHash),
  };
}
