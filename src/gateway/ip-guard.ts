// The first step of every request: the IP filter (allow/block lists, CIDR, IPv4 and IPv6, expiry).
// A blocked address gets 403 before authentication, rate limiting or routing; the refusal is
// counted, not recorded per request (a flood of blocked requests must not flood the ledger).
import type { FastifyInstance } from "fastify";
import type { App } from "../app.js";
import { RampartError } from "../kernel/index.js";

export function installIpGuard(fastify: FastifyInstance, app: App, onBlocked?: () => void): void {
  fastify.addHook("onRequest", (request, _reply, done) => {
    const decision = app.ipFilter.check(request.ip);
    if (decision.allowed) {
      done();
      return;
    }
    onBlocked?.();
    done(
      new RampartError("ERR_NETWORK_IP_BLOCKED", "access from this address is not allowed", {
        status: 403,
        detail: decision.rule
          ? `${decision.rule.kind} ${decision.rule.cidr}: ${decision.rule.reason}`
          : "default deny",
      }),
    );
  });
}
