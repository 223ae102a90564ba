// The detection engine: a deterministic function of the ledger stream. For each event it updates
// the baselines (anomaly score), runs every rule's selection through its window counter, and emits
// detections when a threshold is reached, plus the event's assessment (the seed's composite
// risk_score and threat level). All time is the events' own timestamps, so replaying the same
// entries from the same snapshot yields the same detections, live or in a backtest.
import type { LedgerEvent } from "../audit/index.js";
import { type BaselineState, newBaselineState, observe, QUIET, type Signals } from "./baselines.js";
import { instrumentOf, strategyOf } from "./fields.js";
import { builtinRules, compileRule, type RuleContext, type RuleSpec } from "./rules.js";
import type { DetectionSettings, RuleConfig } from "./settings.js";
import { addHit, BoundedMap, newCounter, type WindowCounter } from "./state.js";
import { type Assessment, type Detection, type Severity, type StreamEvent, threatLevelOf } from "./types.js";

/** Ledger actions of Rampart's own response: never input to rules (no feedback loops). */
const OWN = (e: LedgerEvent): boolean => e.event_type === "incident";

const SEVERITY_WEIGHT: Record<Severity, number> = { low: 10, medium: 25, high: 45, critical: 75 };

/** A hit with its alert context: [index, at, distinct, ip, user, session, instrument, strategy, pattern]. */
type ContextHit = [number, number, string, string, string, string, string, string, string];

export interface EngineResult {
  readonly assessment: Assessment;
  readonly detections: readonly Detection[];
}

export interface EngineOptions {
  readonly settings: DetectionSettings;
  /** Replaces the configured rules (`detect replay --rules FILE`). */
  readonly rules?: readonly RuleConfig[] | undefined;
  /** Severity per incident type (config incident_types), for risk scores. */
  readonly severities?: Readonly<Record<string, Severity>> | undefined;
}

interface Snapshot {
  v: 1;
  counters: [string, WindowCounter][];
  principals: ReturnType<BaselineState["principals"]["entries"]>;
  assets: ReturnType<BaselineState["assets"]["entries"]>;
  secrets: ReturnType<BaselineState["secrets"]["entries"]>;
}

export class DetectionEngine {
  readonly #s: DetectionSettings;
  readonly #rules: RuleSpec[];
  readonly #severities: Readonly<Record<string, Severity>>;
  #counters: BoundedMap<WindowCounter>;
  #baselines: BaselineState;
  readonly #ctx: RuleContext;

  constructor(o: EngineOptions) {
    this.#s = o.settings;
    this.#severities = o.severities ?? {};
    this.#rules = [...builtinRules(o.settings), ...(o.rules ?? o.settings.rules).map(compileRule)];
    this.#counters = new BoundedMap(o.settings.maxKeys);
    this.#baselines = newBaselineState(o.settings.maxKeys);
    this.#ctx = {
      recentHits: (rule, subject, windowMs, atMs) =>
        (this.#counters.peek(`${rule}|${subject}`)?.hits ?? []).filter((h) => h[1] > atMs - windowMs).length,
    };
  }

  get ruleNames(): string[] {
    return this.#rules.map((r) => r.name);
  }

