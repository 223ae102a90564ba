// The `rampart` command line. Exit codes: 0 ok, 1 a negative answer or failure, 2 usage or config error.
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/index.js";
import { isRampartError, UsageError, VERSION } from "../kernel/index.js";
import { registerAccessCommands } from "./commands/access.js";
import { registerApprovalCommands } from "./commands/approval.js";
import { registerAuditCommands } from "./commands/audit.js";
import { registerAuthzCommands } from "./commands/authz.js";
import { registerClassifyCommand } from "./commands/classify.js";
import { registerConfigCommands } from "./commands/config.js";
import { registerDemoCommands } from "./commands/demo.js";
import { registerDetectCommands } from "./commands/detect.js";
import { registerIncidentCommands } from "./commands/incident.js";
import { registerIngestCommands } from "./commands/ingest.js";
import { registerInitCommand } from "./commands/init.js";
import { registerIpCommands } from "./commands/ip.js";
import { registerKeysCommands } from "./commands/keys.js";
import { registerLaunchCommand } from "./commands/launch.js";
import { registerMigrateCommand } from "./commands/migrate.js";
import { registerServeCommands } from "./commands/serve.js";
import { registerServiceCommands } from "./commands/service.js";
import { registerTokenCommands } from "./commands/token.js";
import { registerTradingCommands } from "./commands/trading.js";
import { registerUserCommands } from "./commands/user.js";
import { registerVaultCommands } from "./commands/vault.js";
import { type CliContext, createCliContext } from "./context.js";

export function buildProgram(ctx: CliContext): Command {
  const program = new Command("rampart")
    .description("Rampart: the security control plane in front of a pysystemtrade deployment.")
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerInitCommand(program, ctx);
  registerServeCommands(program, ctx);
  registerMigrateCommand(program, ctx);
  registerConfigCommands(program, ctx);
  registerDemoCommands(program, ctx);
  registerUserCommands(program, ctx);
  registerAuditCommands(program, ctx);
  registerIpCommands(program, ctx);
  registerIngestCommands(program, ctx);
  registerKeysCommands(program, ctx);
  registerTokenCommands(program, ctx);
  registerTradingCommands(program, ctx);
  registerServiceCommands(program, ctx);
  registerVaultCommands(program, ctx);
  registerLaunchCommand(program, ctx);
  registerClassifyCommand(program, ctx);
  registerAuthzCommands(program, ctx);
  registerAccessCommands(program, ctx);
  registerApprovalCommands(program, ctx);
  registerDetectCommands(program, ctx);
  registerIncidentCommands(program, ctx);
  return program;
}

export async function runCli(argv: string[], ctx: CliContext = createCliContext()): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof ConfigError) {
      ctx.err(`rampart: ${e.message}`);
      return 2;
    }
    if (e instanceof UsageError) {
      ctx.err(`rampart: ${e.message}`);
      return 2;
    }
    if (isRampartError(e)) {
      ctx.err(`rampart: ${e.code}: ${e.message}`);
      return 1;
    }
    ctx.err(`rampart: unexpected error: ${(e as Error)?.stack ?? String(e)}`);
    return 1;
  }
}
