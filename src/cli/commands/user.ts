// `rampart user …`: add, list, disable/enable, set-roles, passwd, mfa-enroll, mfa-reset. Thin: parse,
// call the identity service, render. Passwords arrive only on standard input (never as arguments,
// which other local users can read in the process list); generated ones are printed once.
import type { Command } from "commander";
import type { App } from "../../app.js";
import type { Actor, IdentityService, UserSummary } from "../../identity/index.js";
import type { CliContext } from "../context.js";

/** The App's identity service (segregation of duties applies to every role assignment). */
export function identityService(app: App): IdentityService {
  return app.identity();
}

/** For `rampart init`: creates `admin` when there are no users and prints its one-time password once. */
export async function ensureAdminUser(app: App, ctx: CliContext): Promise<boolean> {
  const created = await identityService(app).ensureAdmin({ via: "cli", userId: ctx.actor() });
  if (!created?.oneTimePassword) return false;
  ctx.out(`created user admin (system_administrator); one-time password, shown only now:`);
  ctx.out(`  ${created.oneTimePassword}`);
  ctx.out("it must be changed at first login, which also enrols TOTP.");
  return true;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function stripNewline(s: string): string {
  return s.replace(/\r?\n$/, "");
}

function formatTime(ms: number | null): string {
  return ms === null ? "-" : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function renderUsers(users: UserSummary[]): string {
  const rows = users.map((u) => [
    u.username,
    u.roles.join(","),
    u.status + (u.status === "locked" ? ` until ${formatTime(u.lockedUntil)}` : ""),
    u.mfaEnrolled ? "totp" : "none",
    u.mustChangePassword ? "yes" : "no",
    formatTime(u.lastLoginAt),
  ]);
  const head = ["USER", "ROLES", "STATUS", "MFA", "MUST-CHANGE", "LAST LOGIN"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function registerUserCommands(program: Command, ctx: CliContext): void {
  const user = program.command("user").description("manage users, their roles, passwords and second factors");
  const dataDirOpt = [
    "--data-dir <dir>",
    "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)",
  ] as const;

  /** Opens the app, runs `fn` with the identity service and the CLI actor, closes the app. */
  const withIdentity = async <T>(
    opts: { dataDir?: string },
    fn: (id: IdentityService, actor: Actor) => Promise<T>,
  ): Promise<T> => {
    const app = await ctx.openApp(ctx.dataDir(opts.dataDir));
    try {
      return await fn(identityService(app), { via: "cli", userId: ctx.actor() });
    } finally {
      await app.close();
    }
  };

  user
    .command("add <name>")
    .description("create a user; without --password-stdin a one-time password is generated and printed once")
    .requiredOption("--role <role>", "a role from config (repeatable)", collect, [])
    .option("--display-name <text>", "display name (default: the user name)")
    .option("--password-stdin", "read the password from standard input")
    .option(...dataDirOpt)
    .action(
      async (
        name: string,
        opts: { role: string[]; displayName?: string; passwordStdin?: boolean; dataDir?: string },
      ) => {
        const password = opts.passwordStdin ? stripNewline(await ctx.readStdin()) : undefined;
        const created = await withIdentity(opts, (id, actor) =>
          id.createUser({ username: name, roles: opts.role, displayName: opts.displayName, password }, actor),
        );
        ctx.out(`created user ${created.user.username} (${created.user.roles.join(", ")})`);
        if (created.oneTimePassword) {
          ctx.out(`one-time password, shown only now (must be changed at first login):`);
          ctx.out(`  ${created.oneTimePassword}`);
        }
      },
    );

  user
    .command("list")
    .description("list users with roles, status and second factor")
    .option("--json", "machine-readable output")
    .option(...dataDirOpt)
    .action(async (opts: { json?: boolean; dataDir?: string }) => {
      const users = await withIdentity(opts, (id) => id.listUsers());
      ctx.out(opts.json ? JSON.stringify(users, null, 2) : users.length ? renderUsers(users) : "no users");
    });

  for (const [verb, what] of [
    ["disable", "disable a user and revoke every session"],
    ["enable", "re-enable a disabled or locked user"],
  ] as const) {
    user
      .command(`${verb} <name>`)
      .description(what)
      .option(...dataDirOpt)
      .action(async (name: string, opts: { dataDir?: string }) => {
        const u = await withIdentity(opts, (id, actor) =>
          verb === "disable" ? id.disableUser(name, actor) : id.enableUser(name, actor),
        );
        ctx.out(`user ${u.username} is ${u.status}`);
      });
  }

  user
    .command("set-roles <name>")
    .description("replace a user's roles (their sessions are revoked)")
    .requiredOption("--role <role>", "a role from config (repeatable)", collect, [])
    .option(...dataDirOpt)
    .action(async (name: string, opts: { role: string[]; dataDir?: string }) => {
      const u = await withIdentity(opts, (id, actor) => id.setUserRoles(name, opts.role, actor));
      ctx.out(`user ${u.username} now has roles: ${u.roles.join(", ")}`);
    });

  user
    .command("passwd <name>")
    .description("set a user's password from standard input (their sessions are revoked)")
    .requiredOption("--password-stdin", "read the password from standard input")
    .option("--must-change", "force a change at the next login")
    .option(...dataDirOpt)
    .action(async (name: string, opts: { mustChange?: boolean; dataDir?: string }) => {
      const password = stripNewline(await ctx.readStdin());
      await withIdentity(opts, (id, actor) =>
        id.setPassword(name, password, actor, { mustChange: opts.mustChange ?? false }),
      );
      ctx.out(`password for ${name} set`);
    });

  user
    .command("mfa-enroll <name>")
    .description("provision TOTP for a user: prints the otpauth URI, a QR code and recovery codes once")
    .option(...dataDirOpt)
    .action(async (name: string, opts: { dataDir?: string }) => {
      const e = await withIdentity(opts, (id, actor) => id.enrollTotpForUser(name, actor));
      ctx.out(e.qrTerminal);
      ctx.out(e.uri);
      ctx.out("\nrecovery codes (each works once; shown only now):");
      for (const c of e.recoveryCodes) ctx.out(`  ${c}`);
    });

  user
    .command("mfa-reset <name>")
    .description("remove a user's second factor and revoke their sessions (next login enrols again)")
    .option(...dataDirOpt)
    .action(async (name: string, opts: { dataDir?: string }) => {
      const r = await withIdentity(opts, (id, actor) => id.resetMfa(name, actor));
      ctx.out(`second factor of ${name} removed; ${r.sessionsRevoked} session(s) revoked`);
    });
}
