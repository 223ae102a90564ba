// `rampart vault …`: put, get, list, delete, destroy, render. The CLI runs as the local
// administrator (`local:<os user>`, who holds the master key anyway): no RBAC check, but every read
// and write is a ledger event. Values given as FIELD=VALUE arguments are visible in the process
// list and shell history: prefer --from-stdin.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../../kernel/index.js";
import { VaultRepository } from "../../store/index.js";
import {
  fetchSecrets,
  renderTemplate,
  templateReferences,
  type VaultActor,
  VaultService,
  writePrivateFile,
} from "../../vault/index.js";
import type { CliContext } from "../context.js";
import { type OpenedKeys, openKeys } from "./keys.js";

export interface OpenedVault extends OpenedKeys {
  vault: VaultService;
}

export async function openVault(ctx: CliContext, dataDir: string): Promise<OpenedVault> {
  const k = await openKeys(ctx, dataDir);
  const vault = new VaultService({
    store: new VaultRepository(k.app.store),
    keys: k.keys,
    audit: k.app.audit,
    clock: k.app.clock,
    access: k.app.policy,
    approvalRequired: k.app.config.vault.approval_required,
  });
  return { ...k, vault };
}

const DATA_DIR = [
  "--data-dir <dir>",
  "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)",
] as const;

function parsePairs(pairs: readonly string[]): Record<string, string> {
  const data: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf("=");
    if (i <= 0)
      throw new UsageError(`expected FIELD=VALUE, got "${p.slice(0, 32)}${p.length > 32 ? "…" : ""}"`);
    data[p.slice(0, i)] = p.slice(i + 1);
  }
  return data;
}

/** Standard input: a JSON object of strings, or FIELD=VALUE lines. */
function parseStdin(text: string): Record<string, string> {
  const t = text.trim();
  if (t.startsWith("{")) {
    let o: unknown;
    try {
      o = JSON.parse(t);
    } catch {
      throw new UsageError("standard input is not a valid JSON object");
    }
    if (
      typeof o !== "object" ||
      o === null ||
      Array.isArray(o) ||
      Object.values(o).some((v) => typeof v !== "string")
    )
      throw new UsageError("standard input must be a JSON object of string values");
    return o as Record<string, string>;
  }
  return parsePairs(text.split(/\r?\n/).filter((l) => l.length > 0));
}

async function withVault<T>(
  ctx: CliContext,
  dataDir: string | undefined,
  fn: (v: OpenedVault, actor: VaultActor) => Promise<T>,
): Promise<T> {
  const v = await openVault(ctx, ctx.dataDir(dataDir));
  try {
    return await fn(v, { id: ctx.actor() });
  } finally {
    await v.close();
  }
}

