// The steps of the request pipeline that need Rampart's services: authenticate (session cookie;
// bearer tokens and client certificates plug in here), CSRF for cookie sessions, authorise
// against the compiled policy (denials audited, 403 naming only the action), and step-up MFA.
import type { FastifyReply, FastifyRequest } from "fastify";
import { accessDenied, type CompiledPolicy, compilePolicy } from "../access/index.js";
import type { App } from "../app.js";
import type { Principal as SessionPrincipal } from "../identity/index.js";
import { RampartError } from "../kernel/index.js";
import type { Authenticate, Principal } from "./principal.js";
import type { RateLimiter } from "./rate-limit.js";

export const SESSION_COOKIE = "__Host-rampart_session";
export const CSRF_COOKIE = "__Host-rampart_csrf";

export interface GatewayServices {
  authenticate: Authenticate;
  /** Throws 403 (audited) when the principal may not perform `action`; 401 when step-up is due. */
  authorize(request: FastifyRequest, principal: Principal, action: string): Promise<void>;
  /**
   * State-changing methods. Cookie sessions: X-CSRF-Token and a same-origin Origin, or 403. Client
   * certificates: 403 when Origin is present and not same-origin, or Sec-Fetch-Site is present and
   * neither same-origin nor none (a browser's cross-site request).
   */
  checkCsrf(request: FastifyRequest, principal: Principal): void;
  /** Per-principal (and per-route) budgets after authentication; 429 when spent. */
  rateLimit(request: FastifyRequest, reply: FastifyReply, principal: Principal, route: string): Promise<void>;
}

export interface ExtraAuthenticators {
  /** Bearer tokens (tokens module). */
  bearer?: (authorization: string, request: FastifyRequest) => Promise<Principal | null>;
  /** Client certificates (pki module). */
  certificate?: (request: FastifyRequest) => Promise<Principal | null>;
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The identity module's view of a cookie session, kept per request for the self-service routes. */
const sessions = new WeakMap<FastifyRequest, SessionPrincipal>();
export function sessionOf(request: FastifyRequest): SessionPrincipal | undefined {
  return sessions.get(request);
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/**
 * Why a state-changing request is refused as cross-site, or undefined. Cookie sessions need their
 * X-CSRF-Token and a same-origin Origin. A client certificate is sent by a browser cross-site too
 * (the SameSite cookie is dropped, so authentication falls through to it): refused when Origin is
 * present and foreign, or Sec-Fetch-Site says cross-site. Machine clients send neither header.
 */
function csrfRefusal(request: FastifyRequest, principal: Principal, expected: string): string | undefined {
  const origin = request.headers.origin;
  if (principal.via === "certificate") {
    const site = request.headers["sec-fetch-site"];
    if (origin !== undefined && origin !== expected) return "origin_mismatch";
    if (site !== undefined && site !== "same-origin" && site !== "none") return "cross_site";
    return undefined;
  }
  if (principal.via !== "session") return undefined;
  const header = request.headers["x-csrf-token"];
  if (principal.checkCsrf?.(typeof header === "string" ? header : null) !== true)
    return "csrf_token_missing_or_wrong";
  return origin === expected ? undefined : "origin_mismatch";
}

export function createGatewayServices(
  app: App,
  extra: ExtraAuthenticators = {},
  limiter?: RateLimiter,
): GatewayServices {
  // Token scopes compiled once per distinct scope list (tokens of one user share it).
  const scopes = new Map<string, CompiledPolicy>();
  const _scopeAllows = (scope: readonly string[], action: string): boolean => {
    const key = scope.join(" ");
    let compiled = scopes.get(key);
    if (!compiled) {
      if (scopes.size > 1000) scopes.clear();
      compiled = compilePolicy({ scope: { permissions: scope, restrictions: [] } });
      scopes.set(key, compiled);
    }
    return compiled.check(["scope"], action).allowed;
  };
  const stepUp: CompiledPolicy = compilePolicy({
    step_up: { permissions: app.config.step_up.actions, restrictions: [] },
  });
  const stepUpWindowMs = app.config.step_up.window_seconds * 1000;
  const publicOrigin = app.config.server.public_url
    ? new URL(app.config.server.public_url).origin
    : undefined;

  const authenticate: Authenticate = async (request) => {
    const authorization = request.headers.authorization;
    if (authorization !== undefined && extra.bearer) return extra.bearer(authorization, request);
    if (authorization !== undefined)
      throw new RampartError("ERR_AUTH_INVALID_TOKEN", "invalid token", { status: 401 });
    const token = readCookie(request, SESSION_COOKIE);
    if (token !== undefined) {
      const ua = request.headers["user-agent"];
      const p = await app.identity().validateSession(token, {
        ip: request.ip,
        userAgent: typeof ua === "string" ? ua : null,
        requestId: request.id,
      });
      sessions.set(request, p);
      return {
        kind: "user",
        id: p.userId,
        name: p.username,
        roles: p.roles,
        via: "session",
        sessionId: p.sessionId,
        mfaAt: p.mfaAt,
        mustChangePassword: p.mustChangePassword,
        checkCsrf: (t) => p.checkCsrf(t),
      };
    }
    if (extra.certificate) return extra.certificate(request);
    return null;
  };

  return {
    authenticate,
    async rateLimit(request, reply, principal, route) {
      await limiter?.afterAuth(request, reply, principal, route);
    },
    checkCsrf(request, principal) {
      if (!STATE_CHANGING.has(request.method)) return;
      const reason = csrfRefusal(request, principal, publicOrigin ?? `https://${request.headers.host ?? ""}`);
      if (reason === undefined) return;
      void app.audit
        .record({
          event_type: "authorization",
          action: "gateway.csrf",
          outcome: "denied",
          user_id: principal.id,
          session_id: principal.sessionId ?? null,
          ip_address: request.ip,
          resource: `${request.method} ${request.routeOptions.url ?? request.url}`,
          request_id: request.id,
          details: { reason, via: principal.via },
        })
        .catch(() => {});
      throw new RampartError("ERR_AUTH_CSRF", "cross-site request refused: CSRF token or origin", {
        status: 403,
      });
    },
    async authorize(request, principal, action) {
      const decision = app.policy.check(principal.roles, action);
      const inScope =
        principal.scope === undefined ||
        compilePolicy({ scope: { permissions: principal.scope, restrictions: [] } }).check(["scope"], action)
          .allowed;
      if (!decision.allowed || !inScope) {
        await app.audit.record({
          event_type: "authorization",
          action: "access.decision",
          outcome: "denied",
          user_id: principal.id,
          session_id: principal.sessionId ?? null,
          ip_address: request.ip,
          resource: action,
          request_id: request.id,
          details: {
            action,
            reason: inScope ? decision.reason : "outside_token_scope",
            role: decision.role,
            matched: decision.matched,
            via: principal.via,
          },
        });
        throw accessDenied(action, decision);
      }
      if (principal.via === "session" && stepUp.check(["step_up"], action).allowed) {
        const last = principal.mfaAt ?? 0;
        if (app.clock.now() - last > stepUpWindowMs)
          throw new RampartError("ERR_AUTH_STEP_UP_REQUIRED", "confirm with an authentication code first", {
            status: 401,
            expose: { action },
          });
      }
    },
  };
}
