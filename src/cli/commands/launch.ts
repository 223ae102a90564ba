// `rampart launch [--profile NAME] [--env NAME=PATH#FIELD]… -- COMMAND…`: runs a pysystemtrade
// process with its secrets rendered into a private directory (PYSYS_PRIVATE_CONFIG_DIR) and
// wiped when it exits; in crontab in place of pysystemtrade's `p` wrapper. The profile runs as its
// service account, or as the local operator with launch.operator_role. Exit code: the child's.
import { tmpdir } from "node:os";
import type { Command } from "commander";
import type { Config } from "../../config/index.js";
import { RampartError, UsageError } from "../../kernel/index.js";
import {
  defaultRuntimeBase,
  type LaunchProfile,
  launch,
  parseSecretRef,
  type VaultActor,
} from "../../vault/index.js";
import type { CliContext } from "../context.js";
import { openVault } from "./vault.js";

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** Environment variables Rampart itself uses: never handed to the child. */
const STRIP_ENV = ["RAMPART_MASTER_KEY", "RAMPART_DATABASE_URL", "RAMPART_REDIS_URL"];

export function resolveLaunchActor(config: Config, profile: string, ctx: CliContext): VaultActor {
  const p = config.launch.profiles[profile];
  if (p?.service_account) {
    const sa = config.launch.service_accounts[p.service_account];
    if (!sa)
      throw new RampartError(
        "ERR_VAULT_UNKNOWN_PRINCIPAL",
        `profile ${profile} names unknown service account ${p.service_account}`,
        {
          status: 400,
        },
      );
    return { id: `service:${p.service_account}`, roles: sa.roles };
  }
  return { id: ctx.actor(), roles: [config.launch.operator_role] };
}

export function registerLaunchCommand(program: Command, ctx: CliContext): void {
  program
    .command("launch")
    .description("run COMMAND with the profile's secrets in a private directory, wiped when it exits")
    .option("--profile <name>", "launch profile (config launch.profiles)", "default")
    .option("--env <NAME=PATH#FIELD>", "also set NAME to a secret field (repeatable)", collect, [])
    .option("--data-dir <dir>", "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)")
    .argument("<command...>", "the command and its arguments, after --")
    .action(async (command: string[], opts: { profile: string; env: string[]; dataDir?: string }) => {
      const v = await openVault(ctx, ctx.dataDir(opts.dataDir));
      let code: number;
      try {
        const cfg = v.app.config.launch;
        const conf = cfg.profiles[opts.profile];
        if (!conf && (opts.profile !== "default" || opts.env.length === 0))
          throw new UsageError(`no launch profile "${opts.profile}" in rampart.yaml (launch.profiles)`);
        const env: Record<string, string> = { ...(conf?.env ?? {}) };
        for (const e of opts.env) {
          const i = e.indexOf("=");
          if (i <= 0 || !/^[A-Z_][A-Z0-9_]*$/.test(e.slice(0, i)))
            throw new UsageError(`--env expects NAME=PATH#FIELD, got ${e}`);
          parseSecretRef(e.slice(i + 1));
          env[e.slice(0, i)] = e.slice(i + 1);
        }
        const profile: LaunchProfile = { name: opts.profile, templates: conf?.templates ?? [], env };
        const baseEnv: Record<string, string | undefined> = { ...ctx.env };
        for (const k of STRIP_ENV) delete baseEnv[k];
        code = await launch(
          {
            vault: v.vault,
            audit: v.app.audit,
            actor: resolveLaunchActor(v.app.config, opts.profile, ctx),
            runtimeBase: cfg.runtime_dir || defaultRuntimeBase(tmpdir()),
            uid: process.getuid?.() ?? -1,
            pid: process.pid,
            baseEnv,
          },
          profile,
          command,
        );
      } finally {
        await v.close();
      }
      ctx.setExitCode(code);
    });
}
