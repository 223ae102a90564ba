// Generates biome.json: the dependency-direction rules of ../shared/ARCHITECTURE.md as restricted imports.
// Edit the LAYERS table here, then `node scripts/gen-biome.mjs`.
import { writeFileSync } from "node:fs";

const R = {
  fastify: "Only src/gateway imports Fastify.",
  "@fastify/cookie": "Only src/gateway imports Fastify plugins.",
  "node:http": "Domain code knows nothing of HTTP.",
  "node:https": "Domain code knows nothing of HTTP.",
  "better-sqlite3": "Only src/store imports database drivers.",
  pg: "Only src/store imports database drivers.",
  ioredis: "Only src/store imports the Redis driver.",
  kysely: "Only src/store builds queries: domain modules depend on ports.",
  commander: "Only src/cli imports the CLI framework.",
  "node:crypto": "Only src/crypto imports node:crypto: call its functions instead.",
};
const pick = (...k) => Object.fromEntries(k.map((x) => [x, R[x]]));
const all = Object.keys(R);
const domain = [
  "kernel",
  "config",
  "keys",
  "identity",
  "tokens",
  "pki",
  "access",
  "audit",
  "vault",
  "trading",
  "detection",
  "response",
  "compliance",
  "scanner",
  "network",
];
const layers = [
  { includes: domain.map((d) => `src/${d}/**`), paths: pick(...all), noProcessEnv: true },
  { includes: ["src/crypto/**"], paths: pick(...all.filter((x) => x !== "node:crypto")), noProcessEnv: true },
  {
    includes: ["src/store/**"],
    paths: pick("fastify", "@fastify/cookie", "commander", "node:crypto"),
    noProcessEnv: true,
  },
  {
    includes: ["src/gateway/**"],
    paths: pick("better-sqlite3", "pg", "ioredis", "kysely", "commander", "node:crypto"),
    noProcessEnv: true,
  },
  {
    includes: ["src/cli/**"],
    paths: pick("fastify", "@fastify/cookie", "better-sqlite3", "pg", "ioredis", "kysely", "node:crypto"),
    noProcessEnv: false,
  },
];
const overrides = layers.map((l) => ({
  includes: l.includes,
  linter: {
    rules: {
      style: {
        noProcessEnv: l.noProcessEnv ? "error" : "off",
        noRestrictedImports: { level: "error", options: { paths: l.paths } },
      },
    },
  },
}));
overrides.push({
  includes: ["**/*.test.ts", "test/**", "bench/**", "scripts/**", "demo/**"],
  linter: { rules: { style: { noProcessEnv: "off", noRestrictedImports: "off" } } },
});
const config = {
  $schema: "./node_modules/@biomejs/biome/configuration_schema.json",
  vcs: { enabled: true, clientKind: "git", useIgnoreFile: true },
  // Code only: prose (Markdown) and data (YAML, JSON) keep their authors' formatting.
  files: { includes: ["**/*.ts", "**/*.mjs", "**/*.js", "!**/node_modules", "!**/dist", "!**/rampart-data"] },
  formatter: { enabled: true, indentStyle: "space", indentWidth: 2, lineWidth: 110 },
  javascript: { formatter: { quoteStyle: "double", trailingCommas: "all", semicolons: "always" } },
  linter: {
    enabled: true,
    rules: {
      preset: "recommended",
      suspicious: { noExplicitAny: "error" },
      style: { noNonNullAssertion: "off", useTemplate: "off" },
      complexity: { useLiteralKeys: "off" },
    },
  },
  overrides,
};
writeFileSync(new URL("../biome.json", import.meta.url), `${JSON.stringify(config, null, 2)}\n`);
// Biome checks its own configuration file's formatting too.
(await import("node:child_process")).execFileSync("npx", ["biome", "format", "--write", "biome.json"], {
  stdio: "ignore",
});
