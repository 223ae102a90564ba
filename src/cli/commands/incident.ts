// `rampart incident list|show|ack|resolve|false-positive`: incidents from the database; changes
// are recorded in the ledger as the local operator (`local:<os user>`).
import type { Command } from "commander";
import type { App } from "../../app.js";
import { securityFor } from "../../app-security.js";
import { inclusionProof } from "../../audit/index.js";
import { UsageError } from "../../kernel/index.js";
import {
  INCIDENT_STATUSES,
  type Incident,
  type IncidentStatus,
  type Responder,
} from "../../response/index.js";
import { createLedgerRepository, IncidentRepository } from "../../store/index.js";
import type { CliContext } from "../context.js";

/**
 * The server's responder for this App (src/app-security.ts), so that the CLI's actions reach the
 * same places: a false positive lifts its blocks from the IP filter the gateway checks (a running
 * server reloads it within seconds), a resolution releases read-only mode.
 */
export function cliResponder(app: App): Responder {
  return securityFor(app).responder;
}

function line(i: Incident): string {
  const when = new Date(i.firstEventAt).toISOString();
  return `${i.id}  ${i.status.padEnd(14)} ${i.severity.padEnd(8)} ${i.type}  ${i.subject}  ${i.eventCount} event(s)${i.escalated ? " ESCALATED" : ""}  since ${when}`;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

export function registerIncidentCommands(program: Command, ctx: CliContext): void {
  const incident = program
    .command("incident")
    .description("security incidents: list, show, acknowledge, resolve");
  const withApp = async (dataDir: string | undefined, keys: boolean, fn: (app: App) => Promise<void>) => {
    const app = await ctx.openApp(ctx.dataDir(dataDir), keys ? {} : { withoutKeys: true });
    try {
      await fn(app);
    } finally {
      await app.close();
    }
  };
  incident
    .command("list")
    .description("incidents, newest first")
    .option("--status <status>", `one of ${INCIDENT_STATUSES.join(", ")}`)
    .option("--type <type>", "incident type")
    .option("--open", "only incidents not resolved or false positives")
    .option("--limit <n>", "at most this many", "50")
    .option("--json", "print JSON")
    .option("--data-dir <dir>", "data directory")
    .action(
      async (o: {
        status?: string;
        type?: string;
        open?: boolean;
        limit: string;
        json?: boolean;
        dataDir?: string;
      }) => {
        if (o.status !== undefined && !(INCIDENT_STATUSES as readonly string[]).includes(o.status))
          throw new UsageError(`--status must be one of ${INCIDENT_STATUSES.join(", ")}`);
        const limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError("--limit must be a positive integer");
        await withApp(o.dataDir, false, async (app) => {
          const list = await new IncidentRepository(app.store).list({
            status: o.status as IncidentStatus | undefined,
            type: o.type,
            open: o.open,
            limit,
          });
          ctx.out(
            o.json
              ? JSON.stringify(list, null, 2)
              : list.length === 0
                ? "no incidents"
                : list.map(line).join("\n"),
          );
        });
      },
    );
  incident
    .command("show <id>")
    .description("one incident: evidence (with inclusion proofs in --json), actions, context")
    .option("--json", "print JSON")
    .option("--data-dir <dir>", "data directory")
    .action(async (id: string, o: { json?: boolean; dataDir?: string }) => {
      await withApp(o.dataDir, false, async (app) => {
        const view = await cliResponder(app).view(id);
        const repo = createLedgerRepository(app.store);
        const size = await repo.size();
        if (o.json) {
          const evidence = [];
          for (const e of view.evidence.slice(0, 500))
            evidence.push({
              ...e,
              tree_size: size,
              proof: (await inclusionProof(repo, e.index, size)).map(hex),
            });
          ctx.out(JSON.stringify({ ...view, evidence }, null, 2));
          return;
        }
        const i = view.incident;
        const out = [
          line(i),
          `  rules: ${i.rules.join(", ")}`,
          `  context: ips=${i.context.ips.join(",") || "-"} users=${i.context.users.join(",") || "-"} instruments=${i.context.instruments.join(",") || "-"} patterns=${i.context.patterns.join(",") || "-"}`,
          `  evidence (ledger indices; proofs with --json or \`rampart audit proof --index N\`): ${view.evidence.map((e) => e.index).join(", ")}`,
          "  actions:",
          ...view.actions.map(
            (a) =>
              `    ${a.key}: ${a.status}${a.attempts > 0 ? ` (${a.attempts} attempt(s))` : ""}${a.detail ? ` — ${a.detail}` : ""}`,
          ),
        ];
        if (i.acknowledgedBy) out.push(`  acknowledged by ${i.acknowledgedBy}`);
        if (i.closedBy) out.push(`  ${i.status} by ${i.closedBy}: ${i.resolution ?? ""}`);
        ctx.out(out.join("\n"));
      });
    });
  const actor = () => ({ id: ctx.actor(), via: "cli" as const });
  incident
    .command("ack <id>")
    .description("acknowledge: a person is on it (detected -> responding)")
    .option("--data-dir <dir>", "data directory")
    .action(async (id: string, o: { dataDir?: string }) => {
      await withApp(o.dataDir, true, async (app) => {
        ctx.out(line(await cliResponder(app).acknowledge(id, actor())));
      });
    });
  for (const [name, verb, desc] of [
    ["resolve", "resolve", "close as resolved (lifts read-only mode it set)"],
    ["false-positive", "markFalsePositive", "close as a false positive (also lifts its IP blocks)"],
  ] as const) {
    incident
      .command(`${name} <id>`)
      .description(desc)
      .requiredOption("--note <text>", "what was found or done")
      .option("--data-dir <dir>", "data directory")
      .action(async (id: string, o: { note: string; dataDir?: string }) => {
        if (o.note.trim() === "") throw new UsageError("--note must not be empty");
        await withApp(o.dataDir, true, async (app) => {
          ctx.out(line(await cliResponder(app)[verb](id, actor(), o.note.trim())));
        });
      });
  }
}
