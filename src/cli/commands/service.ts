// `rampart service …`: service accounts that authenticate by client certificate from Rampart's CA.
//   service add NAME --role ROLE…          create (roles from config; segregation of duties applies)
//   service cert NAME --out DIR [--ttl 30d] issue a certificate; the key is generated here, written 0600
//   service revoke-cert SERIAL              revoke (checked on every request)
//   service list                            accounts and their certificates
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { Actor } from "../../identity/index.js";
import type { PkiService } from "../../pki/index.js";
import type { CliContext } from "../context.js";
import { parseDurationSeconds } from "./duration.js";

/** The App's PKI service (segregation of duties applies to service-account roles). */
const DATA_DIR = [
  "--data-dir <dir>",
  "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)",
] as const;
const collect = (v: string, prev: string[]) => [...prev, v];
const iso = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"));

async function withPki<T>(
  ctx: CliContext,
  dataDir: string | undefined,
  fn: (p: PkiService, actor: Actor) => Promise<T>,
) {
  const app = await ctx.openApp(ctx.dataDir(dataDir));
  try {
    const p = app.pki();
    await p.ensureCa();
    return await fn(p, { via: "cli", userId: ctx.actor() });
  } finally {
    await app.close();
  }
}

export function registerServiceCommands(program: Command, ctx: CliContext): void {
  const service = program.command("service").description("service accounts with client certificates (mTLS)");

  service
    .command("add")
    .description("create a service account with RBAC roles")
    .argument("<name>", "lower-case letters, digits, - and _")
    .requiredOption("--role <role>", "a configured role (repeatable)", collect, [])
    .option(...DATA_DIR)
    .action(async (name: string, opts: { role: string[]; dataDir?: string }) => {
      await withPki(ctx, opts.dataDir, async (p, actor) => {
        const a = await p.addServiceAccount(name, opts.role, actor);
        ctx.out(`created service account ${a.name} (${a.roles.join(", ")})`);
      });
    });

  service
    .command("cert")
    .description("issue a client certificate; writes NAME.crt, NAME.key (0600) and ca.crt into DIR")
    .argument("<name>", "the service account")
    .requiredOption("--out <dir>", "directory to write the certificate, key and CA certificate into")
    .option("--ttl <duration>", "lifetime, e.g. 30d (default pki.cert_default_ttl, at most pki.cert_max_ttl)")
    .option(...DATA_DIR)
    .action(async (name: string, opts: { out: string; ttl?: string; dataDir?: string }) => {
      const ttl = opts.ttl === undefined ? undefined : parseDurationSeconds(opts.ttl, "--ttl");
      await withPki(ctx, opts.dataDir, async (p, actor) => {
        const c = await p.issueCertificate(name, actor, ttl);
        if (!existsSync(opts.out)) mkdirSync(opts.out, { recursive: true, mode: 0o700 });
        const keyFile = join(opts.out, `${name}.key`);
        writeFileSync(keyFile, c.keyPem, { mode: 0o600 });
        chmodSync(keyFile, 0o600);
        writeFileSync(join(opts.out, `${name}.crt`), c.certPem, { mode: 0o644 });
        writeFileSync(join(opts.out, "ca.crt"), c.caPem, { mode: 0o644 });
        ctx.out(
          `certificate ${c.serial} for spiffe://rampart/service/${name}, valid until ${iso(c.notAfter)}`,
        );
        ctx.out(`wrote ${join(opts.out, `${name}.crt`)}, ${keyFile} (0600), ${join(opts.out, "ca.crt")}`);
      });
    });

  service
    .command("revoke-cert")
    .description("revoke a client certificate by serial (hex)")
    .argument("<serial>", "the certificate's serial number")
    .option(...DATA_DIR)
    .action(async (serial: string, opts: { dataDir?: string }) => {
      await withPki(ctx, opts.dataDir, async (p, actor) => {
        const r = await p.revokeCertificate(serial, actor);
        ctx.out(`revoked certificate ${r.serial}`);
      });
    });

  service
    .command("list")
    .description("service accounts and their certificates")
    .option("--json", "print JSON")
    .option(...DATA_DIR)
    .action(async (opts: { json?: boolean; dataDir?: string }) => {
      await withPki(ctx, opts.dataDir, async (p) => {
        const rows = await p.listServiceAccounts();
        if (opts.json) return ctx.out(JSON.stringify(rows, null, 2));
        if (rows.length === 0) return ctx.out("no service accounts");
        for (const a of rows) {
          ctx.out(`${a.name}  ${a.status}  roles ${a.roles.join(",")}`);
          for (const c of a.certificates)
            ctx.out(`  ${c.serial}  ${c.status.padEnd(7)}  until ${iso(c.notAfter)}`);
        }
      });
    });
}
