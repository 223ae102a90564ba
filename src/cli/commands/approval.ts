// `rampart approval propose|approve|reject|list|show`: four-eyes proposals from the local CLI.
// The operator names the Rampart user they act as (`--as NAME`): that user's roles are checked,
// and the requester can never approve their own proposal. The CLI trusts its operator to be who
// `--as` says (they already hold the data directory and master key); remote approvals go through
// the API, which adds a session and step-up MFA.
import type { Command } from "commander";
import { type ApprovalActor, type Proposal, type ProposalStatus, proposalView } from "../../access/index.js";
import type { App } from "../../app.js";
import { RampartError, UsageError } from "../../kernel/index.js";
import type { CliContext } from "../context.js";

const dataDirOpt = [
  "--data-dir <dir>",
  "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)",
] as const;
const STATUSES = ["pending", "approved", "rejected", "expired", "failed"];

async function actorFor(app: App, ctx: CliContext, name: string | undefined): Promise<ApprovalActor> {
  if (!name) throw new UsageError("--as NAME is required: the Rampart user you act as");
  const u = await app.identity().getUser(name);
  if (u.status !== "active")
    throw new RampartError("ERR_ACCESS_DENIED", `user ${u.username} is ${u.status}`, { status: 403 });
  return { id: u.id, name: u.username, roles: u.roles, via: `cli:${ctx.actor()}` };
}

function line(p: Proposal): string {
  const when = new Date(p.createdAt).toISOString().replace(/\.\d{3}Z$/, "Z");
  return `${p.id}  ${p.status.padEnd(8)}  ${when}  ${p.requestedByName}  ${p.summary}`;
}

export function registerApprovalCommands(program: Command, ctx: CliContext): void {
  const approval = program
    .command("approval")
    .description("four-eyes proposals: propose, approve, reject, list");

  const withApp = async <T>(opts: { dataDir?: string }, fn: (app: App) => Promise<T>): Promise<T> => {
    const app = await ctx.openApp(ctx.dataDir(opts.dataDir));
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  };

  approval
    .command("propose <kind>")
    .description(
      "propose a change: user.set_roles {username, roles}, role.define {role, permissions, restrictions}, or a kind another module registered",
    )
    .requiredOption("--payload <json>", "the exact change as JSON")
    .option("--as <name>", "the Rampart user proposing")
    .option("--reason <text>", "why")
    .option("--json", "machine-readable output")
    .option(...dataDirOpt)
    .action(
      async (
        kind: string,
        opts: { payload: string; as?: string; reason?: string; json?: boolean; dataDir?: string },
      ) => {
        let payload: unknown;
        try {
          payload = JSON.parse(opts.payload);
        } catch {
          throw new UsageError("--payload is not valid JSON");
        }
        const p = await withApp(opts, async (app) =>
          app.access().approvals.propose(await actorFor(app, ctx, opts.as), {
            kind,
            payload,
            reason: opts.reason,
          }),
        );
        ctx.out(
          opts.json
            ? JSON.stringify(proposalView(p), null, 2)
            : `proposal ${p.id}: ${p.summary}\nawaiting approval by another user until ${new Date(p.expiresAt).toISOString()}`,
        );
      },
    );

  for (const verb of ["approve", "reject"] as const) {
    approval
      .command(`${verb} <id>`)
      .description(
        verb === "approve"
          ? "approve a proposal (another user than its requester) and apply the change"
          : "reject a proposal (its requester may withdraw it)",
      )
      .option("--as <name>", "the Rampart user deciding")
      .option("--note <text>", "a note for the record")
      .option("--json", "machine-readable output")
      .option(...dataDirOpt)
      .action(async (id: string, opts: { as?: string; note?: string; json?: boolean; dataDir?: string }) => {
        const p = await withApp(opts, async (app) => {
          const a = app.access().approvals;
          const actor = await actorFor(app, ctx, opts.as);
          return verb === "approve" ? a.approve(actor, id, opts.note) : a.reject(actor, id, opts.note);
        });
        ctx.out(
          opts.json ? JSON.stringify(proposalView(p), null, 2) : `proposal ${p.id} ${p.status}: ${p.summary}`,
        );
      });
  }

  approval
    .command("list")
    .description("list proposals, newest first")
    .option("--status <status>", `only one status (${STATUSES.join(", ")})`)
    .option("--limit <n>", "at most this many", "100")
    .option("--json", "machine-readable output")
    .option(...dataDirOpt)
    .action(async (opts: { status?: string; limit: string; json?: boolean; dataDir?: string }) => {
      if (opts.status !== undefined && !STATUSES.includes(opts.status))
        throw new UsageError(`--status must be one of ${STATUSES.join(", ")}`);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError("--limit must be a positive integer");
      const list = await withApp(opts, (app) =>
        app.access().approvals.list({ status: opts.status as ProposalStatus | undefined, limit }),
      );
      if (opts.json) ctx.out(JSON.stringify(list.map(proposalView), null, 2));
      else ctx.out(list.length ? list.map(line).join("\n") : "no proposals");
    });

  approval
    .command("show <id>")
    .description("one proposal in full")
    .option(...dataDirOpt)
    .action(async (id: string, opts: { dataDir?: string }) => {
      const p = await withApp(opts, (app) => app.access().approvals.get(id));
      ctx.out(JSON.stringify(proposalView(p), null, 2));
    });
}
