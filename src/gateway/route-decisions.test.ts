// Decisions the gateway takes per endpoint (the login/MFA rate-limit budget, no-store on the control
// API, read-only mode's always-open routes) follow the route the router matched, not the raw URL:
// Fastify's router decodes percent-encoding, so `/_rampart/v1/auth/%6cogin` is the login route.
// The path guard refuses such paths in the running gateway; these checks run without it, so each
// decision holds on its own.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import type { App } from "../app.js";
import { loadConfig } from "../config/index.js";
import { RateLimiter } from "./rate-limit.js";
import { installReadOnlyGuard } from "./read-only-guard.js";
import { installSecurityHeaders } from "./security-headers.js";

describe("per-endpoint decisions follow the matched route, not the raw URL", () => {
  const config = loadConfig({ fileName: "rampart.yaml", text: undefined, env: {} });
  const taken: string[] = [];
  const app = {
    ephemeral: {
      take: async (key: string) => {
        taken.push(key);
        return { allowed: true, remaining: 1, resetMs: 1000, retryAfterMs: 0 };
      },
    },
  } as unknown as App;
  let fastify: FastifyInstance;
  let readOnly = false;

  before(async () => {
    fastify = Fastify();
    installSecurityHeaders(fastify, config);
    const limiter = new RateLimiter(app, config.rate_limits);
    fastify.addHook("onRequest", async (request, reply) => limiter.beforeAuth(request, reply));
    installReadOnlyGuard(fastify, async () => readOnly);
    for (const url of [
      "/_rampart/v1/auth/login",
      "/_rampart/v1/auth/mfa",
      "/_rampart/v1/auth/step-up",
      "/_rampart/v1/auth/mfa/totp/enroll",
      "/_rampart/v1/auth/mfa/totp/confirm",
      "/rolls",
    ])
      fastify.post(url, async () => ({ ok: true }));
    fastify.get("/_rampart/v1/auth/session", async () => ({ ok: true }));
    await fastify.ready();
  });
  after(async () => fastify?.close());

  test("percent-encoded login, MFA, step-up and TOTP paths take the auth budget", async () => {
    for (const url of [
      "/_rampart/v1/auth/%6cogin",
      "/%5frampart/v1/auth/login",
      "/_rampart/v1/auth/mf%61",
      "/_rampart/v1/auth/step%2dup",
      "/_rampart/v1/auth/mfa/totp/%65nroll",
      "/_rampart/v1/auth/mfa/totp/c%6Fnfirm",
    ]) {
      taken.length = 0;
      const res = await fastify.inject({ method: "POST", url });
      assert.equal(res.statusCode, 200, url);
      assert.deepEqual(taken, ["rl:auth:127.0.0.1", "rl:ip:127.0.0.1"], url);
    }
    taken.length = 0;
    await fastify.inject({ method: "POST", url: "/r%6flls" });
    assert.deepEqual(taken, ["rl:ip:127.0.0.1"], "other routes: the per-IP budget only");
  });

  test("a percent-encoded control-API path gets Cache-Control: no-store", async () => {
    for (const url of ["/%5frampart/v1/auth/session", "/_rampart/v1/auth/%73ession"]) {
      const res = await fastify.inject({ method: "GET", url });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers["cache-control"], "no-store", url);
    }
    const proxied = await fastify.inject({ method: "POST", url: "/rolls" });
    assert.equal(proxied.headers["cache-control"], undefined);
  });

  test("read-only mode: always-open routes are recognised by route, however the path is spelled", async () => {
    readOnly = true;
    try {
      assert.equal(
        (await fastify.inject({ method: "POST", url: "/_rampart/v1/auth/%6cogin" })).statusCode,
        200,
      );
      assert.equal(
        (await fastify.inject({ method: "POST", url: "/_rampart/v1/auth/login" })).statusCode,
        200,
      );
      assert.equal((await fastify.inject({ method: "POST", url: "/rolls" })).statusCode, 423);
    } finally {
      readOnly = false;
    }
  });
});
