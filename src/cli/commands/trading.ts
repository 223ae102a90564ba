// `rampart trading …`: status, halt, reduce, resume (propose), approve, requests, actions, drill.
// Thin: parse, call the trading service, render. A halt takes effect in the database and is
// published at once; the output says whether the trading system confirmed it. A resume is only
// proposed here: a different person approves it (`rampart trading approve ID`, or the API).
import type { Command } from "commander";
import type { App } from "../../app.js";
import { tradingFor } from "../../app-trading.js";
import type { StateChange, TradingAction, TradingActor, TradingService } from "../../trading/index.js";
import type { CliContext } from "../context.js";

/** The App's trading service (src/app-trading.ts), with the actuator key and environment of this process. */
export function cliTradingService(app: App, ctx: CliContext): TradingService {
  return tradingFor(app, {
    keyEnvValue: app.config.trading.key_env ? ctx.env[app.config.trading.key_env] : undefined,
    childEnv: childEnvironment(ctx.env),
  });
}

/** The environment for the actuator: Rampart's own, without its secrets (RAMPART_*). */
export function childEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !k.startsWith("RAMPART_")) out[k] = v;
  return out;
}

function renderAction(a: TradingAction): string {
  const t = a.elapsedMs === null ? "" : ` in ${a.elapsedMs} ms`;
  return `  ${a.adapter} ${a.verb} ${a.scope}: ${a.status}${t}${a.error ? ` (${a.error})` : ""}`;
}

function renderChange(c: StateChange): string {
  const lines = [
    `${c.scope}: ${c.before} -> ${c.after}${c.audited ? "" : " (NOT recorded in the ledger: see the log)"}`,
  ];
  if (!c.stored)
    lines.push(
      "  NOT stored: the database did not answer. The adapter was told, but Rampart's gateway will not enforce it until it is stored: run this again once the database is back",
    );
  if (c.actions.length === 0)
    lines.push("  no control adapter configured (trading.adapter: none): Rampart's gateway enforces it");
  for (const a of c.actions) lines.push(renderAction(a));
  return lines.join("\n");
}

