// Rules: a selection (which events count, under which grouping key) plus a window and threshold.
// The built-ins implement issue 9's catalogue; configured rules (detection.rules) compile to the
// same shape. Thresholds of the built-ins default to the seed's incident_types escalation
// thresholds (authentication_attack 5 failures, suspicious_trading 3 patterns, data_breach 1).
import type { LedgerEvent } from "../audit/index.js";
import type { Signals } from "./baselines.js";
import { isTradingChange } from "./baselines.js";
import { fieldOf, instrumentOf, matches, methodOf, pathOf, rollStateOf, strategyOf } from "./fields.js";
import type { DetectionSettings, RuleConfig } from "./settings.js";
import { withinTradingHours } from "./trading-hours.js";
import type { Severity } from "./types.js";

export interface Selection {
  /** The grouping key, which is also the incident subject (`user:ID`, `ip:ADDR`, ...). */
  readonly subject: string;
  /** For distinct-counting rules: the value counted. */
  readonly distinct?: string | undefined;
  /** Name of the pattern seen (suspicious trading), for the alert context. */
  readonly pattern?: string | undefined;
}

export interface RuleSpec {
  readonly name: string;
  readonly type: string;
  readonly windowMs: number;
  readonly threshold: number;
  readonly mode: "sliding" | "leaky";
  readonly distinct: boolean;
  readonly severity?: Severity | undefined;
  select(e: LedgerEvent, atMs: number, sig: Signals, ctx: RuleContext): Selection | undefined;
}

