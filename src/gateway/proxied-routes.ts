// The proxied routes of the route map: METHOD + path → upstream + action. Each request runs the
// pipeline (authenticate → authorise → proxy) and nothing reaches an upstream without passing it.
// Bodies are taken raw (bounded by the body limit) and forwarded unchanged.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { App } from "../app.js";
import type { RouteConfig } from "../config/index.js";
import { RampartError } from "../kernel/index.js";
import type { Authenticate } from "./principal.js";
import type { UpstreamProxy } from "./proxy.js";

export interface ProxiedRoutesOptions {
  app: App;
  proxy: UpstreamProxy;
  authenticate: Authenticate;
}

export async function proxiedRoutes(scope: FastifyInstance, opts: ProxiedRoutesOptions): Promise<void> {
  const { app, proxy, authenticate } = opts;
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  for (const route of app.config.routes) {
    scope.route({
      method: route.method,
      url: route.path,
      exposeHeadRoute: route.method === "GET",
      handler: async (request, reply) => {
        const principal = await authenticate(request);
        if (!principal) {
          await recordDenial(app, request, route, "unauthenticated");
          throw new RampartError("ERR_AUTH_REQUIRED", "authentication required", { status: 401 });
        }
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

async function recordDenial(
  app: App,
  request: FastifyRequest,
  route: RouteConfig,
  reason: string,
): Promise<void> {
  await app.audit.record({
    event_type: "authorization",
    action: "gateway.request",
    outcome: "denied",
    ip_address: request.ip,
    resource: `${route.method} ${route.path}`,
    request_id: request.id,
    details: { reason, route_action: route.action },
  });
}
