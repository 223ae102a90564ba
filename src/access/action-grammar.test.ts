// The action and pattern grammar, case by case.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isValidAction, parseAction, parsePattern } from "./index.js";

test("actions: domain:verb with an optional path of plain segments", () => {
  for (const a of [
    "trading:place_orders",
    "data:read_all",
    "secrets:read:broker/ib",
    "secrets:read:a.b/c-d_e/F9",
    "x:y:.hidden",
  ]) {
    assert.equal(isValidAction(a), true, a);
  }
  for (const a of [
    "",
    "trading",
    "trading:",
    ":place_orders",
    "Trading:place_orders",
    "trading:Place",
    "9x:y",
    "trading:place orders",
    "trading:*",
    "*",
    "secrets:read:",
    "secrets:read:/abs",
    "secrets:read:a/",
    "secrets:read:a//b",
    "secrets:read:../x",
    "secrets:read:a/./b",
    "secrets:read:a:b",
    "secrets:read:a*",
    "secrets:read:a\\b",
    "secrets:read:é",
  ]) {
    assert.equal(isValidAction(a), false, a);
  }
  assert.deepEqual(parseAction("secrets:read:broker/ib"), {
    action: "secrets:read:broker/ib",
    domain: "secrets",
    verbKey: "secrets:read",
    path: "broker/ib",
  });
});

test("patterns: *, domain:*, an action, or a path prefix ending in *", () => {
  assert.deepEqual(parsePattern("*"), { kind: "any", pattern: "*" });
  assert.deepEqual(parsePattern("trading:*"), { kind: "domain", pattern: "trading:*", domain: "trading" });
  assert.deepEqual(parsePattern("config:modify"), { kind: "exact", pattern: "config:modify" });
  assert.deepEqual(parsePattern("secrets:read:broker/*"), {
    kind: "prefix",
    pattern: "secrets:read:broker/*",
    verbKey: "secrets:read",
    prefix: "broker/",
  });
  assert.equal(parsePattern("secrets:read:*")?.kind, "prefix");
  assert.equal(parsePattern("secrets:read:broker/i*")?.kind, "prefix");
  for (const p of [
    "",
    "**",
    "*:*",
    "*:read",
    "trading:place_*",
    "trading:*:x",
    "secrets:*:x/*",
    "secrets:read:",
    "secrets:read:/a*",
    "secrets:read:a//*",
    "secrets:read:*/x",
    "secrets:read:a*b*",
    "secrets:read:../*",
    "Trading:*",
  ]) {
    assert.equal(parsePattern(p), null, p);
  }
});