export function registerTradingCommands(program: Command, ctx: CliContext): void {
  const trading = program
    .command("trading")
    .description("trading state: halt, reduce, four-eyes resume, drills");
  const dataDirOpt = [
    "--data-dir <dir>",
    "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)",
  ] as const;
  const actor = (): TradingActor => ({ id: ctx.actor(), via: "cli" });

  const withTrading = async <T>(
    opts: { dataDir?: string },
    fn: (t: TradingService) => Promise<T>,
  ): Promise<T> => {
    // With the master key: trading changes are recorded in the audit ledger, not only the log.
    const app = await ctx.openApp(ctx.dataDir(opts.dataDir));
    const t = cliTradingService(app, ctx);
    try {
      await t.start();
      return await fn(t);
    } finally {
      await t.stop();
      await app.close();
    }
  };
  /** Exit 1 when a change was not stored, or an action it sent was not confirmed. */
  const failedIfAny = (c: StateChange) => {
    if (!c.stored || c.actions.some((a) => a.status !== "confirmed")) ctx.setExitCode(1);
  };

  trading
    .command("status")
    .description("the trading state of every scope and the effective global state")
    .option("--json", "machine-readable output")
    .option(...dataDirOpt)
    .action(async (opts: { json?: boolean; dataDir?: string }) => {
      const r = await withTrading(opts, async (t) => ({
        effective: t.effective(["global"]).state,
        states: t.states(),
        requests: await t.listResumeRequests(),
      }));
      if (opts.json) return ctx.out(JSON.stringify(r, null, 2));
      ctx.out(`global: ${r.effective}`);
      for (const s of r.states)
        ctx.out(
          `${s.scope}: ${s.state} since ${new Date(s.changedAt).toISOString()} by ${s.changedBy} (${s.reason})`,
        );
      for (const q of r.requests)
        ctx.out(`resume request ${q.id} for ${q.scope}: ${q.status}${q.drill ? " (drill)" : ""}`);
    });

  trading
    .command("halt")
    .description("halt trading for a scope (default global); --broker also sends STOP to IBC")
    .option("--scope <scope>", "global, strategy:NAME or instrument:CODE", "global")
    .requiredOption("--reason <text>", "why (recorded in the ledger)")
    .option("--broker", "also stop the IB Gateway through IBC's command server")
    .option(...dataDirOpt)
    .action(async (opts: { scope: string; reason: string; broker?: boolean; dataDir?: string }) => {
      const c = await withTrading(opts, (t) =>
        t.halt({ scope: opts.scope, reason: opts.reason, actor: actor(), broker: opts.broker === true }),
      );
      ctx.out(renderChange(c));
      failedIfAny(c);
    });

  trading
    .command("reduce")
    .description("reduce-only for a scope (default global): only risk-reducing trading routes pass")
    .option("--scope <scope>", "global, strategy:NAME or instrument:CODE", "global")
    .requiredOption("--reason <text>", "why (recorded in the ledger)")
    .option(...dataDirOpt)
    .action(async (opts: { scope: string; reason: string; dataDir?: string }) => {
      const c = await withTrading(opts, (t) =>
        t.reduce({ scope: opts.scope, reason: opts.reason, actor: actor() }),
      );
      ctx.out(renderChange(c));
      failedIfAny(c);
    });

  trading
    .command("resume")
    .description("propose a resume; a different person must approve it (four eyes)")
    .option("--scope <scope>", "global, strategy:NAME or instrument:CODE", "global")
    .requiredOption("--reason <text>", "why (recorded in the ledger)")
    .option("--drill", "a drill approval, applied later by `rampart trading drill`")
    .option(...dataDirOpt)
    .action(async (opts: { scope: string; reason: string; drill?: boolean; dataDir?: string }) => {
      const r = await withTrading(opts, (t) =>
        t.proposeResume({
          scope: opts.scope,
          reason: opts.reason,
          actor: actor(),
          drill: opts.drill === true,
        }),
      );
      ctx.out(
        `resume request ${r.id} for ${r.scope} proposed by ${r.proposedBy}; expires ${new Date(r.expiresAt).toISOString()}`,
      );
      ctx.out(`a different person approves it with: rampart trading approve ${r.id}`);
    });

  trading
    .command("approve <id>")
    .description("approve someone else's resume request (applies it, unless it is a drill approval)")
    .option(...dataDirOpt)
    .action(async (id: string, opts: { dataDir?: string }) => {
      const r = await withTrading(opts, (t) => t.approveResume(id, actor()));
      if (!r.change)
        return ctx.out(
          `drill approval ${id} for ${r.request.scope} approved; use it with rampart trading drill`,
        );
      ctx.out(renderChange(r.change));
      failedIfAny(r.change);
    });

  trading
    .command("actions")
    .description("the latest verbs sent to the control adapters, and whether they were confirmed")
    .option("--json", "machine-readable output")
    .option(...dataDirOpt)
    .action(async (opts: { json?: boolean; dataDir?: string }) => {
      const list = await withTrading(opts, (t) => t.listActions(50));
      if (opts.json) return ctx.out(JSON.stringify(list, null, 2));
      for (const a of list)
        ctx.out(`${new Date(a.createdAt).toISOString()} ${renderAction(a).trim()} (${a.reason})`);
    });

  trading
    .command("drill")
    .description(
      "halt, wait for confirmation, resume through a pre-approved drill approval; times are recorded",
    )
    .option("--scope <scope>", "global, strategy:NAME or instrument:CODE", "global")
    .requiredOption(
      "--approval <id>",
      "a drill approval (rampart trading resume --drill, approved by someone else)",
    )
    .option("--reason <text>", "why (recorded in the ledger)", "scheduled kill-switch drill")
    .option("--json", "machine-readable output")
    .option(...dataDirOpt)
    .action(
      async (opts: { scope: string; approval: string; reason: string; json?: boolean; dataDir?: string }) => {
        const r = await withTrading(opts, (t) =>
          t.drill({ scope: opts.scope, approvalId: opts.approval, reason: opts.reason, actor: actor() }),
        );
        if (opts.json) ctx.out(JSON.stringify(r, null, 2));
        else {
          ctx.out(
            `drill on ${r.scope}: time to halt ${r.timeToHaltMs} ms; time to confirm ${r.timeToConfirmMs ?? "-"} ms`,
          );
          ctx.out(`confirmed: ${r.confirmed ? "yes" : "no"}; resumed: ${r.resumed ? "yes" : "no"}`);
          for (const a of r.actions) ctx.out(renderAction(a));
        }
        if (!r.confirmed || !r.resumed) ctx.setExitCode(1);
      },
    );
}
