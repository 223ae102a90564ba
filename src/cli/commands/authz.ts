// `rampart authz check (--role ROLE | --user NAME) ACTION` and `rampart authz matrix [--json]`:
// explain the policy in force (config roles, with role definitions changed through approved
// proposals laid over them). Exit codes: check 0 allow, 1 deny; 2 usage.
import type { Command } from "commander";
import {
  applyStoredRoleDefinitions,
  buildMatrix,
  type CompiledPolicy,
  compilePolicy,
  explainDecision,
  renderMatrixJson,
  renderMatrixMarkdown,
} from "../../access/index.js";
import type { App } from "../../app.js";
import { routeActions } from "../../gateway/index.js";
import { UsageError } from "../../kernel/index.js";
import { AccessRepository } from "../../store/index.js";
import type { CliContext } from "../context.js";

const dataDirOpt = [
  "--data-dir <dir>",
  "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)",
] as const;

/** The policy the gateway enforces: config roles plus approved `role.define` changes. */
export async function policyInForce(app: App): Promise<CompiledPolicy> {
  const stored = await new AccessRepository(app.store).listRoleDefinitions();
  return compilePolicy(applyStoredRoleDefinitions(app.config.roles, stored));
}

export function registerAuthzCommands(program: Command, ctx: CliContext): void {
  const authz = program.command("authz").description("explain access-control decisions and the role matrix");

  authz
    .command("check <action>")
    .description(
      "may this role or user perform ACTION? prints allow/deny, the role and the rule (exit 0 allow, 1 deny)",
    )
    .option("--role <role>", "a configured role")
    .option("--user <name>", "a user (their current roles)")
    .option("--json", "machine-readable output")
    .option(...dataDirOpt)
    .action(
      async (action: string, opts: { role?: string; user?: string; json?: boolean; dataDir?: string }) => {
        if ((opts.role === undefined) === (opts.user === undefined))
          throw new UsageError("give exactly one of --role ROLE or --user NAME");
        const app = await ctx.openApp(ctx.dataDir(opts.dataDir), { withoutKeys: opts.user === undefined });
        try {
          const roles =
            opts.role !== undefined
              ? [opts.role]
              : [...(await app.identity().getUser(opts.user as string)).roles];
          const d = (await policyInForce(app)).check(roles, action);
          if (opts.json)
            ctx.out(
              JSON.stringify({
                action,
                ...(opts.user !== undefined ? { user: opts.user } : { role: opts.role }),
                roles,
                allowed: d.allowed,
                role: d.role,
                matched: d.matched,
                reason: d.reason,
              }),
            );
          else ctx.out(explainDecision(d, action));
          if (!d.allowed) ctx.setExitCode(1);
        } finally {
          await app.close();
        }
      },
    );

  authz
    .command("matrix")
    .description("role x action table for every action of the route map and the control API")
    .option("--json", "JSON instead of Markdown")
    .option(...dataDirOpt)
    .action(async (opts: { json?: boolean; dataDir?: string }) => {
      const app = await ctx.openApp(ctx.dataDir(opts.dataDir), { withoutKeys: true });
      try {
        const m = buildMatrix(await policyInForce(app), routeActions(app));
        ctx.out(opts.json ? renderMatrixJson(m) : renderMatrixMarkdown(m));
      } finally {
        await app.close();
      }
    });
}
