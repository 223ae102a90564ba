// Operations: Prometheus metrics (prom-client) at GET /_rampart/metrics behind `system:metrics`
// (administrators hold it through `system:*`; a scraper uses a service-account token or client
// certificate), and readiness at GET /_rampart/ready — database, ledger and ephemeral store
// reachable — separate from liveness (/_rampart/health). Counters are per instance; Prometheus
// sums them across instances.
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { App } from "../app.js";
import { RampartError } from "../kernel/index.js";
import type { GatewayServices } from "./services.js";

export interface GatewayMetrics {
  readonly registry: Registry;
  rateLimited(scope: string): void;
  ipBlocked(): void;
  install(fastify: FastifyInstance): void;
}

export function createGatewayMetrics(
  app: App,
  extra: { detectionLag?: () => number | undefined; tradingState?: () => number } = {},
): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "rampart_process_" });
  const requests = new Counter({
    name: "rampart_http_requests_total",
    help: "Requests answered, by route pattern, method and status code.",
    labelNames: ["route", "method", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "rampart_http_request_duration_seconds",
    help: "Time from request to response, by route pattern.",
    labelNames: ["route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const refusals = new Counter({
    name: "rampart_refusals_total",
    help: "Requests refused, by reason code (ERR_ACCESS_DENIED, ERR_AUTH_REQUIRED, ERR_RATE_LIMITED, ...).",
    labelNames: ["code"] as const,
    registers: [registry],
  });
  const limited = new Counter({
    name: "rampart_rate_limited_total",
    help: "Requests refused by a rate limit, by budget (ip, auth, principal, route).",
    labelNames: ["scope"] as const,
    registers: [registry],
  });
  const blocked = new Counter({
    name: "rampart_ip_blocked_total",
    help: "Requests refused by the IP filter.",
    registers: [registry],
  });
  new Gauge({
    name: "rampart_ledger_entries",
    help: "Entries in the audit ledger (tree size).",
    registers: [registry],
    async collect() {
      this.set((await app.ledger?.size()) ?? 0);
    },
  });
  new Gauge({
    name: "rampart_detection_lag_entries",
    help: "Ledger entries appended but not yet read by detection.",
    registers: [registry],
    async collect() {
      const lag = extra.detectionLag?.();
      if (lag !== undefined) this.set(lag);
    },
  });
  new Gauge({
    name: "rampart_trading_state",
    help: "Effective global trading state: 0 ACTIVE, 1 REDUCING, 2 HALTED.",
    registers: [registry],
    collect() {
      const s = extra.tradingState?.();
      if (s !== undefined) this.set(s);
    },
  });
  return {
    registry,
    rateLimited: (scope) => limited.inc({ scope }),
    ipBlocked: () => blocked.inc(),
    install(fastify) {
      fastify.addHook("onResponse", (request, reply, done) => {
        const route = request.routeOptions.url ?? "(unmatched)";
        requests.inc({ route, method: request.method, status: String(reply.statusCode) });
        duration.observe({ route }, reply.elapsedTime / 1000);
        done();
      });
      fastify.addHook("onError", async (_request, _reply, error) => {
        const code = (error as { code?: unknown }).code;
        if (typeof code === "string" && code.startsWith("ERR_")) refusals.inc({ code });
      });
    },
  };
}

export async function operationsRoutes(
  scope: FastifyInstance,
  opts: { app: App; services: GatewayServices; metrics: GatewayMetrics },
): Promise<void> {
  const { app, services, metrics } = opts;
  scope.get("/_rampart/metrics", async (request, reply) => {
    const principal = await services.authenticate(request);
    if (!principal) throw new RampartError("ERR_AUTH_REQUIRED", "authentication required", { status: 401 });
    await services.authorize(request, principal, "system:metrics");
    reply.type(metrics.registry.contentType);
    return reply.send(await metrics.registry.metrics());
  });
  scope.get("/_rampart/ready", async (_request, reply) => {
    const check = async (f: () => Promise<unknown>): Promise<"ok" | "unavailable"> => {
      try {
        await f();
        return "ok";
      } catch {
        return "unavailable";
      }
    };
    const components = {
      database: await check(() => app.store.ping()),
      ledger: await check(async () => app.ledger?.size()),
      ephemeral: await check(() => app.ephemeral.ping()),
    };
    const ready = Object.values(components).every((v) => v === "ok");
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready", ...components });
  });
}
