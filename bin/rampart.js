#!/usr/bin/env node
// The `rampart` command. Runs the compiled CLI (npm run build, done by npm ci/npm start).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const compiled = fileURLToPath(new URL("../dist/src/cli/bin.js", import.meta.url));
if (!existsSync(compiled)) {
  process.stderr.write("rampart: not built yet; run `npm run build` (npm ci does it for you)\n");
  process.exit(2);
}
await import(compiled);
