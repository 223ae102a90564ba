// The route map: METHOD + path → the action a request needs. Exact paths are one Map lookup;
// prefix routes ("/static/*") are tried longest first, so the most specific route decides.
// HEAD is answered by a GET route unless a HEAD route exists. Anything unmatched is null (404):
// a request reaches an upstream only through a route with an action.
import type { RouteConfig } from "../config/index.js";
import { parseAction } from "./action-grammar.js";
import { routeInvalid } from "./errors.js";
import { decodeRequestPath } from "./request-path.js";
import type { RouteMap, RouteMatch } from "./types.js";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]);

interface PrefixRoute {
  /** The path up to and including the final "/", e.g. "/static/". */
  readonly prefix: string;
  readonly route: Readonly<RouteConfig>;
}

interface MethodTable {
  readonly exact: Map<string, RouteMatch>;
  readonly prefixes: PrefixRoute[];
}

class CompiledRouteMap implements RouteMap {
  readonly actions: readonly string[];
  constructor(
    readonly routes: readonly Readonly<RouteConfig>[],
    private readonly tables: ReadonlyMap<string, MethodTable>,
  ) {
    this.actions = Object.freeze([...new Set(routes.map((r) => r.action))].sort());
    Object.freeze(this);
  }

  match(method: string, target: string): RouteMatch | null {
    const path = decodeRequestPath(target);
    if (path === null) return null;
    const found = this.lookup(method, path);
    if (found !== null || method !== "HEAD") return found;
    return this.lookup("GET", path);
  }

  private lookup(method: string, path: string): RouteMatch | null {
    const t = this.tables.get(method);
    if (t === undefined) return null;
    const exact = t.exact.get(path);
    if (exact !== undefined) return exact;
    for (const p of t.prefixes) {
      // "/static/*" needs something after "/static/": neither "/static" nor "/static/" matches.
      if (path.length > p.prefix.length && path.startsWith(p.prefix)) {
        return Object.freeze({ route: p.route, action: p.route.action, path });
      }
    }
    return null;
  }
}

/** Problems with one route's path, or null. A route path is written already decoded and plain. */
function pathProblem(path: string): string | null {
  const star = path.indexOf("*");
  if (star >= 0 && (star !== path.length - 1 || !path.endsWith("/*")))
    return `a * may only end a path, after a slash ("/static/*"), got ${JSON.stringify(path)}`;
  const plain = star >= 0 ? path.slice(0, -1) : path;
  if (plain.includes("%"))
    return `write the path decoded, without percent escapes, got ${JSON.stringify(path)}`;
  if (decodeRequestPath(plain) !== plain || plain.includes("?") || plain.includes("#"))
    return `expected a plain path starting with / (no "." or ".." segments, no "//"), got ${JSON.stringify(path)}`;
  return null;
}

/**
 * Compiles routes. Throws ERR_ACCESS_ROUTE_INVALID naming every route with an unknown method,
 * a malformed path or action, or a (method, path) pair already taken by an earlier route.
 */
export function compileRouteMap(routes: readonly Readonly<RouteConfig>[]): RouteMap {
  const problems: string[] = [];
  const tables = new Map<string, MethodTable>();
  routes.forEach((route, i) => {
    const where = `routes[${i}]`;
    if (!METHODS.has(route.method)) {
      problems.push(
        `${where}.method: expected one of ${[...METHODS].join(", ")}, got ${JSON.stringify(route.method)}`,
      );
      return;
    }
    const bad = pathProblem(route.path);
    if (bad !== null) {
      problems.push(`${where}.path: ${bad}`);
      return;
    }
    if (parseAction(route.action) === null) {
      problems.push(
        `${where}.action: malformed action ${JSON.stringify(route.action)} (expected domain:verb)`,
      );
      return;
    }
    let t = tables.get(route.method);
    if (t === undefined) {
      t = { exact: new Map(), prefixes: [] };
      tables.set(route.method, t);
    }
    const duplicate = `${where}: ${route.method} ${route.path} is already mapped by an earlier route`;
    if (route.path.endsWith("/*")) {
      const prefix = route.path.slice(0, -1);
      if (t.prefixes.some((p) => p.prefix === prefix)) problems.push(duplicate);
      else t.prefixes.push({ prefix, route });
    } else if (t.exact.has(route.path)) {
      problems.push(duplicate);
    } else {
      t.exact.set(route.path, Object.freeze({ route, action: route.action, path: route.path }));
    }
  });
  if (problems.length > 0) throw routeInvalid(problems);
  for (const t of tables.values()) t.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  return new CompiledRouteMap(Object.freeze([...routes]), tables);
}
