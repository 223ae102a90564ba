// Read-only mode (incident response's immediate_isolation): while it holds, every request that
// could change something is refused with 423 — proxied writes (POST /rolls) and control-API writes
// alike — except logging in and closing the incident, or nobody could end it.
import type { FastifyInstance } from "fastify";
import { RampartError } from "../kernel/index.js";

const READS = new Set(["GET", "HEAD", "OPTIONS"]);
const ALWAYS_OPEN = [
  /^\/_rampart\/v1\/auth\/(login|mfa|step-up|logout)$/,
  /^\/_rampart\/v1\/incidents\/[^/]+\/(resolve|false-positive|ack)$/,
];

export function installReadOnlyGuard(fastify: FastifyInstance, isReadOnly: () => Promise<boolean>): void {
  // `route` is the matched route's pattern (e.g. /_rampart/v1/incidents/:id/resolve), not the raw
  // URL: the router decodes percent-encoding, a string match on the raw URL would not.
  const guard = async (route: string | undefined): Promise<void> => {
    if (route !== undefined && ALWAYS_OPEN.some((r) => r.test(route))) return;
    if (await isReadOnly())
      throw new RampartError(
        "ERR_READ_ONLY_MODE",
        "Rampart is in read-only mode while an incident is contained",
        {
          status: 423,
        },
      );
  };
  fastify.addHook("preHandler", (request, _reply, done) => {
    if (READS.has(request.method)) {
      done();
      return;
    }
    void guard(request.routeOptions.url).then(() => done(), done);
  });
}
