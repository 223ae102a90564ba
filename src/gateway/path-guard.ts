// Refuses request targets that different parsers could read differently (path confusion): dot
// segments, encoded slashes, dots or backslashes, empty segments. Rampart
// authorises the path it sees; the upstream must see exactly the same path, so ambiguous ones
// never pass (OWASP: canonicalise before validating; here, refuse the non-canonical).
import type { FastifyInstance } from "fastify";
import { RampartError } from "../kernel/index.js";

// (Control characters never get this far: Node's HTTP parser refuses them in the request line.)
const AMBIGUOUS = /(^|\/)\.{1,2}(\/|$)|%2e|%2f|%5c|\\|\/\//i;

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
