// The control API (/_rampart/v1/…) as a table of routes, each naming the action it needs. Every
// route runs the same small steps, in order (node-oidc-provider style): authenticate → password
// change gate → CSRF (cookie sessions, state-changing methods) → authorise (RBAC) → step-up MFA →
// validate input → handler. A route without an action is a startup error, not an open door.
import type { TSchema } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { App } from "../app.js";
import { RampartError } from "../kernel/index.js";
import type { Principal } from "./principal.js";
import type { GatewayServices } from "./services.js";

export interface RequestInfo {
  ip: string;
  userAgent: string | null;
  requestId: string;
}

export interface ControlCall {
  request: FastifyRequest;
  reply: FastifyReply;
  /** Null only on routes with action "public". */
  principal: Principal | null;
  body: unknown;
  query: Record<string, unknown>;
  params: Record<string, string>;
  info: RequestInfo;
}

export interface ControlRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Relative to /_rampart/v1, e.g. "/auth/login". */
  url: string;
  /**
   * The action this route needs (RBAC), a function of the request for per-resource actions
   * (e.g. `secrets:read:<path>`), "authenticated" for what any signed-in principal may do to
   * itself (its own sessions, logout), or "public" for endpoints that authenticate by themselves
   * (login, MFA completion).
   */
  action: string | ((call: Omit<ControlCall, "principal">) => string);
  body?: TSchema;
  query?: TSchema;
  /** Permit a principal who must change their password (the change-password route itself). */
  allowWhilePasswordChangeRequired?: boolean;
  handler: (call: ControlCall) => Promise<unknown>;
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
export const CONTROL_PREFIX = "/_rampart/v1";

export function requestInfo(request: FastifyRequest): RequestInfo {
  const ua = request.headers["user-agent"];
  return {
    ip: request.ip,
    userAgent: typeof ua === "string" ? ua.slice(0, 512) : null,
    requestId: request.id,
  };
}

export function registerControlRoutes(
  scope: FastifyInstance,
  _app: App,
  services: GatewayServices,
  routes: readonly ControlRoute[],
): void {
  for (const route of routes) {
    if (typeof route.action === "string" && route.action.trim() === "")
      throw new RampartError(
        "ERR_GATEWAY_ROUTE_WITHOUT_ACTION",
        `control route ${route.method} ${route.url} has no action`,
        {
          status: 500,
        },
      );
    scope.route({
      method: route.method,
      url: CONTROL_PREFIX + route.url,
      schema: {
        ...(route.body ? { body: route.body } : {}),
        ...(route.query ? { querystring: route.query } : {}),
      },
      handler: async (request, reply) => {
        const base = {
          request,
          reply,
          body: request.body,
          query: (request.query ?? {}) as Record<string, unknown>,
          params: (request.params ?? {}) as Record<string, string>,
          info: requestInfo(request),
        };
        let principal: Principal | null = null;
        if (route.action !== "public") {
          principal = await services.authenticate(request);
          if (!principal)
            throw new RampartError("ERR_AUTH_REQUIRED", "authentication required", { status: 401 });
          if (principal.mustChangePassword && !route.allowWhilePasswordChangeRequired)
            throw new RampartError("ERR_AUTH_PASSWORD_CHANGE_REQUIRED", "change your password first", {
              status: 403,
            });
          services.checkCsrf(request, principal);
          if (route.action !== "authenticated") {
            const action = typeof route.action === "function" ? route.action(base) : route.action;
            await services.authorize(request, principal, action);
          }
        }
        const result = await route.handler({ ...base, principal });
        if (reply.sent) return reply;
        return reply.send(result ?? { ok: true });
      },
    });
  }
}

export function isStateChanging(method: string): boolean {
  return STATE_CHANGING.has(method);
}

export type { App };
