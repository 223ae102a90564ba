// `rampart serve` runs the gateway; `rampart start` is the quick start: init the data directory if
// needed, start the bundled demo dashboard on loopback, then the gateway in front of it.
import cluster from "node:cluster";
import type { Command } from "commander";
import { startDemoDashboard } from "../../../demo/index.js";
import { startSecurity, stopSecurity } from "../../app-security.js";
import { startSinks } from "../../audit/index.js";
import { type RunningGateway, splitHostPort, startGateway } from "../../gateway/index.js";
import { UsageError } from "../../kernel/index.js";
import type { CliContext } from "../context.js";
import { initDataDir, prepareServices } from "./init.js";
import { untilSignal } from "./signals.js";
import { childEnvironment } from "./trading.js";

interface ServeOptions {
  dataDir?: string;
  listen?: string;
  workers?: string;
}

/**
 * `--workers N`: N processes share the listening socket (node:cluster) so the gateway uses every
 * core. Counters, revocations, blocks and trading state must then be shared, so Redis is required;
 * the ledger stays one ordered log (each batch takes the database's write lock). Only worker 1 runs
 * the background consumers (detection, sinks), which keep one cursor each.
 */
async function servePrimary(ctx: CliContext, opts: ServeOptions, workers: number): Promise<void> {
  const dataDir = ctx.dataDir(opts.dataDir);
  const config = ctx.config(dataDir, { listen: opts.listen });
  if (!config.ephemeral.redis_url)
    throw new UsageError(
      "--workers needs shared ephemeral state: set ephemeral.redis_url or RAMPART_REDIS_URL (rate limits, revocations and blocks must be seen by every worker)",
    );
  if (!config.database.url?.startsWith("postgres"))
    ctx.err(
      `rampart: note: ${workers} workers share one SQLite file, so their ledger commits take turns on its write lock; on a small machine one process is often faster. For several cores, use PostgreSQL (database.url).`,
    );
  // Once, before any worker: the CA and the first admin (workers would race to create them).
  const app = await ctx.openApp(dataDir, { config });
  try {
    await prepareServices(app, ctx, { quiet: true });
  } finally {
    await app.close();
  }
  let stopping = false;
  const fork = (id: number) => cluster.fork({ RAMPART_WORKER_ID: String(id) });
  const ids = new Map<number, number>();
  for (let i = 1; i <= workers; i++) ids.set(fork(i).id, i);
  let listening = 0;
  cluster.on("listening", (_w, address) => {
    if (++listening === workers)
      ctx.out(
        `Rampart https://${address.address}:${address.port} (${workers} workers, database: ${config.database.url ? "postgres" : "sqlite"}, data: ${dataDir})`,
      );
  });
  // A worker that dies is replaced, unless workers keep dying (a crash loop): then stop, exit 1.
  const deaths: number[] = [];
  let giveUp: (() => void) | undefined;
  const crashLoop = new Promise<"crash-loop">((resolve) => {
    giveUp = () => resolve("crash-loop");
  });
  cluster.on("exit", (w, code, signal) => {
    const id = ids.get(w.id) ?? 0;
    ids.delete(w.id);
    if (stopping) return;
    const now = Date.now();
    deaths.push(now);
    while (deaths.length && (deaths[0] as number) < now - 60_000) deaths.shift();
    if (deaths.length > 2 * workers) {
      ctx.err(`rampart: workers keep exiting (last: worker ${id}, ${signal ?? code}); stopping`);
      giveUp?.();
      return;
    }
    ctx.err(`rampart: worker ${id} exited (${signal ?? code}); starting a new one`);
    ids.set(fork(id).id, id);
  });
  const why = await Promise.race([untilSignal(), crashLoop]);
  stopping = true;
  await Promise.all(
    Object.values(cluster.workers ?? {}).map(
      (w) =>
        new Promise<void>((resolve) => {
          if (!w || w.isDead()) return resolve();
          w.once("exit", () => resolve());
          w.kill("SIGTERM");
        }),
    ),
  );
  if (why === "crash-loop") ctx.setExitCode(1);
  exitIfStillAlive((open) =>
    ctx.err(`rampart: shut down, but something still held the process open (${open.join(", ")}); exiting`),
  );
}

