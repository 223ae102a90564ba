// `rampart token …`: issue, list and revoke API tokens, and show the signing keys. Thin: parse, call
// the token service, render. An issued token is printed once, alone on standard output (details go
// to standard error), so `TOKEN=$(rampart token issue …)` works and nothing else keeps it.
// Also teaches `rampart keys rotate tokens` what rotating the "tokens" purpose means: a new signing key.
import type { Command } from "commander";
import type { App } from "../../app.js";
import type { Actor } from "../../identity/index.js";
import { UsageError } from "../../kernel/index.js";
import type { TokenService } from "../../tokens/index.js";
import type { CliContext } from "../context.js";
import { parseDurationSeconds } from "./duration.js";
import { PURPOSE_ROTATIONS } from "./keys.js";

/** The App's token service, started (signing keys loaded, revocations followed); app.close() stops it. */
export async function tokenService(app: App): Promise<TokenService> {
  const s = app.tokens();
  await s.start();
  return s;
}

const DATA_DIR = [
  "--data-dir <dir>",
  "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)",
] as const;
const collect = (v: string, prev: string[]) => [...prev, v];
const iso = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"));

async function withTokens<T>(
  ctx: CliContext,
  dataDir: string | undefined,
  fn: (app: App, t: TokenService, actor: Actor) => Promise<T>,
) {
  const app = await ctx.openApp(ctx.dataDir(dataDir));
  try {
    const t = await tokenService(app);
    try {
      return await fn(app, t, { via: "cli", userId: ctx.actor() });
    } finally {
      await t.close();
    }
  } finally {
    await app.close();
  }
}

/** `keys rotate tokens`: after the KEK version moves, a new signing key (wrapped under it) becomes current. */
PURPOSE_ROTATIONS["tokens"] = async (app, _keys, ctx) => {
  const t = await tokenService(app);
  try {
    const k = await t.rotateSigningKey({ via: "cli", userId: ctx.actor() });
    return `tokens: signing key ${k.kid} (${k.alg}, version ${k.version}) is now current; older keys verify until their tokens expire`;
  } finally {
    await t.close();
  }
};

export function registerTokenCommands(program: Command, ctx: CliContext): void {
  const token = program.command("token").description("API tokens: issue, list, revoke; signing keys");

  token
    .command("issue")
    .description("issue a JWT access token for a user (printed once on standard output)")
    .requiredOption("--user <name>", "the user the token acts for")
    .option("--ttl <duration>", "lifetime, e.g. 8h (default tokens.default_ttl, at most tokens.max_ttl)")
    .option(
      "--scope <action>",
      "narrow to this action (repeatable; each must be allowed by the user's roles)",
      collect,
      [],
    )
    .option("--bind-ip <cidr>", "accept the token only from this address or CIDR")
    .option("--description <text>", "what the token is for (shown in listings)")
    .option(...DATA_DIR)
    .action(
      async (opts: {
        user: string;
        ttl?: string;
        scope: string[];
        bindIp?: string;
        description?: string;
        dataDir?: string;
      }) => {
        const ttlSeconds = opts.ttl === undefined ? undefined : parseDurationSeconds(opts.ttl, "--ttl");
        await withTokens(ctx, opts.dataDir, async (app, t, actor) => {
          const user = await app.identity().getUser(opts.user);
          const issued = await t.issue(
            {
              userId: user.id,
              ttlSeconds,
              scope: opts.scope,
              bindIp: opts.bindIp,
              description: opts.description,
            },
            actor,
          );
          ctx.err(
            `token ${issued.jti} for ${user.username}, key ${issued.kid}, expires ${iso(issued.expiresAt)}`,
          );
          ctx.err(`scope: ${issued.scope.join(" ")}`);
          ctx.out(issued.token);
        });
      },
    );

  token
    .command("list")
    .description("live tokens (--all: also expired and revoked)")
    .option("--user <name>", "only this user's tokens")
    .option("--all", "include expired and revoked tokens")
    .option("--json", "print JSON")
    .option(...DATA_DIR)
    .action(async (opts: { user?: string; all?: boolean; json?: boolean; dataDir?: string }) => {
      await withTokens(ctx, opts.dataDir, async (app, t) => {
        const userId = opts.user === undefined ? undefined : (await app.identity().getUser(opts.user)).id;
        const rows = await t.list({ userId, includeInactive: opts.all === true });
        if (opts.json) return ctx.out(JSON.stringify(rows, null, 2));
        if (rows.length === 0) return ctx.out("no tokens");
        for (const r of rows)
          ctx.out(
            `${r.jti}  ${r.status.padEnd(7)}  user ${r.userId}  expires ${iso(r.expiresAt)}  key ${r.kid}${r.ipBinding ? `  ip ${r.ipBinding}` : ""}${r.description ? `  "${r.description}"` : ""}`,
          );
      });
    });

  token
    .command("revoke")
    .description("revoke a token by its id (jti), or every token of --user")
    .argument("[jti]", "the token id")
    .option("--user <name>", "revoke every live token of this user")
    .option(...DATA_DIR)
    .action(async (jti: string | undefined, opts: { user?: string; dataDir?: string }) => {
      if ((jti === undefined) === (opts.user === undefined))
        throw new UsageError("give a token id or --user, not both");
      await withTokens(ctx, opts.dataDir, async (app, t, actor) => {
        if (jti !== undefined) {
          await t.revoke(jti, actor);
          ctx.out(`revoked ${jti}`);
        } else {
          const user = await app.identity().getUser(opts.user as string);
          const n = await t.revokeUserTokens(user.id, "revoked_by_operator", actor);
          ctx.out(`revoked ${n} token(s) of ${user.username}`);
        }
      });
    });

  token
    .command("keys")
    .description("token signing keys: version, algorithm, status (rotate with `rampart keys rotate tokens`)")
    .option("--json", "print JSON")
    .option(...DATA_DIR)
    .action(async (opts: { json?: boolean; dataDir?: string }) => {
      await withTokens(ctx, opts.dataDir, async (_app, t) => {
        await t.retireExpiredKeys();
        const keys = t.signingKeys();
        if (opts.json) return ctx.out(JSON.stringify(keys, null, 2));
        for (const k of keys)
          ctx.out(
            `v${k.version}  ${k.kid}  ${k.alg.padEnd(5)}  ${k.status.padEnd(8)}  created ${iso(k.createdAt)}  retired ${iso(k.retiredAt)}`,
          );
      });
    });
}
