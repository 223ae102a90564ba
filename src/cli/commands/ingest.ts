// `rampart ingest tail FILE…`: follows pysystemtrade.log files (format `%(asctime)s %(levelname)s
// %(name)s %(message)s`, attribute dict first) into the audit ledger, through rotation, each from
// its own persisted offset (src/audit/ingest/tail.ts). Records below audit.ingest.min_level are
// skipped. With --once it reads what is there and exits (cron); otherwise it polls until SIGINT/
// SIGTERM. Fail-closed: when the ledger cannot append, the offset stays and the command exits 1.
import { resolve } from "node:path";
import type { Command } from "commander";
import { ingestLogRecords, LOG_LEVELS, LogFollower, levelNumber } from "../../audit/index.js";
import { UsageError } from "../../kernel/index.js";
import { createFileOffsetRepository } from "../../store/index.js";
import type { CliContext } from "../context.js";
import { untilSignal } from "./signals.js";

interface TailOptions {
  dataDir?: string;
  once?: boolean;
  pollMs?: string;
  minLevel?: string;
}

export async function ingestTail(ctx: CliContext, files: string[], o: TailOptions): Promise<void> {
  const pollMs = o.pollMs === undefined ? 1000 : Number(o.pollMs);
  if (!Number.isInteger(pollMs) || pollMs < 10) throw new UsageError("--poll-ms must be an integer >= 10");
  if (o.minLevel !== undefined && levelNumber(o.minLevel) === undefined)
    throw new UsageError("--min-level must be DEBUG, INFO, WARNING, ERROR or CRITICAL");
  const app = await ctx.openApp(ctx.dataDir(o.dataDir));
  const minLevel = levelNumber(o.minLevel ?? app.config.audit.ingest.min_level) ?? LOG_LEVELS.INFO;
  const offsets = createFileOffsetRepository(app.store);
  const log = app.logger.child({ component: "ingest" });
  const accepted = 0;
  const followers = files.map((f) => {
    const path = resolve(f);
    return new LogFollower({
      path,
      offsets,
      logger: log,
      batchSize: app.config.audit.ingest.max_batch,
      deliver: async (records) => {
        await ingestLogRecords(app.audit, records, minLevel, {
          via: "tail",
          file: path,
          principal: undefined,
        });
      },
    });
  });
  let total = 0;
  try {
    if (o.once) {
      for (const f of followers) total += await f.poll(true);
      ctx.out(
        `read ${total} record(s) from ${files.length} file(s); ${accepted} at or above the level recorded`,
      );
      return;
    }
    let stop = false;
    void untilSignal().then(() => {
      stop = true;
    });
    ctx.out(`following ${files.length} file(s); stop with Ctrl-C`);
    while (!stop) {
      for (const f of followers) {
        // A poll that finds nothing new flushes the last record held back (a traceback may follow).
        const n = await f.poll(false);
        total += n === 0 ? await f.poll(true) : n;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
    ctx.out(`read ${total} record(s); ${accepted} recorded`);
  } finally {
    for (const f of followers) await f.close();
    await app.close();
  }
}

export function registerIngestCommands(program: Command, ctx: CliContext): void {
  const ingest = program.command("ingest").description("bring pysystemtrade's logs into the audit ledger");
  ingest
    .command("tail <files...>")
    .description("follow pysystemtrade.log files (survives rotation; resumes from a persisted offset)")
    .option("--data-dir <dir>", "data directory")
    .option("--once", "read what is there now, then exit")
    .option("--poll-ms <ms>", "how often to look for new lines (default 1000)")
    .option("--min-level <level>", "skip records below this level (default: audit.ingest.min_level)")
    .action((files: string[], o: TailOptions) => ingestTail(ctx, files, o));
}
