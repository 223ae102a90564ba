// `rampart init`: creates the data directory with rampart.yaml, a 256-bit master key (0600) and a
// self-signed development certificate. Re-running reports what already exists and changes nothing.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { App } from "../../app.js";
import { createMasterKeyFile } from "../../keys/index.js";
import { createDevCertificate } from "../../pki/index.js";
import { type CliContext, CONFIG_FILE } from "../context.js";
import { ensureAdminUser } from "./user.js";

export const STARTER_CONFIG = `# Rampart configuration. Every key is optional: what is not set here takes the default
# shown in rampart.example.yaml (in the Rampart repository), which are the seed's values.
# Unknown keys are rejected at start, with the path and what was expected.
#
# server:
#   listen: 127.0.0.1:8443
# database:
#   url: postgres://rampart@127.0.0.1:5432/rampart   # default: SQLite in this directory
# ephemeral:
#   redis_url: redis://127.0.0.1:6379                 # default: in-memory (one instance)
# upstreams:
#   dashboard: { url: "http://127.0.0.1:8050", timeout_ms: 10000 }
`;

export interface InitReport {
  created: string[];
  existing: string[];
}

/** Idempotent: creates only what is missing. */
export async function initDataDir(dataDir: string): Promise<InitReport> {
  const report: InitReport = { created: [], existing: [] };
  const note = (created: boolean, what: string) => (created ? report.created : report.existing).push(what);
  if (!existsSync(dataDir)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    note(true, `data directory ${dataDir}`);
  }
  const configFile = join(dataDir, CONFIG_FILE);
  if (existsSync(configFile)) note(false, configFile);
  else {
    writeFileSync(configFile, STARTER_CONFIG, { mode: 0o600, flag: "wx" });
    note(true, configFile);
  }
  const keyFile = join(dataDir, "master.key");
  if (existsSync(keyFile)) note(false, `${keyFile} (kept unchanged)`);
  else {
    createMasterKeyFile(keyFile);
    note(true, `${keyFile} (mode 0600: back it up somewhere safe; without it nothing encrypted can be read)`);
  }
  const tlsDir = join(dataDir, "tls");
  const cert = join(tlsDir, "cert.pem");
  const key = join(tlsDir, "key.pem");
  if (existsSync(cert) && existsSync(key)) note(false, `${cert}`);
  else {
    mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
    const pem = await createDevCertificate();
    writeFileSync(key, pem.keyPem, { mode: 0o600 });
    chmodSync(key, 0o600);
    writeFileSync(cert, pem.certPem, { mode: 0o644 });
    note(true, `${cert} (self-signed development certificate for localhost and 127.0.0.1)`);
  }
  return report;
}

/** Creates what the services need once per installation: the internal CA, then the first admin. */
/**
 * Creates what the services need once per database: the internal CA, then the first admin (its
 * one-time password printed once). Idempotent, so `serve` runs it too: a new database (say a
 * PostgreSQL one after `init` made a SQLite one) starts usable instead of failing.
 */
export async function prepareServices(
  app: App,
  ctx?: CliContext,
  opts: { quiet?: boolean } = {},
): Promise<void> {
  await app.pki().ensureCa();
  if (ctx && !(await ensureAdminUser(app, ctx)) && !opts.quiet)
    ctx.out("exists   users (the admin user is only made on a fresh database)");
}

export function registerInitCommand(program: Command, ctx: CliContext): void {
  program
    .command("init")
    .description(
      "create the data directory: rampart.yaml, master.key (0600) and a development TLS certificate",
    )
    .option("--data-dir <dir>", "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)")
    .action(async (opts: { dataDir?: string }) => {
      const dataDir = ctx.dataDir(opts.dataDir);
      const report = await initDataDir(dataDir);
      const app = await ctx.openApp(dataDir);
      try {
        for (const c of report.created) ctx.out(`created  ${c}`);
        for (const c of report.existing) ctx.out(`exists   ${c}`);
        ctx.out(`database ${app.store.dialect}, migrated`);
        await prepareServices(app, ctx);
      } finally {
        await app.close();
      }
    });
}
