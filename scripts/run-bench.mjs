#!/usr/bin/env node
// Runs the benchmarks under bench/ one after another (they share two cores: never in parallel).
// Each prints JSON lines of figures, every figure with a baseline measured in the same run.
// Usage: npm run bench [-- name ...]   e.g. npm run bench -- authz vault
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

const all = readdirSync("bench")
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.replace(/\.ts$/, ""))
  .sort();
const wanted = process.argv.slice(2);
const run = wanted.length ? all.filter((b) => wanted.includes(b)) : all;
if (run.length === 0) {
  console.error(`no benchmark matched; available: ${all.join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const b of run) {
  process.stderr.write(`== bench/${b}.ts\n`);
  const r = spawnSync(process.execPath, ["--import", "tsx", `bench/${b}.ts`], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench/${b}.ts exited ${r.status}\n`);
  }
}
process.exit(failed ? 1 : 0);
