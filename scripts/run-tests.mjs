#!/usr/bin/env node
// Runs the whole suite with Node's own test runner over TypeScript sources (tsx loader).
// Usage: npm test [-- path-or-substring ...] to run only matching test files.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const roots = ["src", "test", "demo", "integrations"];
const files = [];
function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === "node_modules") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".test.ts")) files.push(relative(process.cwd(), p));
  }
}
for (const r of roots) walk(r);
const filters = process.argv.slice(2);
const selected = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
selected.sort();
if (selected.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
const args = [
  "--import",
  "tsx",
  "--test",
  "--test-reporter=spec",
  `--test-concurrency=${process.env.RAMPART_TEST_CONCURRENCY ?? 2}`,
  ...selected,
];
const r = spawnSync(process.execPath, args, { stdio: "inherit", env: { ...process.env, NODE_ENV: "test" } });
process.exit(r.status ?? 1);
