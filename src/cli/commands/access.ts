// `rampart access sod-check` (existing segregation-of-duties violations, exit 1 if any) and
// `rampart access review [--attest NOTE | --history]` (every user with roles, status, last login,
// MFA and live sessions; an attestation stores who signed off, when, the note and the listing's
// SHA-256, and is recorded in the ledger).
import type { Command } from "commander";
import {
  type AccessReview,
  attestAccessReview,
  buildAccessReview,
  findSodViolations,
  listAttestations,
  type SodSubject,
} from "../../access/index.js";
import type { CliContext } from "../context.js";

const dataDirOpt = [
  "--data-dir <dir>",
  "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)",
] as const;

function table(head: string[], rows: string[][]): string {
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

function renderReview(r: AccessReview): string {
  const rows = r.users.map((u) => [
    u.username,
    u.roles.join(","),
    u.status,
    u.mfa ? "totp" : "none",
    u.lastLogin?.replace(/\.\d{3}Z$/, "Z") ?? "-",
    String(u.activeSessions),
    u.sodConflicts.map((c) => c.join("+")).join(" ") || "-",
  ]);
  const body = rows.length
    ? table(["USER", "ROLES", "STATUS", "MFA", "LAST LOGIN", "SESSIONS", "SOD CONFLICT"], rows)
    : "no users";
  return `${body}\n\nlisting sha256: ${r.listingHash} (${r.users.length} users, ${r.generatedAt})`;
}

export function registerAccessCommands(program: Command, ctx: CliContext): void {
  const access = program.command("access").description("segregation of duties and access reviews");

  access
    .command("sod-check")
    .description("report users and service accounts holding a conflicting set of roles (exit 1 if any)")
    .option("--json", "machine-readable output")
    .option(...dataDirOpt)
    .action(async (opts: { json?: boolean; dataDir?: string }) => {
      const app = await ctx.openApp(ctx.dataDir(opts.dataDir));
      try {
        const users = await app.identity().listUsers();
        const subjects: SodSubject[] = [
          ...users.map((u) => ({ kind: "user" as const, name: u.username, roles: u.roles })),
          ...Object.entries(app.config.launch.service_accounts).map(([name, s]) => ({
            kind: "service" as const,
            name,
            roles: s.roles,
          })),
        ];
        const rules = app.config.segregation_of_duties;
        const found = findSodViolations(subjects, rules);
        if (opts.json)
          ctx.out(
            JSON.stringify(
              found.map((v) => ({
                kind: v.subject.kind,
                name: v.subject.name,
                roles: v.subject.roles,
                rule: v.rule,
              })),
              null,
              2,
            ),
          );
        else if (found.length === 0)
          ctx.out(`no segregation-of-duties violations (${subjects.length} subjects, ${rules.length} rules)`);
        else
          for (const v of found)
            ctx.out(
              `${v.subject.kind} ${v.subject.name}: holds ${v.rule.join(" and ")} (segregation_of_duties[${v.ruleIndex}])`,
            );
        if (found.length > 0) ctx.setExitCode(1);
      } finally {
        await app.close();
      }
    });

  access
    .command("review")
    .description("list every user with roles, status, last login, MFA and live sessions")
    .option("--attest <note>", "sign the listing off: records who, when, the note and the listing's SHA-256")
    .option("--history", "list earlier attestations instead")
    .option("--json", "machine-readable output")
    .option(...dataDirOpt)
    .action(async (opts: { attest?: string; history?: boolean; json?: boolean; dataDir?: string }) => {
      const app = await ctx.openApp(ctx.dataDir(opts.dataDir));
      try {
        const deps = app.access().review;
        if (opts.history) {
          const list = await listAttestations(deps);
          if (opts.json) ctx.out(JSON.stringify(list, null, 2));
          else if (list.length === 0) ctx.out("no attestations");
          else
            ctx.out(
              table(
                ["WHEN", "BY", "USERS", "LISTING SHA256", "NOTE"],
                list.map((a) => [
                  new Date(a.createdAt).toISOString(),
                  a.attestedBy,
                  String(a.userCount),
                  a.listingHash,
                  a.note,
                ]),
              ),
            );
          return;
        }
        const review = await buildAccessReview(deps, await app.identity().listUsers());
        const attestation =
          opts.attest !== undefined
            ? await attestAccessReview(deps, review, { name: ctx.actor(), via: "cli" }, opts.attest)
            : undefined;
        if (opts.json)
          ctx.out(JSON.stringify({ ...review, ...(attestation ? { attestation } : {}) }, null, 2));
        else {
          ctx.out(renderReview(review));
          if (attestation) ctx.out(`attested by ${attestation.attestedBy} (attestation ${attestation.id})`);
        }
      } finally {
        await app.close();
      }
    });
}
