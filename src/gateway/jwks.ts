// GET /.well-known/jwks.json: the public keys of Rampart's token signing keys in use (current and
// previous, never retired ones, never a private member, never JWE content keys), RFC 7517.
import type { FastifyInstance } from "fastify";
import type { TokenService } from "../tokens/index.js";

export const JWKS_PATH = "/.well-known/jwks.json";

export async function jwksRoutes(scope: FastifyInstance, opts: { tokens: TokenService }): Promise<void> {
  scope.get(JWKS_PATH, async (_request, reply) => {
    // Short cache: a rotated key must reach verifiers well before its first tokens matter to them.
    reply.header("cache-control", "public, max-age=300");
    reply.type("application/jwk-set+json; charset=utf-8");
    return reply.send(JSON.stringify(opts.tokens.jwks()));
  });
}
