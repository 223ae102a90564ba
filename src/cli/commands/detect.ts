// `rampart detect replay|status|verify`: backtest the rules over history (nothing is acted on or
// stored), show the live consumer's position, and verify the ledger with the outcome recorded
// (a failure opens a critical data_breach incident when the server's consumer reads it).
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import type { App } from "../../app.js";
import {
  DetectionEngine,
  detectionSettingsFromConfig,
  indexAtTime,
  parseRules,
  type RuleConfig,
  replayDetections,
  type Severity,
  verifyLedgerAndRecord,
} from "../../detection/index.js";
import { UsageError } from "../../kernel/index.js";
import { MemoryIncidentStore, Responder, responseSettingsFromConfig } from "../../response/index.js";
import { createLedgerRepository, DetectionRepository } from "../../store/index.js";
import type { CliContext } from "../context.js";
import { parseDurationSeconds } from "./duration.js";

export interface ReplayReport {
  readonly from: number;
  readonly to: number;
  readonly events: number;
  readonly detections: number;
  readonly incidents: ReadonlyArray<{
    id: string;
    type: string;
    subject: string;
    severity: string;
    events: number;
    first_index: number;
    last_index: number;
    rules: readonly string[];
    escalated: boolean;
    would: string[];
  }>;
}

/** Runs the rules over entries since `sinceMs` with fresh state and a dry-run responder. */
export async function detectReplay(
  app: App,
  sinceMs: number,
  rules?: readonly RuleConfig[],
): Promise<ReplayReport> {
  const ledger = createLedgerRepository(app.store);
  const settings = detectionSettingsFromConfig(app.config);
  const severities = Object.fromEntries(
    Object.entries(app.config.incident_types).map(([k, v]) => [k, v.severity as Severity]),
  );
  const engine = new DetectionEngine({ settings, severities, rules });
  const store = new MemoryIncidentStore();
  const responder = new Responder({
    store,
    settings: responseSettingsFromConfig(app.config),
    clock: app.clock,
    dryRun: true,
  });
  const from = await indexAtTime(ledger, sinceMs);
  const r = await replayDetections({ ledger, engine, from, onDetections: (d) => responder.handle(d) });
  const incidents = [];
  for (const i of (await store.list({ limit: 100_000 })).reverse()) {
    const acts = await store.actions(i.id);
    incidents.push({
      id: i.id,
      type: i.type,
      subject: i.subject,
      severity: i.severity,
      events: i.eventCount,
      first_index: i.firstIndex,
      last_index: i.lastIndex,
      rules: i.rules,
      escalated: i.escalated,
      would: acts.map((a) => (a.target === "-" ? a.action : `${a.action} ${a.target}`)),
    });
  }
  return { from: r.from, to: r.to, events: r.events, detections: r.detections.length, incidents };
}

export function renderReplay(r: ReplayReport): string {
  const lines = [
    `replayed entries ${r.from}..${Math.max(r.from, r.to - 1)} (${r.events} events): ${r.detections} detection(s), ${r.incidents.length} incident(s) would have opened`,
  ];
  for (const i of r.incidents)
    lines.push(
      `  ${i.id}  ${i.type} ${i.severity}${i.escalated ? " ESCALATED" : ""}  ${i.subject}  ${i.events} event(s) [${i.first_index}..${i.last_index}]  rules: ${i.rules.join(", ")}`,
      `      would: ${i.would.join("; ") || "nothing"}`,
    );
  return lines.join("\n");
}

async function loadRules(file: string): Promise<RuleConfig[]> {
  const text = await readFile(file, "utf8");
  let value: unknown;
  try {
    value = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new UsageError(`${file}: not YAML/JSON (${(e as Error).message})`);
  }
  return parseRules(value);
}

export function registerDetectCommands(program: Command, ctx: CliContext): void {
  const detect = program
    .command("detect")
    .description("detection: backtest rules over the ledger, status, verification");
  detect
    .command("replay")
    .description("run the rules over history and report what would have fired (acts on nothing)")
    .option("--since <duration>", "how far back, e.g. 30d, 12h", "30d")
    .option("--rules <file>", "replace the configured rules with these (YAML or JSON list)")
    .option("--json", "print JSON")
    .option("--data-dir <dir>", "data directory")
    .action(async (o: { since: string; rules?: string; json?: boolean; dataDir?: string }) => {
      const seconds = parseDurationSeconds(o.since, "--since");
      const rules = o.rules === undefined ? undefined : await loadRules(o.rules);
      const app = await ctx.openApp(ctx.dataDir(o.dataDir), { withoutKeys: true });
      try {
        const r = await detectReplay(app, app.clock.now() - seconds * 1000, rules);
        ctx.out(o.json ? JSON.stringify(r, null, 2) : renderReplay(r));
      } finally {
        await app.close();
      }
    });
  detect
    .command("status")
    .description("the live consumer's position and the ledger's size")
    .option("--data-dir <dir>", "data directory")
    .action(async (o: { dataDir?: string }) => {
      const app = await ctx.openApp(ctx.dataDir(o.dataDir), { withoutKeys: true });
      try {
        const size = await createLedgerRepository(app.store).size();
        const st = await new DetectionRepository(app.store).loadState("live");
        const next = st?.nextIndex ?? 0;
        ctx.out(`ledger size ${size}; detection position ${next} (${Math.max(0, size - next)} behind)`);
      } finally {
        await app.close();
      }
    });
  detect
    .command("verify")
    .description("verify the whole ledger and record the outcome (a failure is a critical data_breach)")
    .option("--data-dir <dir>", "data directory")
    .action(async (o: { dataDir?: string }) => {
      const app = await ctx.openApp(ctx.dataDir(o.dataDir));
      try {
        const v = await verifyLedgerAndRecord(createLedgerRepository(app.store), app.audit);
        if (v.ok) ctx.out(`ledger verified: size ${v.size}`);
        else {
          ctx.err(`ledger verification FAILED: ${v.problem}`);
          ctx.setExitCode(1);
        }
      } finally {
        await app.close();
      }
    });
}
