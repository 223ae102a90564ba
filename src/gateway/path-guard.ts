// Refuses request targets that different parsers could read differently (path confusion): dot
// segments, encoded slashes, dots or backslashes, empty segments, and percent-encoded unreserved
// characters (letters, digits, - . _ ~: RFC 3986 §2.3 says producers should never encode them;
// the router decodes them, a string comparison or an upstream might not). Rampart
// authorises the path it sees; the upstream must see exactly the same path, so ambiguous ones
// never pass (OWASP: canonicalise before validating; here, refuse the non-canonical).
import type { FastifyInstance } from "fastify";
import { RampartError } from "../kernel/index.js";

// (Control characters never get this far: Node's HTTP parser refuses them in the request line.)
// Dot segments, backslashes, empty segments, and %XX for "/", "\" or an unreserved character:
// ALPHA (41-5A, 61-7A), DIGIT (30-39), "-", ".", "_", "~".
const AMBIGUOUS =
  /(^|\/)\.{1,2}(\/|$)|%(?:2f|5c|3[0-9]|4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a]|2d|2e|5f|7e)|\\|\/\//i;

export function isAmbiguousPath(rawUrl: string): boolean {
  const q = rawUrl.indexOf("?");
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  return !path.startsWith("/") || AMBIGUOUS.test(path);
}

export function installPathGuard(fastify: FastifyInstance): void {
  // Callback style: a synchronous check need not allocate a promise on every request.
  fastify.addHook("onRequest", (request, _reply, done) => {
    if (isAmbiguousPath(request.raw.url ?? ""))
      done(new RampartError("ERR_HTTP_BAD_PATH", "request path is not in canonical form", { status: 400 }));
    else done();
  });
}
