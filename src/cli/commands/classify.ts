// `rampart classify NAME…`: the data classification level of a name and the rule that decided it.
import type { Command } from "commander";
import { Classifier } from "../../vault/index.js";
import type { CliContext } from "../context.js";

export function registerClassifyCommand(program: Command, ctx: CliContext): void {
  program
    .command("classify")
    .description(
      "print the classification level of NAME (public, internal, confidential, restricted) and why",
    )
    .argument("<names...>", "data names, e.g. api_key trading_positions")
    .option("--data-dir <dir>", "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)")
    .option("--json", "print JSON")
    .action((names: string[], opts: { dataDir?: string; json?: boolean }) => {
      const classifier = Classifier.fromConfig(ctx.config(ctx.dataDir(opts.dataDir)));
      for (const name of names) {
        const c = classifier.classify(name);
        if (opts.json)
          ctx.out(
            JSON.stringify({
              name,
              level: c.level,
              rule: c.rule,
              encrypt_at_rest: c.encryptAtRest,
              redact: c.redact,
              retention: c.attributes.retention,
            }),
          );
        else ctx.out(`${name}: ${c.level} (${c.rule}; retention ${c.attributes.retention})`);
      }
    });
}
