// `rampart ip block|allow|unblock|unallow|list`: the IP filter's run-time entries. They are stored
// in the database, so they reach a running server (within its reload interval, or at once over
// Redis) and survive restarts; every change is a ledger event naming the operator.
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { parseDurationSeconds } from "./duration.js";

const DATA_DIR = [
  "--data-dir <dir>",
  "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)",
] as const;

function when(ms: number | null): string {
  return ms === null ? "never" : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function registerIpCommands(program: Command, ctx: CliContext): void {
  const ip = program
    .command("ip")
    .description("IP allow and block lists (addresses or CIDRs, IPv4 and IPv6)");
  for (const kind of ["block", "allow"] as const) {
    ip.command(`${kind} <cidr>`)
      .description(
        kind === "block"
          ? "refuse every request from an address or CIDR (before authentication)"
          : "never block an address or CIDR (allow-list entries win over blocks)",
      )
      .option("--ttl <duration>", "expire after e.g. 15m, 8h, 30d (default: until removed)")
      .option("--reason <text>", "why (recorded in the ledger)", "operator")
      .option(...DATA_DIR)
      .action(async (cidr: string, o: { ttl?: string; reason: string; dataDir?: string }) => {
        const app = await ctx.openApp(ctx.dataDir(o.dataDir));
        try {
          const ttlMs = o.ttl ? parseDurationSeconds(o.ttl, "--ttl") * 1000 : null;
          const rule = await app.ipFilter.add(kind, cidr, { ttlMs, reason: o.reason, actor: ctx.actor() });
          ctx.out(`${kind === "block" ? "blocked" : "allowed"} ${rule.cidr} until ${when(rule.expiresAt)}`);
        } finally {
          await app.close();
        }
      });
  }
  for (const [verb, kind] of [
    ["unblock", "block"],
    ["unallow", "allow"],
  ] as const) {
    ip.command(`${verb} <cidr>`)
      .description(`remove a run-time ${kind} entry (entries from rampart.yaml stay)`)
      .option(...DATA_DIR)
      .action(async (cidr: string, o: { dataDir?: string }) => {
        const app = await ctx.openApp(ctx.dataDir(o.dataDir));
        try {
          if (await app.ipFilter.remove(kind, cidr, ctx.actor())) ctx.out(`removed ${kind} ${cidr}`);
          else {
            ctx.err(`no run-time ${kind} entry for ${cidr}`);
            ctx.setExitCode(1);
          }
        } finally {
          await app.close();
        }
      });
  }
  ip.command("list")
    .description("every entry in force: from rampart.yaml and added at run time")
    .option("--json", "print JSON")
    .option(...DATA_DIR)
    .action(async (o: { json?: boolean; dataDir?: string }) => {
      const app = await ctx.openApp(ctx.dataDir(o.dataDir));
      try {
        const rules = app.ipFilter.list();
        if (o.json) ctx.out(JSON.stringify(rules, null, 2));
        else if (rules.length === 0) ctx.out("no entries");
        else
          ctx.out(
            rules
              .map(
                (r) =>
                  `${r.kind.padEnd(5)}  ${r.cidr.padEnd(40)}  until ${when(r.expiresAt).padEnd(20)}  ${r.source}: ${r.reason}`,
              )
              .join("\n"),
          );
      } finally {
        await app.close();
      }
    });
}