async function serve(ctx: CliContext, opts: ServeOptions, withDemo: boolean): Promise<void> {
  const workers = opts.workers === undefined ? 1 : Number(opts.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new UsageError("--workers must be a whole number from 1 to 64");
  if (workers > 1 && cluster.isPrimary) return servePrimary(ctx, opts, workers);
  const workerId = Number(ctx.env["RAMPART_WORKER_ID"] ?? 1);
  const dataDir = ctx.dataDir(opts.dataDir);
  if (withDemo) {
    const report = await initDataDir(dataDir);
    for (const c of report.created) ctx.out(`created  ${c}`);
  }
  const config = ctx.config(dataDir, { listen: opts.listen });
  const app = await ctx.openApp(dataDir, { config, ledgerWriterThread: true });
  if (!cluster.isWorker) await prepareServices(app, ctx, { quiet: true });
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
      // The env carries the alert channels' secrets (webhook HMAC keys, the SMTP password).
      security: { env: ctx.env },
    });
    if (workerId === 1) {
      // Sinks copy the ledger (and its checkpoints) off the box, each from its own cursor.
      sinks = startSinks(app, { env: ctx.env });
      // Detection reads the ledger as a stream and runs playbooks; after the gateway so a
      // playbook's effects (blocks, read-only mode) apply to requests at once.
      await startSecurity(app);
    }
  } catch (e) {
    await sinks?.stop();
    await gateway?.close();
    await demo?.close();
    await app.close();
    throw e;
  }
  if (cluster.isWorker) {
    app.logger.info({ worker: workerId, url: gateway.url }, "worker listening");
  } else ctx.out(`Rampart ${gateway.url} (database: ${app.store.dialect}, data: ${dataDir})`);
  if (demo) ctx.out(`demo dashboard ${demo.url} (loopback only; reach it through Rampart)`);
  if (cluster.isPrimary)
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
  if (workerId === 1) await stopSecurity(app);
  await sinks?.stop();
  await demo?.close();
  await app.close();
  // A worker's IPC channel to the primary would keep it alive after everything closed.
  if (cluster.isWorker) cluster.worker?.disconnect();
  exitIfStillAlive((open) =>
    app.logger.warn({ open }, "shut down, but something still held the process open; exiting"),
  );
}

/**
 * Everything has been closed, so the process should now end by itself. If something still holds
 * it open (a library's socket or timer), a stopped gateway would linger for ever under a service
 * manager that waits for it: say what is open, and exit.
 */
function exitIfStillAlive(say: (open: string[]) => void): void {
  setTimeout(() => {
    // This timer is unref'd, so it is not among the resources listed.
    say(process.getActiveResourcesInfo());
    process.exit();
  }, LINGER_MS).unref();
}

/** How long a shut-down process may take to end by itself. */
const LINGER_MS = 5000;

export function registerServeCommands(program: Command, ctx: CliContext): void {
  program
    .command("serve")
    .description("run the HTTPS gateway (default 127.0.0.1:8443)")
    .option("--data-dir <dir>", "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)")
    .option("--listen <host:port>", "where to listen (default: server.listen, or $RAMPART_LISTEN)")
    .option(
      "--workers <n>",
      "processes sharing the port, one per core (needs Redis: ephemeral.redis_url)",
      "1",
    )
    .action((opts: ServeOptions) => serve(ctx, opts, false));
  program
    .command("start")
    .description("quick start: init the data directory if needed, start the demo dashboard and the gateway")
    .option("--data-dir <dir>", "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)")
    .option("--listen <host:port>", "where to listen (default: server.listen, or $RAMPART_LISTEN)")
    .action((opts: ServeOptions) => serve(ctx, opts, true));
}
