// The identity service as the gateway and the CLI see it: every use case bound to its dependencies.
// The composition root builds one with `createIdentityService(deps)`; each method is the matching
// use-case function with `deps` supplied.
import { completeMfa } from "./complete-mfa.js";
import { type CreatedUser, type CreateUserInput, createUser, ensureAdmin } from "./create-user.js";
import {
  beginTotpEnrollment,
  type ConfirmedEnrollment,
  confirmTotpEnrollment,
  enrollTotpForUser,
} from "./enroll-totp.js";
import { login } from "./login.js";
import { regenerateRecoveryCodes, resetMfa, stepUp } from "./manage-mfa.js";
import { disableUser, enableUser, setUserRoles } from "./manage-user.js";
import { changePassword, type SetPasswordOptions, setPassword } from "./passwords.js";
import { listOwnSessions, logout, revokeOwnSession, revokeUserSessions } from "./sessions.js";
import type { IdentityDeps } from "./settings.js";
import type {
  Actor,
  IssuedSession,
  LoginResult,
  Principal,
  RequestContext,
  SessionView,
  TotpEnrollment,
  TotpEnrollmentForTerminal,
  UserSummary,
} from "./types.js";
import { getUser, getUserById, listUsers } from "./users.js";
import { validateSession } from "./validate-session.js";

export interface IdentityService {
  // Login flow (POST /auth/login, /auth/mfa, /auth/mfa/totp/enroll, /auth/mfa/totp/confirm).
  login(username: string, password: string, ctx: RequestContext): Promise<LoginResult>;
  completeMfa(challenge: string, code: string, ctx: RequestContext): Promise<IssuedSession>;
  beginTotpEnrollment(challenge: string, ctx: RequestContext): Promise<TotpEnrollment>;
  confirmTotpEnrollment(challenge: string, code: string, ctx: RequestContext): Promise<ConfirmedEnrollment>;
  // Every authenticated request; GET /auth/session renders the principal.
  validateSession(token: string | null | undefined, ctx?: RequestContext): Promise<Principal>;
  // Within a session.
  logout(principal: Principal, ctx: RequestContext): Promise<void>;
  changePassword(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
    ctx: RequestContext,
  ): Promise<void>;
  listOwnSessions(principal: Principal): Promise<SessionView[]>;
  revokeOwnSession(principal: Principal, sessionId: string, ctx: RequestContext): Promise<void>;
  stepUp(principal: Principal, code: string, ctx: RequestContext): Promise<{ mfaAt: number }>;
  regenerateRecoveryCodes(principal: Principal, ctx: RequestContext): Promise<string[]>;
  // Administration (CLI `rampart user …`, later admin API routes).
  createUser(input: CreateUserInput, actor: Actor): Promise<CreatedUser>;
  ensureAdmin(actor?: Actor): Promise<CreatedUser | null>;
  listUsers(): Promise<UserSummary[]>;
  getUser(username: string): Promise<UserSummary>;
  getUserById(id: string): Promise<UserSummary>;
  disableUser(username: string, actor: Actor): Promise<UserSummary>;
  enableUser(username: string, actor: Actor): Promise<UserSummary>;
  setUserRoles(username: string, roles: readonly string[], actor: Actor): Promise<UserSummary>;
  setPassword(username: string, password: string, actor: Actor, opts?: SetPasswordOptions): Promise<void>;
  enrollTotpForUser(username: string, actor: Actor): Promise<TotpEnrollmentForTerminal>;
  resetMfa(username: string, actor: Actor): Promise<{ sessionsRevoked: number }>;
  revokeUserSessions(username: string, actor: Actor): Promise<number>;
}

export function createIdentityService(deps: IdentityDeps): IdentityService {
  return {
    login: (u, p, ctx) => login(deps, u, p, ctx),
    completeMfa: (c, code, ctx) => completeMfa(deps, c, code, ctx),
    beginTotpEnrollment: (c, ctx) => beginTotpEnrollment(deps, c, ctx),
    confirmTotpEnrollment: (c, code, ctx) => confirmTotpEnrollment(deps, c, code, ctx),
    validateSession: (t, ctx) => validateSession(deps, t, ctx),
    logout: (p, ctx) => logout(deps, p, ctx),
    changePassword: (p, cur, next, ctx) => changePassword(deps, p, cur, next, ctx),
    listOwnSessions: (p) => listOwnSessions(deps, p),
    revokeOwnSession: (p, id, ctx) => revokeOwnSession(deps, p, id, ctx),
    stepUp: (p, code, ctx) => stepUp(deps, p, code, ctx),
    regenerateRecoveryCodes: (p, ctx) => regenerateRecoveryCodes(deps, p, ctx),
    createUser: (input, actor) => createUser(deps, input, actor),
    ensureAdmin: (actor) => ensureAdmin(deps, actor),
    listUsers: () => listUsers(deps),
    getUser: (u) => getUser(deps, u),
    getUserById: (id) => getUserById(deps, id),
    disableUser: (u, actor) => disableUser(deps, u, actor),
    enableUser: (u, actor) => enableUser(deps, u, actor),
    setUserRoles: (u, roles, actor) => setUserRoles(deps, u, roles, actor),
    setPassword: (u, pw, actor, opts) => setPassword(deps, u, pw, actor, opts),
    enrollTotpForUser: (u, actor) => enrollTotpForUser(deps, u, actor),
    resetMfa: (u, actor) => resetMfa(deps, u, actor),
    revokeUserSessions: (u, actor) => revokeUserSessions(deps, u, actor),
  };
}
