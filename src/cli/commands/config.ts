// `rampart config check`: validates rampart.yaml and prints the effective config, secrets masked.
import type { Command } from "commander";
import { stringify } from "yaml";
import { maskSecrets } from "../../config/index.js";
import type { CliContext } from "../context.js";

export function registerConfigCommands(program: Command, ctx: CliContext): void {
  const config = program.command("config").description("inspect the configuration");
  config
    .command("check")
    .description(
      "validate rampart.yaml (with environment overrides) and print the effective configuration, secrets masked",
    )
    .option("--data-dir <dir>", "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)")
    .option("--json", "print JSON instead of YAML")
    .action((opts: { dataDir?: string; json?: boolean }) => {
      const c = ctx.config(ctx.dataDir(opts.dataDir));
      const masked = maskSecrets(c);
      ctx.out(
        opts.json
          ? JSON.stringify(masked, null, 2)
          : `# effective configuration (valid)\n${stringify(masked)}`,
      );
    });
}
