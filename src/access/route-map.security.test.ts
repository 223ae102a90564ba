// Property: no spelling of a path reaches a route it does not literally name. Dot segments,
// encoded slashes and dots, double encoding, backslashes, doubled slashes and malformed escapes
// are refused (null → 404) rather than normalised into something an upstream may read otherwise.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { loadConfig } from "../config/index.js";
import { compileRouteMap, decodeRequestPath } from "./index.js";

const routes = compileRouteMap(loadConfig({ fileName: "rampart.yaml", text: undefined }).routes);

test("traversal and encoding tricks do not match any route", () => {
  const attempts = [
    "/static/../processes",
    "/static/./processes",
    "/static/%2e%2e/processes",
    "/static/%2E%2E/processes",
    "/static/.%2e/processes",
    "/static/%2e/processes",
    "/static/..%2fprocesses",
    "/static/a%2Fb",
    "/static/a%2fb",
    "/static/a%5Cb",
    "/static/a\\b",
    "/static/..\\processes",
    "/static/%252e%252e/processes",
    "/static/%25",
    "/static//processes",
    "//rolls",
    "/static/%",
    "/static/%2",
    "/static/%zz",
    "/static/%00",
    "/static/a%0ab",
    "/static/%ff",
    "/static/%C0%AE%C0%AE/processes",
    "/static/a b",
    "/static/\u00e9",
    "rolls",
    "*",
    "",
    "?/rolls",
    "https://dashboard/rolls",
    "/static/..",
    "/static/.",
  ];
  for (const target of attempts) {
    for (const method of ["GET", "HEAD", "POST"]) {
      assert.equal(routes.match(method, target), null, `${method} ${JSON.stringify(target)}`);
    }
  }
});

test("an escape of an ordinary character decodes to the route the upstream will also route to", () => {
  assert.equal(routes.match("POST", "/ro%6Cls")?.action, "trading:modify_roll_state");
  assert.equal(routes.match("POST", "/ro%6cls")?.path, "/rolls");
  assert.equal(routes.match("GET", "/%52olls"), null, "decoding does not fold case");
});

test("any accepted path is decoded and plain: no dot segment, no empty interior segment, no backslash", () => {
  const piece = fc.constantFrom(
    "/",
    ".",
    "..",
    "%2e",
    "%2E",
    "%2f",
    "%2F",
    "%5c",
    "%25",
    "%",
    "a",
    "static",
    "\\",
    "%41",
    "?",
    ";",
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
      const target = `/${parts.join("")}`;
      const path = decodeRequestPath(target);
      if (path === null) return;
      const segments = path.split("/").slice(1);
      segments.forEach((s, i) => {
        assert.ok(s !== "." && s !== "..", `${target} → ${path}`);
        assert.ok(s !== "" || i === segments.length - 1, `${target} → ${path}`);
      });
      assert.ok(!path.includes("\\") && !path.includes("%"), `${target} → ${path}`);
    }),
    { numRuns: 5000 },
  );
});
