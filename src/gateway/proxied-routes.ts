// The proxied routes of the route map: METHOD + path → upstream + action. Each request runs the
// pipeline — authenticate → CSRF (cookie sessions) → authorise (+ step-up) → audit → proxy — and
// nothing reaches an upstream without passing it. The grant is recorded in the ledger before the
// request is forwarded (fail-closed: no record, no request). Bodies are taken raw (bounded by the
// body limit) and forwarded unchanged.
import type { FastifyInstance } from "fastify";
import type { App } from "../app.js";
import { RampartError } from "../kernel/index.js";
import { compileInputValidator } from "./input-validation.js";
import type { UpstreamProxy } from "./proxy.js";
import type { TradingGate } from "./routes/trading.js";
import type { GatewayServices } from "./services.js";

export interface ProxiedRoutesOptions {
  app: App;
  proxy: UpstreamProxy;
  services: GatewayServices;
  /** Trading state: refuses trading:* routes while HALTED (or REDUCING unless reduces_risk). */
  gate?: TradingGate;
}

export async function proxiedRoutes(scope: FastifyInstance, opts: ProxiedRoutesOptions): Promise<void> {
  const { app, proxy, services, gate } = opts;
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  for (const route of app.config.routes) {
    const resource = `${route.method} ${route.path}`;
    const eventType = route.action.startsWith("trading:") ? "trading" : "data_access";
    const validate = compileInputValidator(route);
    scope.route({
      method: route.method,
      url: route.path,
      exposeHeadRoute: route.method === "GET",
      handler: async (request, reply) => {
        const principal = await services.authenticate(request);
        if (!principal) {
          await app.audit.record({
            event_type: "authorization",
            action: "gateway.request",
            outcome: "denied",
            ip_address: request.ip,
            resource,
            request_id: request.id,
            details: { reason: "unauthenticated", route_action: route.action },
          });
          throw new RampartError("ERR_AUTH_REQUIRED", "authentication required", { status: 401 });
        }
        await services.rateLimit(request, reply, principal, resource);
        if (principal.mustChangePassword)
          throw new RampartError("ERR_AUTH_PASSWORD_CHANGE_REQUIRED", "change your password first", {
            status: 403,
          });
        services.checkCsrf(request, principal);
        await services.authorize(request, principal, route.action);
        gate?.check(route.action, route, request);
        const input = validate?.(request);
        await app.audit.record({
          event_type: eventType,
          action: "gateway.proxy",
          outcome: "success",
          user_id: principal.id,
          session_id: principal.sessionId ?? null,
          ip_address: request.ip,
          resource,
          request_id: request.id,
          details: {
            route_action: route.action,
            path: request.url.split("?")[0],
            via: principal.via,
            ...(input && Object.keys(input).length > 0 ? { form: input } : {}),
          },
        });
        return proxy.forward(
          route.upstream,
          request,
          reply,
          { user: principal.name, roles: principal.roles },
          request.body as Buffer | undefined,
        );
      },
    });
  }
}
