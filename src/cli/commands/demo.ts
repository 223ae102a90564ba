// `rampart demo-dashboard`: the bundled stand-in for pysystemtrade's dashboard, on its own.
import type { Command } from "commander";
import { startDemoDashboard } from "../../../demo/index.js";
import { splitHostPort } from "../../gateway/index.js";
import type { CliContext } from "../context.js";
import { untilSignal } from "./signals.js";

export function registerDemoCommands(program: Command, ctx: CliContext): void {
  program
    .command("demo-dashboard")
    .description(
      "run the demo trading dashboard (a stand-in for pysystemtrade's Flask dashboard) on loopback",
    )
    .option("--listen <host:port>", "where to listen", "127.0.0.1:8050")
    .action(async (opts: { listen: string }) => {
      const { host, port } = splitHostPort(opts.listen);
      const demo = await startDemoDashboard({ host, port });
      ctx.out(`demo dashboard on ${demo.url} (no authentication: keep it on loopback, behind Rampart)`);
      await untilSignal();
      await demo.close();
    });
}