export function registerVaultCommands(program: Command, ctx: CliContext): void {
  const vault = program
    .command("vault")
    .description("versioned, encrypted secrets (broker/ib, email/smtp, …)");

  vault
    .command("put")
    .description("write a new version of PATH with the given fields")
    .argument("<path>", "secret path, e.g. email/smtp")
    .argument("[pairs...]", "FIELD=VALUE (visible in the process list: prefer --from-stdin)")
    .option("--from-stdin", "read a JSON object or FIELD=VALUE lines from standard input")
    .option("--approval <mode>", "required: every read needs a four-eyes approval; none: it does not")
    .option(...DATA_DIR)
    .action(
      async (
        path: string,
        pairs: string[],
        opts: { dataDir?: string; fromStdin?: boolean; approval?: string },
      ) => {
        if (opts.approval !== undefined && opts.approval !== "required" && opts.approval !== "none")
          throw new UsageError("--approval is required or none");
        if (opts.fromStdin && pairs.length > 0)
          throw new UsageError("give FIELD=VALUE arguments or --from-stdin, not both");
        const data = opts.fromStdin ? parseStdin(await ctx.readStdin()) : parsePairs(pairs);
        if (Object.keys(data).length === 0)
          throw new UsageError("nothing to write: give FIELD=VALUE or --from-stdin");
        await withVault(ctx, opts.dataDir, async (v, actor) => {
          const r = await v.vault.put(
            actor,
            path,
            data,
            opts.approval ? { approvalRequired: opts.approval === "required" } : {},
          );
          ctx.out(`${r.path}: version ${r.version} written (${Object.keys(data).length} field(s))`);
        });
      },
    );

  vault
    .command("get")
    .description("read PATH (current version unless --version); --field prints that value alone")
    .argument("<path>")
    .option("--field <field>", "print only this field's value")
    .option("--version <n>", "a version other than the current one")
    .option(...DATA_DIR)
    .action(async (path: string, opts: { dataDir?: string; field?: string; version?: string }) => {
      const version = opts.version === undefined ? undefined : Number(opts.version);
      if (version !== undefined && (!Number.isInteger(version) || version < 1))
        throw new UsageError("--version must be a positive integer");
      await withVault(ctx, opts.dataDir, async (v, actor) => {
        const s = await v.vault.get(actor, path, {
          ...(version === undefined ? {} : { version }),
          ...(opts.field === undefined ? {} : { field: opts.field }),
        });
        if (opts.field !== undefined) ctx.out(s.data[opts.field] as string);
        else ctx.out(JSON.stringify({ path: s.path, version: s.version, data: s.data }, null, 2));
      });
    });

  vault
    .command("list")
    .description("secret paths (names only), optionally under PREFIX")
    .argument("[prefix]", "e.g. broker/", "")
    .option(...DATA_DIR)
    .action(async (prefix: string, opts: { dataDir?: string }) => {
      await withVault(ctx, opts.dataDir, async (v, actor) => {
        const rows = await v.vault.list(actor, prefix);
        for (const r of rows)
          ctx.out(`${r.path}\tv${r.currentVersion}${r.approvalRequired ? "\tapproval required" : ""}`);
        if (rows.length === 0) ctx.out("(no secrets)");
      });
    });

  vault
    .command("delete")
    .description("soft-delete PATH: hidden from reads and lists, versions kept until destroyed")
    .argument("<path>")
    .option(...DATA_DIR)
    .action(async (path: string, opts: { dataDir?: string }) => {
      await withVault(ctx, opts.dataDir, async (v, actor) => {
        await v.vault.delete(actor, path);
        ctx.out(`${path}: deleted (versions kept; \`vault destroy\` removes them for good)`);
      });
    });

  vault
    .command("destroy")
    .description("destroy one version of PATH for good")
    .argument("<path>")
    .requiredOption("--version <n>", "the version to destroy")
    .option(...DATA_DIR)
    .action(async (path: string, opts: { dataDir?: string; version: string }) => {
      const version = Number(opts.version);
      if (!Number.isInteger(version) || version < 1)
        throw new UsageError("--version must be a positive integer");
      await withVault(ctx, opts.dataDir, async (v, actor) => {
        await v.vault.destroy(actor, path, version);
        ctx.out(`${path}: version ${version} destroyed`);
      });
    });

  vault
    .command("render")
    .description('render a template ({{ secret "PATH" "FIELD" }}) into a new 0600 file')
    .argument("<template>")
    .requiredOption("--out <file>", "output file (must not exist)")
    .option(...DATA_DIR)
    .action(async (template: string, opts: { dataDir?: string; out: string }) => {
      const text = readFileSync(template, "utf8");
      await withVault(ctx, opts.dataDir, async (v, actor) => {
        const lookup = await fetchSecrets(v.vault, actor, templateReferences(text, template));
        const rendered = renderTemplate(text, template, lookup);
        const slash = opts.out.lastIndexOf("/");
        writePrivateFile(
          slash < 0 ? "." : opts.out.slice(0, slash) || "/",
          opts.out.slice(slash + 1),
          rendered,
        );
        ctx.out(`rendered ${template} to ${opts.out} (0600)`);
      });
    });
}
