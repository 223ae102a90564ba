// Reverse proxy to the configured upstreams over undici connection pools (keep-alive).
// Hop-by-hop headers (RFC 9110 §7.6.1) are stripped both ways; Rampart's own credentials (session
// and CSRF cookies, bearer token, X-CSRF-Token) and any client-sent X-Rampart-* header never reach
// the upstream, nor do headers an upstream could read as something Rampart vouches for: names with
// an underscore (CGI/WSGI map `x_rampart_user` to X-Rampart-User), Forwarded and the client's own
// X-Forwarded-* / X-Real-IP (Rampart sets X-Forwarded-For/-Proto/-Host itself), and the method
// overrides (the upstream must run the method Rampart authorised). An upstream that does not
// answer in time is 504; one that cannot be reached is 502.
import type { FastifyReply, FastifyRequest } from "fastify";
import { errors, Pool } from "undici";
import type { Config } from "../config/index.js";
import { RampartError } from "../kernel/index.js";
import { CSRF_COOKIE, SESSION_COOKIE } from "./services.js";

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
]);

/** Client request headers never forwarded (besides hop-by-hop, `_` in the name and x-rampart-*). */
const NEVER_FORWARDED = new Set([
  "authorization",
  "x-csrf-token",
  "forwarded",
  "x-real-ip",
  "x-http-method-override",
  "x-method-override",
  "x-http-method",
]);

/** Rampart's own cookies, compared by trimmed, lower-cased name (as no parser could disagree). */
const RAMPART_COOKIES = new Set([SESSION_COOKIE.toLowerCase(), CSRF_COOKIE.toLowerCase()]);

/** Upstream answers up to this size (with a Content-Length) are buffered rather than streamed. */
const BUFFER_LIMIT_BYTES = 64 * 1024;

export interface UpstreamIdentity {
  user: string;
  roles: readonly string[];
}

export class UpstreamProxy {
  private readonly pools = new Map<string, { pool: Pool; timeoutMs: number; basePath: string }>();

  constructor(config: Config) {
    for (const [name, u] of Object.entries(config.upstreams)) {
      const url = new URL(u.url);
      this.pools.set(name, {
        pool: new Pool(url.origin, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 }),
        timeoutMs: u.timeout_ms,
        basePath: url.pathname.replace(/\/$/, ""),
      });
    }
  }

  async forward(
    upstream: string,
    request: FastifyRequest,
    reply: FastifyReply,
    identity: UpstreamIdentity | null,
    body: Buffer | undefined,
  ): Promise<FastifyReply> {
    const target = this.pools.get(upstream);
    if (!target) throw new RampartError("ERR_GATEWAY_UPSTREAM_UNKNOWN", "no such upstream", { status: 502 });
    const headers = requestHeaders(request, identity);
    try {
      const res = await target.pool.request({
        method: request.method as "GET",
        path: target.basePath + request.url,
        headers,
        body: body && body.length > 0 ? body : null,
        headersTimeout: target.timeoutMs,
        bodyTimeout: target.timeoutMs,
      });
      reply.code(res.statusCode);
      for (const [k, v] of Object.entries(res.headers)) {
        if (v === undefined || HOP_BY_HOP.has(k)) continue;
        reply.header(k, v);
      }
      // A small answer of known length is read whole and sent in one write (one TLS record and
      // syscall instead of a stream's several); anything else is streamed through.
      const length = Number(res.headers["content-length"]);
      if (Number.isInteger(length) && length <= BUFFER_LIMIT_BYTES)
        return reply.send(Buffer.from(await res.body.arrayBuffer()));
      return reply.send(res.body);
    } catch (e) {
      if (e instanceof errors.HeadersTimeoutError || e instanceof errors.BodyTimeoutError)
        throw new RampartError("ERR_GATEWAY_UPSTREAM_TIMEOUT", "upstream did not answer in time", {
          status: 504,
          detail: `${upstream}: ${(e as Error).message}`,
        });
      throw new RampartError("ERR_GATEWAY_UPSTREAM_UNAVAILABLE", "upstream unavailable", {
        status: 502,
        detail: `${upstream}: ${(e as Error).message}`,
      });
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.pool.close()));
  }
}

function requestHeaders(request: FastifyRequest, identity: UpstreamIdentity | null): Record<string, string> {
  const out: Record<string, string> = {};
  const connectionListed = new Set(
    String(request.headers.connection ?? "")
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  for (const [k, v] of Object.entries(request.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || connectionListed.has(k)) continue;
    if (
      NEVER_FORWARDED.has(k) ||
      k.includes("_") ||
      k.startsWith("x-rampart-") ||
      k.startsWith("x-forwarded-")
    )
      continue;
    if (k === "cookie") {
      const kept = stripSessionCookie(Array.isArray(v) ? v.join("; ") : v);
      if (kept) out[k] = kept;
      continue;
    }
    out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  out["x-request-id"] = request.id;
  out["x-forwarded-for"] = request.ip;
  out["x-forwarded-proto"] = "https";
  if (request.headers.host) out["x-forwarded-host"] = request.headers.host;
  if (identity) {
    out["x-rampart-user"] = identity.user;
    out["x-rampart-roles"] = identity.roles.join(",");
  }
  return out;
}

/**
 * The Cookie header without Rampart's session and CSRF cookies. Names are trimmed, as readCookie
 * (services.ts) trims them (`__Host-rampart_session =TOKEN` is the session cookie), and compared
 * case-insensitively, which strips more than readCookie accepts (an upstream might not tell case);
 * a pair without `=` is judged by its whole text as a name.
 */
export function stripSessionCookie(cookie: string): string {
  return cookie
    .split(";")
    .map((c) => c.trim())
    .filter((c) => {
      if (!c) return false;
      const i = c.indexOf("=");
      const name = (i === -1 ? c : c.slice(0, i)).trim().toLowerCase();
      return !RAMPART_COOKIES.has(name);
    })
    .join("; ");
}
