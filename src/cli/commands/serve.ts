// `rampart serve` runs the gateway; `rampart start` is the quick start: init the data directory if
// needed, start the bundled demo dashboard on loopback, then the gateway in front of it.
import type { Command } from "commander";
import { startDemoDashboard } from "../../../demo/index.js";
import { startSinks } from "../../audit/index.js";
import {
  type RunningGateway,
  splitHostPort,
  startGateway,
  startSecurity,
  stopSecurity,
} from "../../gateway/index.js";
import type { CliContext } from "../context.js";
import { initDataDir, prepareServices } from "./init.js";
import { untilSignal } from "./signals.js";
import { childEnvironment } from "./trading.js";

interface ServeOptions {
  dataDir?: string;
  listen?: string;
}

async function serve(ctx: CliContext, opts: ServeOptions, withDemo: boolean): Promise<void> {
  const dataDir = ctx.dataDir(opts.dataDir);
  if (withDemo) {
    const report = await initDataDir(dataDir);
    for (const c of report.created) ctx.out(`created  ${c}`);
  }
  const config = ctx.config(dataDir, { listen: opts.listen });
  const app = await ctx.openApp(dataDir, { config });
  if (withDemo) await prepareServices(app, ctx);
  let demo: Awaited<ReturnType<typeof startDemoDashboard>> | undefined;
  let gateway: RunningGateway | undefined;
  let sinks: ReturnType<typeof startSinks> | undefined;
  try {
    if (withDemo && config.demo.enabled) {
      const { host, port } = splitHostPort(config.demo.listen);
      demo = await startDemoDashboard({ host, port });
    }
    gateway = await startGateway(app, {
      trading: { keyEnvValue: ctx.env[config.trading.key_env], childEnv: childEnvironment(ctx.env) },
    });
    // Sinks copy the ledger (and its checkpoints) off the box, each from its own cursor.
    sinks = startSinks(app, { env: ctx.env });
    // Detection reads the ledger as a stream and runs playbooks; after the gateway so a playbook's
    // effects (blocks, read-only mode) apply to requests at once.
    await startSecurity(app, { env: ctx.env });
  } catch (e) {
    await sinks?.stop();
    await gateway?.close();
    await demo?.close();
    await app.close();
    throw e;
  }
  ctx.out(`Rampart ${gateway.url} (database: ${app.store.dialect}, data: ${dataDir})`);
  if (demo) ctx.out(`demo dashboard ${demo.url} (loopback only; reach it through Rampart)`);
  ctx.out(
    [
      "",
      "Next:",
      `  curl --cacert ${dataDir}/tls/cert.pem ${gateway.url}/_rampart/health`,
      `  curl --cacert ${dataDir}/tls/cert.pem ${gateway.url}/pandl      # 401 until you log in`,
      "  rampart --help                      # users, roles, audit, vault, trading controls",
      "Stop with Ctrl-C.",
    ].join("\n"),
  );
  const signal = await untilSignal();
  app.logger.info({ signal }, "shutting down: finishing in-flight requests");
  await gateway.close();
  await stopSecurity(app);
  await sinks?.stop();
  await demo?.close();
  await app.close();
}

export function registerServeCommands(program: Command, ctx: CliContext): void {
  program
    .command("serve")
    .description("run the HTTPS gateway (default 127.0.0.1:8443)")
    .option("--data-dir <dir>", "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)")
    .option("--listen <host:port>", "where to listen (default: server.listen, or $RAMPART_LISTEN)")
    .action((opts: ServeOptions) => serve(ctx, opts, false));
  program
    .command("start")
    .description("quick start: init the data directory if needed, start the demo dashboard and the gateway")
    .option("--data-dir <dir>", "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)")
    .option("--listen <host:port>", "where to listen (default: server.listen, or $RAMPART_LISTEN)")
    .action((opts: ServeOptions) => serve(ctx, opts, true));
}
