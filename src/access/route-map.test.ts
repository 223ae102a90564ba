// The route map over the pysystemtrade profile: exact and prefix routes, HEAD via GET, and the
// compile-time checks that keep a route map from being an open door.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig, type RouteConfig } from "../config/index.js";
import { compileRouteMap } from "./index.js";

const config = loadConfig({ fileName: "rampart.yaml", text: undefined });
const routes = compileRouteMap(config.routes);
const action = (method: string, path: string): string | null => routes.match(method, path)?.action ?? null;
const route = (method: RouteConfig["method"], path: string, act = "reports:view_standard"): RouteConfig => ({
  method,
  path,
  upstream: "dashboard",
  action: act,
});

test("the pysystemtrade dashboard routes map to their actions", () => {
  assert.equal(action("GET", "/"), "reports:view_standard");
  assert.equal(action("GET", "/capital"), "reports:view_pnl");
  assert.equal(action("GET", "/processes"), "system:view_processes");
  assert.equal(action("GET", "/rolls"), "reports:view_standard");
  assert.equal(action("POST", "/rolls"), "trading:modify_roll_state");
  assert.equal(action("GET", "/static/css/app.css"), "reports:view_standard");
  assert.equal(action("GET", "/rolls?instrument=SOFR&x=/../"), "reports:view_standard");
  assert.equal(action("GET", "/static/x/"), "reports:view_standard");
});

test("unmapped methods and paths are null (404), never a default", () => {
  assert.equal(action("DELETE", "/rolls"), null);
  assert.equal(action("PUT", "/rolls"), null);
  assert.equal(action("OPTIONS", "/"), null);
  assert.equal(action("get", "/rolls"), null, "methods are case-sensitive");
  assert.equal(action("GET", "/Rolls"), null, "paths are case-sensitive");
  assert.equal(action("GET", "/rolls/"), null, "a trailing slash is another path");
  assert.equal(action("GET", "/static"), null);
  assert.equal(action("GET", "/static/"), null, "a prefix route needs something after the prefix");
  assert.equal(action("GET", "/nowhere"), null);
  assert.equal(action("POST", "/capital"), null);
});

test("HEAD is answered by the GET route, unless a HEAD route exists", () => {
  assert.equal(action("HEAD", "/capital"), "reports:view_pnl");
  assert.equal(action("HEAD", "/static/a.js"), "reports:view_standard");
  const m = compileRouteMap([route("GET", "/x"), route("HEAD", "/x", "data:head_only")]);
  assert.equal(m.match("HEAD", "/x")?.action, "data:head_only");
  assert.equal(m.match("GET", "/x")?.action, "reports:view_standard");
  assert.equal(compileRouteMap([route("POST", "/x")]).match("HEAD", "/x"), null);
});

test("exact routes beat prefix routes; longer prefixes beat shorter ones", () => {
  const m = compileRouteMap([
    route("GET", "/*", "data:any"),
    route("GET", "/static/*", "data:static"),
    route("GET", "/static/admin/*", "data:admin"),
    route("GET", "/static/admin/open", "data:open"),
  ]);
  assert.equal(m.match("GET", "/static/admin/x")?.action, "data:admin");
  assert.equal(m.match("GET", "/static/admin/open")?.action, "data:open");
  assert.equal(m.match("GET", "/static/adminx")?.action, "data:static");
  assert.equal(m.match("GET", "/other")?.action, "data:any");
  assert.equal(m.match("GET", "/")?.action, undefined);
});

test("the match names the route, its action and the decoded path; actions are listed once, sorted", () => {
  const m = routes.match("GET", "/static/caf%C3%A9.css?v=1");
  assert.equal(m?.path, "/static/café.css");
  assert.equal(m?.route.upstream, "dashboard");
  assert.ok(Object.isFrozen(routes) && Object.isFrozen(routes.actions));
  assert.deepEqual(routes.actions, [...new Set(config.routes.map((r) => r.action))].sort());
});

test("a route map with a bad method, path, action or a duplicate does not compile, naming each route", () => {
  const bad = [
    route("GET", "/ok"),
    route("GET", "/ok", "data:again"),
    { ...route("GET", "/x"), method: "TRACE" } as unknown as RouteConfig,
    route("GET", "/static*"),
    route("GET", "/a/*/b"),
    route("GET", "/a/../b"),
    route("GET", "/a//b"),
    route("GET", "/a%2Fb"),
    route("GET", "relative"),
    route("GET", "/y", "Data:Read"),
    route("GET", "/p/*"),
    route("GET", "/p/*"),
  ];
  assert.throws(
    () => compileRouteMap(bad),
    (e: unknown) => {
      assert.ok(e instanceof Error && "code" in e && e.code === "ERR_ACCESS_ROUTE_INVALID");
      for (const i of [1, 2, 3, 4, 5, 6, 7, 8, 9, 11])
        assert.match(e.message, new RegExp(`routes\\[${i}\\]`), `route ${i}`);
      assert.doesNotMatch(e.message, /routes\[0\]|routes\[10\]/);
      return true;
    },
  );
});
