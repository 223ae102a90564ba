// The HTTPS gateway: Fastify on TLS 1.3 only with the seed's cipher suites. Plugins are registered
// in pipeline order (ARCHITECTURE.md "The request path"); the control API lives under /_rampart/.
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { App } from "../app.js";
import { type SecurityWiring, securityFor } from "../app-security.js";
import { startTrading, stopTrading, type TradingWiring, tradingFor } from "../app-trading.js";
import { uuid } from "../crypto/index.js";
import { RampartError } from "../kernel/index.js";
import { auditFailureAction, RESUME_APPROVAL_KIND, tradingResumeApprover } from "../trading/index.js";
import { type ControlRoute, registerControlRoutes } from "./control.js";
import { healthRoutes } from "./health.js";
import { installErrorHandlers } from "./http-errors.js";
import { installIpGuard } from "./ip-guard.js";
import { jwksRoutes } from "./jwks.js";
import { createGatewayMetrics, operationsRoutes } from "./metrics.js";
import { installPathGuard } from "./path-guard.js";
import { proxiedRoutes } from "./proxied-routes.js";
import { UpstreamProxy } from "./proxy.js";
import { RateLimiter } from "./rate-limit.js";
import { installReadOnlyGuard } from "./read-only-guard.js";
import { installAccessLog, lazyChildLoggerFactory } from "./request-logger.js";
import { accessRoutes } from "./routes/access.js";
import { auditRoutes } from "./routes/audit.js";
import { authRoutes } from "./routes/auth.js";
import { incidentRoutes } from "./routes/incidents.js";
import { secretsRoutes } from "./routes/secrets.js";
import { tokenRoutes } from "./routes/tokens.js";
import { tradingGate, tradingRoutes } from "./routes/trading.js";
import { installSecurityHeaders } from "./security-headers.js";
import { createGatewayServices, type ExtraAuthenticators, type GatewayServices } from "./services.js";

export interface GatewayOptions {
  /** Overrides config.server.listen. */
  listen?: string;
  /** PEM strings; default: read config.server.tls files relative to the data directory. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Bearer-token and client-certificate authentication, when those modules are wired. */
  authenticators?: ExtraAuthenticators;
  /** Actuator key and child environment for the trading adapters (serve passes them from its env). */
  trading?: TradingWiring;
  /** Detection and response's wiring: the env holding alert secrets (serve passes its own). */
  security?: SecurityWiring;
  /** More control-API routes (each module's table). */
  controlRoutes?: (app: App) => ControlRoute[];
}

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  readonly fastify: FastifyInstance;
  close(): Promise<void>;
}

function readTls(app: App): { cert: Buffer; key: Buffer } {
  const resolvePath = (p: string) => (isAbsolute(p) ? p : join(app.dataDir, p));
  const { cert_file, key_file } = app.config.server.tls;
  try {
    return { cert: readFileSync(resolvePath(cert_file)), key: readFileSync(resolvePath(key_file)) };
  } catch (e) {
    throw new RampartError(
      "ERR_SERVER_TLS",
      `cannot read the TLS certificate or key (${resolvePath(cert_file)}, ${resolvePath(key_file)}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; run \`rampart init\` to create a development certificate`,
      { status: 500 },
    );
  }
}

export function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(":");
  const host = listen.slice(0, i).replace(/^\[|\]$/g, "");
  return { host, port: Number(listen.slice(i + 1)) };
}

/** Bearer tokens and client certificates, from the tokens and pki modules. */
function defaultAuthenticators(app: App): ExtraAuthenticators {
  const tokens = app.tokens();
  const pki = app.pki();
  return {
    bearer: (authorization, request) => tokens.authenticateBearer(authorization, request.ip, request.id),
    certificate: async (request) => {
      const socket = request.raw.socket as import("node:tls").TLSSocket;
      if (typeof socket.getPeerCertificate !== "function") return null;
      return pki.authenticateCertificate(socket.getPeerCertificate(true), {
        ip: request.ip,
        requestId: request.id,
      });
    },
  };
}

