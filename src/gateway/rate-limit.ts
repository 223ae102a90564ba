// Rate limits as token buckets in the ephemeral store (atomic Lua scripts on Redis, so several
// instances share one budget without read-modify-write races): per client IP before
// authentication, per principal (or per role, or per route) after it, and a stricter budget for
// the login, MFA and step-up endpoints. Answers carry the IETF draft RateLimit fields; a refusal is
// 429 with Retry-After.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { App } from "../app.js";
import type { Config } from "../config/index.js";
import { RampartError } from "../kernel/index.js";
import type { Principal } from "./principal.js";

interface Budget {
  requests_per_minute: number;
  burst: number;
}

export const AUTH_PATHS = new Set([
  "/_rampart/v1/auth/login",
  "/_rampart/v1/auth/mfa",
  "/_rampart/v1/auth/mfa/totp/enroll",
  "/_rampart/v1/auth/mfa/totp/confirm",
  "/_rampart/v1/auth/step-up",
]);

/** Whether the request was routed to one of the login, MFA and step-up endpoints. */
export function isAuthRoute(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route !== undefined && AUTH_PATHS.has(route);
}

export class RateLimiter {
  private readonly routes: Map<string, Budget>;

  constructor(
    private readonly app: App,
    private readonly config: Config["rate_limits"],
    private readonly onLimited?: (scope: string) => void,
  ) {
    this.routes = new Map(config.routes.map((r) => [`${r.method} ${r.path}`, r]));
  }

  private async take(key: string, budget: Budget, reply: FastifyReply, scope: string): Promise<void> {
    const r = await this.app.ephemeral.take(`rl:${key}`, {
      capacity: budget.burst,
      refillPerSec: budget.requests_per_minute / 60,
    });
    reply.header("ratelimit-limit", budget.burst);
    reply.header("ratelimit-remaining", r.remaining);
    reply.header("ratelimit-reset", Math.ceil(r.resetMs / 1000));
    reply.header(
      "ratelimit-policy",
      `${budget.burst};w=${Math.ceil((60 * budget.burst) / budget.requests_per_minute)}`,
    );
    if (!r.allowed) {
      const retry = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
      reply.header("retry-after", retry);
      this.onLimited?.(scope);
      throw new RampartError("ERR_RATE_LIMITED", "too many requests; slow down", {
        status: 429,
        expose: { retryAfter: retry },
        detail: `${scope} ${key}`,
      });
    }
  }

  /**
   * Before authentication: per client IP, and the stricter budget on the auth endpoints. Which
   * endpoint it is comes from the route the router matched, never from the raw URL: the router
   * decodes the path (`/_rampart/v1/auth/%6cogin` is the login route), a string comparison does not.
   */
  async beforeAuth(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (isAuthRoute(request)) await this.take(`auth:${request.ip}`, this.config.auth, reply, "auth");
    await this.take(`ip:${request.ip}`, this.config.per_ip, reply, "ip");
  }

  /** After authentication: per principal (the most generous of its roles' budgets, else the default) and per route. */
  async afterAuth(
    _request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    route: string,
  ): Promise<void> {
    const roleBudgets = principal.roles
      .map((r) => this.config.roles[r])
      .filter((b): b is Budget => b !== undefined);
    const budget = roleBudgets.length
      ? roleBudgets.reduce((a, b) => (b.requests_per_minute > a.requests_per_minute ? b : a))
      : this.config.per_principal;
    await this.take(`p:${principal.kind}:${principal.id}`, budget, reply, "principal");
    const routeBudget = this.routes.get(route);
    if (routeBudget) await this.take(`r:${route}:${principal.id}`, routeBudget, reply, "route");
  }
}