/** What rules may ask of the engine about other rules' state. */
export interface RuleContext {
  /** Hits within the window of another rule's counter for `subject`. */
  recentHits(rule: string, subject: string, windowMs: number, atMs: number): number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const FORCE_STATES = new Set(["force", "force_outright", "forceleg", "force_leg"]);
const PASSWORD_REASONS = new Set(["wrong_password", "locked"]);
const NOT_CODE_REASONS = new Set(["wrong_password", "locked", "rate_limited", "bad_challenge", "disabled"]);

const user = (e: LedgerEvent): string | undefined => (e.user_id === null ? undefined : `user:${e.user_id}`);
const reason = (e: LedgerEvent): string =>
  typeof e.details["reason"] === "string" ? e.details["reason"] : "";

export function builtinRules(s: DetectionSettings): RuleSpec[] {
  const t = (type: string, fallback: number): number => s.thresholds[type] ?? fallback;
  const auth = t("authentication_attack", 5);
  const trading = t("suspicious_trading", 3);
  const breach = t("data_breach", 1);
  const rules: RuleSpec[] = [
    {
      name: "auth.brute_force",
      type: "authentication_attack",
      windowMs: 15 * MIN,
      threshold: auth,
      mode: "sliding",
      distinct: false,
      select: (e) =>
        (e.action === "auth.login" || e.action === "auth.lockout") &&
        e.outcome === "failure" &&
        PASSWORD_REASONS.has(reason(e))
          ? withSubject(user(e))
          : undefined,
    },
    {
      name: "auth.password_spraying",
      type: "authentication_attack",
      windowMs: 30 * MIN,
      threshold: auth,
      mode: "sliding",
      distinct: true,
      select: (e) =>
        e.action === "auth.login" && e.outcome === "failure" && e.ip_address !== null
          ? { subject: `ip:${e.ip_address}`, distinct: e.user_id ?? `unknown:${e.event_id}` }
          : undefined,
    },
    {
      name: "auth.mfa_failures",
      type: "authentication_attack",
      windowMs: 15 * MIN,
      threshold: Math.max(2, auth - 2),
      mode: "sliding",
      distinct: false,
      select: (e) =>
        (e.action === "auth.mfa" || e.action === "auth.step_up" || e.action === "auth.lockout") &&
        e.outcome === "failure" &&
        !NOT_CODE_REASONS.has(reason(e))
          ? withSubject(user(e))
          : undefined,
    },
    {
      name: "auth.new_source_after_failures",
      type: "authentication_attack",
      windowMs: 15 * MIN,
      threshold: 1,
      mode: "sliding",
      distinct: false,
      select: (e, atMs, sig, ctx) => {
        const u = user(e);
        if (u === undefined || e.action !== "auth.login" || e.outcome !== "success") return undefined;
        if (!sig.newIp && !sig.newUa) return undefined;
        return ctx.recentHits("auth.brute_force", u, 15 * MIN, atMs) >= 2 ? { subject: u } : undefined;
      },
    },
    {
      name: "privilege.repeated_denials",
      type: "privilege_escalation",
      windowMs: 10 * MIN,
      threshold: 5,
      mode: "sliding",
      distinct: false,
      select: (e) =>
        e.action === "access.decision" && e.outcome === "denied" ? withSubject(user(e)) : undefined,
    },
    {
      name: "privilege.self_approval",
      type: "privilege_escalation",
      windowMs: HOUR,
      threshold: 1,
      mode: "sliding",
      distinct: false,
      select: (e) => (e.action === "approval.self_approval" ? withSubject(actorOf(e)) : undefined),
    },
    {
      name: "privilege.role_change_outside_approval",
      type: "privilege_escalation",
      windowMs: HOUR,
      threshold: 1,
      mode: "sliding",
      distinct: false,
      select: (e) =>
        e.action === "user.roles_changed" &&
        e.outcome === "success" &&
        !s.roleChangeVia.includes(String(e.details["via"] ?? ""))
          ? withSubject(user(e))
          : undefined,
    },
    {
      name: "token.rejected_replay",
      type: "token_abuse",
      windowMs: HOUR,
      threshold: 3,
      mode: "sliding",
      distinct: false,
      select: (e) => {
        if (e.action !== "auth.token" || e.outcome !== "failure") return undefined;
        if (!["revoked", "expired", "user_disabled"].includes(reason(e))) return undefined;
        const jti = typeof e.details["jti"] === "string" ? `token:${e.details["jti"]}` : undefined;
        return withSubject(user(e) ?? jti ?? (e.ip_address === null ? undefined : `ip:${e.ip_address}`));
      },
    },
    {
      name: "token.outside_ip_binding",
      type: "token_abuse",
      windowMs: HOUR,
      threshold: 1,
      mode: "sliding",
      distinct: false,
      select: (e) =>
        e.action === "auth.token" && e.outcome === "failure" && reason(e) === "ip_not_allowed"
          ? withSubject(user(e) ?? (e.ip_address === null ? undefined : `ip:${e.ip_address}`))
          : undefined,
    },
    {
      name: "token.certificate_unexpected_address",
      type: "token_abuse",
      windowMs: HOUR,
      threshold: 1,
      mode: "sliding",
      distinct: false,
      select: (e, _at, sig) =>
        e.action === "auth.certificate" && e.outcome === "success" && sig.newIp
          ? withSubject(user(e))
          : undefined,
    },
    {
      name: "data.ledger_verification_failed",
      type: "data_breach",
      windowMs: HOUR,
      threshold: 1,
      mode: "sliding",
      distinct: false,
      severity: "critical",
      select: (e) =>
        e.action === "audit.verify" && e.outcome === "failure" ? { subject: "ledger" } : undefined,
    },
    {
      // Verification runs that ended without a verdict (outcome "error": the database could not be
      // read), counted over four verification intervals: an outage is not a breach, but a ledger
      // nobody can check for that long needs a person.
      name: "data.ledger_verification_unavailable",
      type: "integrity_unverified",
      windowMs: Math.max(4 * s.verifyIntervalMs, HOUR),
      threshold: t("integrity_unverified", 3),
      mode: "sliding",
      distinct: false,
      select: (e) =>
        e.action === "audit.verify" && e.outcome === "error" ? { subject: "ledger" } : undefined,
    },
    {
      name: "data.read_volume",
      type: "data_breach",
      windowMs: HOUR,
      threshold: breach,
      mode: "sliding",
      distinct: false,
      select: (e, _at, sig) => (sig.readRateHigh ? withSubject(user(e)) : undefined),
    },
    {
      name: "data.unusual_secret_reader",
      type: "data_breach",
      windowMs: HOUR,
      threshold: breach,
      mode: "sliding",
      distinct: false,
      select: (e, _at, sig) => (sig.newSecretReader ? withSubject(user(e)) : undefined),
    },
    {
      // An order rate or size far above the strategy's baseline is a pattern in itself (already
      // the multiple of many orders), so it does not wait for two more.
      name: "trading.order_anomaly",
      type: "suspicious_trading",
      windowMs: 24 * HOUR,
      threshold: 1,
      mode: "sliding",
      distinct: false,
      select: (e, _at, sig) => {
        if (!sig.orderRateHigh && !sig.orderSizeHigh) return undefined;
        const key = strategyOf(e) ?? instrumentOf(e);
        return key === undefined
          ? undefined
          : {
              subject: `${strategyOf(e) ? "strategy" : "instrument"}:${key}`,
              pattern: sig.orderRateHigh ? "order_rate" : "order_size",
            };
      },
    },
    {
      name: "trading.suspicious_pattern",
      type: "suspicious_trading",
      windowMs: 24 * HOUR,
      threshold: trading,
      mode: "sliding",
      distinct: false,
      select: (e, atMs, sig) => {
        const pattern = tradingPattern(e, atMs, sig, s);
        if (pattern === undefined) return undefined;
        const strategy = strategyOf(e);
        const subject =
          user(e) ??
          (strategy ? `strategy:${strategy}` : instrumentOf(e) ? `instrument:${instrumentOf(e)}` : undefined);
        return subject === undefined ? undefined : { subject, pattern };
      },
    },
  ];
  return rules.filter((r) => !s.disabledRules.includes(r.name));
}

function withSubject(subject: string | undefined): Selection | undefined {
  return subject === undefined ? undefined : { subject };
}

/** The approver in an approval event is the actor (details.actor_user_id) or the event's user. */
function actorOf(e: LedgerEvent): string | undefined {
  const a = e.details["actor_user_id"];
  return typeof a === "string" ? `user:${a}` : user(e);
}

/** The suspicious-trading pattern an event shows, if any (PYSYSTEMTRADE.md §7.5). */
export function tradingPattern(
  e: LedgerEvent,
  atMs: number,
  sig: Signals,
  s: DetectionSettings,
): string | undefined {
  if (e.event_type === "trading" && e.outcome === "success") {
    switch (e.action) {
      case "pst.manual_trade":
        return "manual_trade";
      case "pst.balance_trade":
        return "balance_trade";
      case "pst.override_removed":
        return "override_removed";
      case "pst.limit_raised":
        return "limit_raised";
    }
    if (
      e.action === "pst.order" &&
      (e.details["manual_trade"] === true || e.details["order_type"] === "balance_trade")
    )
      return e.details["manual_trade"] === true ? "manual_trade" : "balance_trade";
  }
  if (!isTradingChange(e)) return undefined;
  const outside = !withinTradingHours(atMs, s.tradingHours);
  const path = pathOf(e);
  const force = FORCE_STATES.has((rollStateOf(e) ?? "").toLowerCase());
  if (force && path === "/rolls" && methodOf(e) === "POST" && outside) return "roll_force_outside_hours";
  if (outside) return "trading_outside_hours";
  if (sig.newInstrument) return "new_instrument";
  return undefined;
}

/** A configured rule (detection.rules) as a RuleSpec. */
export function compileRule(c: RuleConfig): RuleSpec {
  const names: Record<string, string> = {
    user_id: "user",
    ip_address: "ip",
    instrument: "instrument",
    strategy: "strategy",
  };
  return {
    name: c.name,
    type: c.type,
    windowMs: c.window_s * 1000,
    threshold: c.threshold,
    mode: c.mode ?? "sliding",
    distinct: c.distinct !== undefined,
    severity: c.severity,
    select: (e) => {
      if (!matches(e, c.match)) return undefined;
      const parts: string[] = [];
      for (const f of c.group_by) {
        const v = fieldOf(e, f);
        if (v === undefined || v === null) return undefined;
        parts.push(`${names[f] ?? f}:${String(v)}`);
      }
      const distinct = c.distinct === undefined ? undefined : fieldOf(e, c.distinct);
      return {
        subject: parts.length === 0 ? "global" : parts.join(","),
        distinct: distinct === undefined || distinct === null ? `none:${e.event_id}` : String(distinct),
      };
    },
  };
}