  process(ev: StreamEvent): EngineResult {
    const e = ev.event;
    if (OWN(e)) return { assessment: assess(ev, 0, 0, [], null), detections: [] };
    let sig: Signals;
    try {
      sig = observe(this.#baselines, e, ev.atMs, this.#s);
    } catch {
      sig = QUIET;
    }
    const detections: Detection[] = [];
    let ruleWeight = 0;
    let subject: string | null = e.user_id === null ? null : `user:${e.user_id}`;
    for (const rule of this.#rules) {
      const sel = rule.select(e, ev.atMs, sig, this.#ctx);
      if (sel === undefined) continue;
      const key = `${rule.name}|${sel.subject}`;
      const c = this.#counters.touch(key) ?? newCounter();
      const hit = contextHit(ev, sel.distinct ?? "", sel.pattern ?? "");
      const fired = addHit(c, hit, rule);
      this.#counters.set(key, c);
      if (!fired) continue;
      const severity = rule.severity ?? this.#severities[rule.type] ?? "medium";
      ruleWeight = Math.max(ruleWeight, SEVERITY_WEIGHT[severity]);
      subject = sel.subject;
      detections.push(toDetection(rule, sel.subject, ev, c.hits as ContextHit[]));
    }
    return { assessment: assess(ev, sig.anomaly, ruleWeight, detections, subject), detections };
  }

  /** The whole state as JSON-safe data (persisted with the stream position). */
  snapshot(): string {
    const snap: Snapshot = {
      v: 1,
      counters: this.#counters.entries(),
      principals: this.#baselines.principals.entries(),
      assets: this.#baselines.assets.entries(),
      secrets: this.#baselines.secrets.entries(),
    };
    return JSON.stringify(snap);
  }

  restore(text: string): void {
    const snap = JSON.parse(text) as Snapshot;
    if (snap.v !== 1) return;
    const cap = this.#s.maxKeys;
    this.#counters = new BoundedMap(cap, snap.counters);
    this.#baselines = {
      principals: new BoundedMap(cap, snap.principals),
      assets: new BoundedMap(cap, snap.assets),
      secrets: new BoundedMap(cap, snap.secrets),
    };
  }
}

function contextHit(ev: StreamEvent, distinct: string, pattern: string): ContextHit {
  const e = ev.event;
  return [
    ev.index,
    ev.atMs,
    distinct,
    e.ip_address ?? "",
    e.user_id ?? "",
    e.session_id ?? "",
    instrumentOf(e) ?? "",
    strategyOf(e) ?? "",
    pattern,
  ];
}

function uniq(hits: readonly ContextHit[], i: number): string[] {
  const out: string[] = [];
  for (const h of hits) {
    const v = h[i] as string;
    if (v !== "" && !out.includes(v)) out.push(v);
  }
  return out;
}

function toDetection(
  rule: RuleSpec,
  subject: string,
  ev: StreamEvent,
  hits: readonly ContextHit[],
): Detection {
  const inWindow = hits.filter((h) => h[1] > ev.atMs - rule.windowMs);
  return {
    rule: rule.name,
    type: rule.type,
    subject,
    index: ev.index,
    atMs: ev.atMs,
    evidence: inWindow.map((h) => h[0]).sort((a, b) => a - b),
    ...(rule.severity ? { severity: rule.severity } : {}),
    context: {
      ips: uniq(inWindow, 3),
      users: uniq(inWindow, 4),
      sessions: uniq(inWindow, 5),
      instruments: uniq(inWindow, 6),
      strategies: uniq(inWindow, 7),
      patterns: uniq(inWindow, 8),
    },
    summary: `${rule.name}: ${inWindow.length} event(s) for ${subject} within ${Math.round(rule.windowMs / 60_000)} min (threshold ${rule.threshold})`,
  };
}

function classificationWeight(e: LedgerEvent): number {
  if (e.event_type === "secrets" || e.event_type === "keys") return 15;
  if (e.event_type === "data_access" || e.event_type === "trading") return 5;
  return 0;
}

function assess(
  ev: StreamEvent,
  anomaly: number,
  ruleWeight: number,
  detections: readonly Detection[],
  subject: string | null,
): Assessment {
  const e = ev.event;
  const own = typeof e.risk_score === "number" ? Math.min(100, Math.max(0, e.risk_score)) : 0;
  const risk = Math.min(
    100,
    ruleWeight + anomaly * 40 + own * 0.3 + classificationWeight(e) * (anomaly > 0 ? 1 : 0.3),
  );
  const riskScore = Math.round(risk * 10) / 10;
  return {
    index: ev.index,
    atMs: ev.atMs,
    anomaly: Math.round(anomaly * 1000) / 1000,
    riskScore,
    threatLevel: threatLevelOf(riskScore),
    rules: detections.map((d) => d.rule),
    subject,
  };
}
