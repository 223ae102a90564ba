// Liveness: GET /_rampart/health answers while the process can serve, with the database dialect.
import type { FastifyInstance } from "fastify";
import type { App } from "../app.js";
import { VERSION } from "../kernel/index.js";

export async function healthRoutes(scope: FastifyInstance, opts: { app: App }): Promise<void> {
  const { app } = opts;
  scope.get("/_rampart/health", async (_request, reply) => {
    let database = "ok";
    try {
      await app.store.ping();
    } catch {
      database = "unavailable";
    }
    const body = {
      status: database === "ok" ? "ok" : "degraded",
      version: VERSION,
      database: app.store.dialect,
      uptimeSeconds: Math.floor((app.clock.now() - app.startedAt) / 1000),
    };
    return reply.code(database === "ok" ? 200 : 503).send(body);
  });
}
