// Issues a session after both factors: a 256-bit random token (only its SHA-256 is stored), a CSRF
// token (likewise hashed), an absolute end at the smallest session_timeout among the user's roles
// and an idle limit from config that is never longer than that.
import { randomToken, sha256Hex, uuid } from "../crypto/index.js";
import type { SessionId } from "../kernel/index.js";
import { clearAccountFailures } from "./failures.js";
import type { IdentityDeps, IdentitySettings } from "./settings.js";
import type { IssuedSession, RequestContext, Session, User } from "./types.js";

const MAX_UA = 512;

/** Absolute lifetime in ms: the strictest of the user's roles (or of all roles, for none known). */
export function sessionLifetimeMs(settings: IdentitySettings, roles: readonly string[]): number {
  const known = roles
    .map((r) => settings.roleSessionTimeouts[r])
    .filter((t): t is number => typeof t === "number");
  const pool = known.length > 0 ? known : Object.values(settings.roleSessionTimeouts);
  return (pool.length > 0 ? Math.min(...pool) : 3600) * 1000;
}

async function createSession(deps: IdentityDeps, user: User, ctx: RequestContext): Promise<IssuedSession> {
  const now = deps.clock.now();
  const lifetime = sessionLifetimeMs(deps.settings, user.roles);
  const idleTimeoutMs = Math.min(deps.settings.idleTimeoutMs, lifetime);
  const token = randomToken(32);
  const csrfToken = randomToken(32);
  const session: Session = {
    id: uuid() as SessionId,
    userId: user.id,
    tokenHash: sha256Hex(token),
    csrfHash: sha256Hex(csrfToken),
    createdAt: now,
    expiresAt: now + lifetime,
    idleTimeoutMs,
    lastSeenAt: now,
    mfaAt: now,
    ip: ctx.ip ?? null,
    userAgent: ctx.userAgent ? ctx.userAgent.slice(0, MAX_UA) : null,
    revokedAt: null,
    revokedReason: null,
  };
  await deps.store.insertSession(session);
  return {
    sessionId: session.id,
    token,
    csrfToken,
    expiresAt: session.expiresAt,
    idleExpiresAt: Math.min(now + idleTimeoutMs, session.expiresAt),
    mustChangePassword: user.mustChangePassword,
  };
}

/**
 * The end of a login whose factors all passed (a second factor, or a first TOTP enrolment): the
 * session, the login stamped, then the lockout history and failure counters cleared — unless a lock
 * is in force: one that a concurrent burst set is not undone by this login, and runs its course.
 */
export async function completeLogin(
  deps: IdentityDeps,
  user: User,
  ctx: RequestContext,
): Promise<IssuedSession> {
  const session = await createSession(deps, user, ctx);
  const now = deps.clock.now();
  await deps.store.updateUser(user.id, { lastLoginAt: now, updatedAt: now });
  // Most logins have no lockout history to reset: then only the failure counter is cleared.
  const clean = user.lockoutCount === 0 && user.lockedUntil === null;
  if (clean || (await deps.store.resetLockout(user.id, now))) await clearAccountFailures(deps, user);
  return session;
}