export async function buildGateway(
  app: App,
  opts: GatewayOptions = {},
): Promise<{ fastify: FastifyInstance; proxy: UpstreamProxy; services: GatewayServices }> {
  const { config } = app;
  const tls = opts.tls ?? readTls(app);
  // Client certificates are requested, never required: a service account that presents one chained
  // to Rampart's CA authenticates with it; anything else presented is refused at the application
  // layer (401 with an event), and browsers are not prompted.
  await app.tokens().start({ schedule: true });
  const caPem = await app.pki().caCertificatePem();
  // Typed as the default (http) instance: plugins are written against FastifyInstance, and nothing
  // here depends on the server being https.Server rather than http.Server.
  const fastify = Fastify({
    loggerInstance: app.logger.child({ component: "gateway" }) as FastifyBaseLogger,
    childLoggerFactory: lazyChildLoggerFactory,
    // The ledger records every request; request-logger.ts writes one debug access line instead.
    logController: new LogController({ disableRequestLogging: true }),
    https: {
      cert: tls.cert,
      key: tls.key,
      minVersion: "TLSv1.3",
      maxVersion: "TLSv1.3",
      ciphers: config.server.tls.cipher_suites.join(":"),
      maxHeaderSize: 16 * 1024,
      ca: caPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    bodyLimit: config.server.body_limit_bytes,
    requestTimeout: config.server.request_timeout_ms,
    connectionTimeout: config.server.request_timeout_ms,
    keepAliveTimeout: 72_000,
    trustProxy: config.server.trusted_proxies.length > 0 ? [...config.server.trusted_proxies] : false,
    genReqId: () => uuid(),
    requestIdHeader: false,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  installErrorHandlers(fastify);
  installSecurityHeaders(fastify, config);
  installPathGuard(fastify);
  const proxy = new UpstreamProxy(config);
  const metrics = createGatewayMetrics(app, {
    tradingState: () => {
      const state = tradingFor(app, opts.trading ?? {}).effective(["global"]).state;
      return state === "HALTED" ? 2 : state === "REDUCING" ? 1 : 0;
    },
    detectionLag: () => undefined,
  });
  metrics.install(fastify);
  installAccessLog(fastify);
  installIpGuard(fastify, app, () => metrics.ipBlocked());
  const limiter = new RateLimiter(app, config.rate_limits, (scope) => metrics.rateLimited(scope));
  fastify.addHook("onRequest", async (request, reply) => {
    // By the matched route, not the raw URL (the router decodes percent-encoding).
    if (request.routeOptions.url !== "/_rampart/health") await limiter.beforeAuth(request, reply);
  });
  // Trading first: its state must be loaded before any trading route is served (the gate fails
  // closed until then), and incident response uses the same service.
  const trading = opts.trading ?? {};
  await startTrading(app, trading);
  fastify.addHook("onClose", async () => stopTrading(app));
  // Resuming trading is always a four-eyes change: the approvals module applies it through trading.
  const approvals = app.access().approvals;
  if (!approvals.kinds().includes(RESUME_APPROVAL_KIND))
    approvals.registerApprover(RESUME_APPROVAL_KIND, tradingResumeApprover(tradingFor(app, trading)));
  app.onLedgerUnavailable(
    auditFailureAction(tradingFor(app, trading), config.trading.on_audit_failure, app.logger),
  );
  // After trading: incident response uses the trading service started above with its wiring.
  const security = securityFor(app, opts.security ?? {});
  installReadOnlyGuard(fastify, () => security.isReadOnly());
  const services = createGatewayServices(app, opts.authenticators ?? defaultAuthenticators(app), limiter);
  await fastify.register(healthRoutes, { app });
  await fastify.register(operationsRoutes, { app, services, metrics });
  await fastify.register(jwksRoutes, { tokens: app.tokens() });
  await fastify.register(async (scope) => {
    registerControlRoutes(scope, app, services, [
      ...authRoutes(app),
      ...accessRoutes(app),
      ...auditRoutes(app),
      ...tokenRoutes(app.tokens()),
      ...secretsRoutes({ vault: app.vault() }),
      ...incidentRoutes(app, security),
      ...tradingRoutes(app, trading),
      ...(opts.controlRoutes?.(app) ?? []),
    ]);
  });
  await fastify.register(proxiedRoutes, { app, proxy, services, gate: tradingGate(app, trading) });
  fastify.addHook("onClose", async () => proxy.close());
  return { fastify, proxy, services };
}

export async function startGateway(app: App, opts: GatewayOptions = {}): Promise<RunningGateway> {
  const { fastify } = await buildGateway(app, opts);
  const { host, port } = splitHostPort(opts.listen ?? app.config.server.listen);
  try {
    await fastify.listen({ host, port });
  } catch (e) {
    await fastify.close().catch(() => {});
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw new RampartError(
        "ERR_SERVER_LISTEN",
        `${host}:${port} is already in use (is another Rampart running?)`,
        { status: 500 },
      );
    if (code === "EACCES" || code === "EADDRNOTAVAIL")
      throw new RampartError("ERR_SERVER_LISTEN", `cannot listen on ${host}:${port}: ${code}`, {
        status: 500,
      });
    throw e;
  }
  const addr = fastify.server.address();
  const actualPort = typeof addr === "object" && addr ? addr.port : port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `https://${shownHost}:${actualPort}`,
    port: actualPort,
    fastify,
    close: () => fastify.close(),
  };
}
