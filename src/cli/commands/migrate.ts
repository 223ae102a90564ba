// `rampart migrate`: runs the database migrations explicitly and reports the schema version.
import type { Command } from "commander";
import { migrationStatus } from "../../store/index.js";
import type { CliContext } from "../context.js";

export function registerMigrateCommand(program: Command, ctx: CliContext): void {
  program
    .command("migrate")
    .description("run pending database migrations and report the schema version")
    .option("--data-dir <dir>", "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)")
    .action(async (opts: { dataDir?: string }) => {
      const dataDir = ctx.dataDir(opts.dataDir);
      const app = await ctx.openApp(dataDir, { withoutKeys: true });
      try {
        const status = await migrationStatus(app.store);
        ctx.out(
          `database ${app.store.dialect}: schema version ${status.version ?? "none"} (${status.applied.length} migrations applied, ${status.pending.length} pending)`,
        );
      } finally {
        await app.close();
      }
    });
}
