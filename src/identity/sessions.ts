// A user's own sessions: logout, listing, revoking one; and an administrator revoking every session
// of a user. Each revocation is one atomic update, recorded as one event.
import type { SessionId } from "../kernel/index.js";
import { sessionNotFound } from "./errors.js";
import { emit } from "./events.js";
import type { IdentityDeps } from "./settings.js";
import type { Actor, Principal, RequestContext, SessionView } from "./types.js";
import { requireUser } from "./users.js";

export async function logout(deps: IdentityDeps, principal: Principal, ctx: RequestContext): Promise<void> {
  await deps.store.revokeSession(principal.sessionId, "logout", deps.clock.now());
  await emit(deps, {
    action: "auth.logout",
    outcome: "success",
    userId: principal.userId,
    sessionId: principal.sessionId,
    ctx,
  });
}

export async function listOwnSessions(deps: IdentityDeps, principal: Principal): Promise<SessionView[]> {
  const live = await deps.store.listLiveSessions(principal.userId, deps.clock.now());
  return live.map((s) => ({
    sessionId: s.id,
    createdAt: s.createdAt,
    expiresAt: s.expiresAt,
    lastSeenAt: s.lastSeenAt,
    mfaAt: s.mfaAt,
    ip: s.ip,
    userAgent: s.userAgent,
    current: s.id === principal.sessionId,
  }));
}

/** Revokes one of the caller's own sessions; another user's session id answers "not found". */
export async function revokeOwnSession(
  deps: IdentityDeps,
  principal: Principal,
  sessionId: string,
  ctx: RequestContext,
): Promise<void> {
  const s = await deps.store.findSessionById(sessionId as SessionId);
  if (!s || s.userId !== principal.userId || s.revokedAt !== null) throw sessionNotFound();
  await deps.store.revokeSession(s.id, "revoked_by_owner", deps.clock.now());
  await emit(deps, {
    action: "session.revoked",
    outcome: "success",
    userId: principal.userId,
    sessionId: s.id,
    ctx,
    details: { reason: "revoked_by_owner", by_session: principal.sessionId },
  });
}

/** Administrator action: every live session of the user ends now. Answers how many. */
export async function revokeUserSessions(
  deps: IdentityDeps,
  username: string,
  actor: Actor,
): Promise<number> {
  const user = await requireUser(deps, username);
  const count = await deps.store.revokeUserSessions(user.id, "revoked_by_administrator", deps.clock.now());
  await emit(deps, {
    action: "session.revoked",
    outcome: "success",
    userId: user.id,
    ctx: actor,
    details: { reason: "revoked_by_administrator", count },
  });
  return count;
}
