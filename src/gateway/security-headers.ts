// Headers on every response: the request id, HSTS (the seed's policy: one year,
// includeSubDomains, preload), nosniff, no framing, no referrer; no-store on the control API
// (decided by the matched route, not the raw URL string).
import type { FastifyInstance } from "fastify";
import type { Config } from "../config/index.js";

export function installSecurityHeaders(fastify: FastifyInstance, config: Config): void {
  const h = config.server.hsts;
  const hsts = [
    `max-age=${h.max_age}`,
    h.include_subdomains ? "includeSubDomains" : "",
    h.preload ? "preload" : "",
  ]
    .filter(Boolean)
    .join("; ");
  fastify.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    reply.header("strict-transport-security", hsts);
    reply.header("x-content-type-options", "nosniff");
    reply.header("x-frame-options", "DENY");
    reply.header("referrer-policy", "no-referrer");
    // By the matched route (the router decodes `/%5frampart/…` to a control route), and by the raw
    // URL too, so unmatched paths under /_rampart/ are covered as well.
    if (request.routeOptions.url?.startsWith("/_rampart/") || request.url.startsWith("/_rampart/"))
      reply.header("cache-control", "no-store");
    done();
  });
}
