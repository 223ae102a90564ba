// The playbook actions as real operations. planTargets says what an action applies to for an
// incident (one record per target: the idempotency key); executeAction carries it out through the
// ports and returns what it did. A missing port for a trading or identity action is a failure
// (retried, then escalated), never a silent skip; an alert channel that is not configured is
// skipped with that reason on the record.
import type { IpBlocklist } from "./blocklist.js";
import { actionFailed } from "./errors.js";
import type {
  AlertChannel,
  AlertSender,
  EvidencePreserver,
  IdentityActions,
  IncidentStore,
  TradingActions,
} from "./ports.js";
import type { ReadOnlyMode } from "./read-only.js";
import type { ActionName, Incident } from "./types.js";

export interface ActionPorts {
  readonly store: IncidentStore;
  readonly blocklist?: IpBlocklist | undefined;
  readonly readOnly?: ReadOnlyMode | undefined;
  readonly trading?: TradingActions | undefined;
  readonly identity?: IdentityActions | undefined;
  readonly alerts?: AlertSender | undefined;
  readonly evidence?: EvidencePreserver | undefined;
}

export interface ActionOutcome {
  readonly status: "done" | "skipped";
  readonly detail: string;
}

const CHANNEL: Partial<Record<ActionName, AlertChannel>> = {
  alert_security_team: "security_team",
  notify_management: "management",
  alert_risk_manager: "risk_manager",
};

function subjectUser(i: Incident): string | undefined {
  return i.subject.startsWith("user:") ? i.subject.slice(5) : undefined;
}

/** Trading scopes for freeze/halt: the narrowest the evidence names. */
function scopes(i: Incident, prefer: "instrument" | "strategy"): string[] {
  const inst = i.context.instruments.map((x) => `instrument:${x}`);
  const strat = i.context.strategies.map((x) => `strategy:${x}`);
  if (i.subject.startsWith("strategy:") && !strat.includes(i.subject)) strat.unshift(i.subject);
  if (i.subject.startsWith("instrument:") && !inst.includes(i.subject)) inst.unshift(i.subject);
  const [first, second] = prefer === "instrument" ? [inst, strat] : [strat, inst];
  if (first.length > 0) return first;
  if (second.length > 0) return second;
  return ["global"];
}

/** What `action` applies to for this incident; each target becomes one action record. */
export function planTargets(action: ActionName, i: Incident): string[] {
  switch (action) {
    case "block_ip":
      return i.context.ips.length > 0
        ? [...i.context.ips]
        : i.subject.startsWith("ip:")
          ? [i.subject.slice(3)]
          : ["-"];
    case "isolate_user_session":
    case "lock_user": {
      const users =
        i.context.users.length > 0 ? i.context.users : [subjectUser(i)].filter((u): u is string => !!u);
      return users.length > 0 ? users.map((u) => `user:${u}`) : ["-"];
    }
    case "freeze_positions":
      return scopes(i, "instrument");
    case "halt_strategy":
      return scopes(i, "strategy");
    case "stop_all_processes":
      return ["global"];
    default:
      return ["-"];
  }
}

/** What would be done, for dry runs and the ledger. */
export function describeAction(action: ActionName, target: string): string {
  return target === "-" || target === "escalation" ? action : `${action} ${target}`;
}

export async function executeAction(
  action: ActionName,
  target: string,
  i: Incident,
  p: ActionPorts,
): Promise<ActionOutcome> {
  const reason = `incident ${i.id} (${i.type})`;
  const need = <T>(port: T | undefined, name: string): T => {
    if (port === undefined) throw actionFailed(action, `${name} is not wired`);
    return port;
  };
  switch (action) {
    case "block_ip": {
      if (target === "-") return { status: "skipped", detail: "no source address in the evidence" };
      const r = await need(p.blocklist, "the IP blocklist").block(target);
      if (!r.blocked) return { status: "skipped", detail: `${r.ip} not blocked: ${r.reason}` };
      return {
        status: "done",
        detail: `${r.ip} blocked for ${Math.round(r.durationMs / 1000)} s (offence ${r.offence}) until ${new Date(r.untilMs).toISOString()}`,
      };
    }
    case "isolate_user_session": {
      if (target === "-") return { status: "skipped", detail: "no user in the evidence" };
      // Only sessions that took part: a brute force from outside has none, and must not log the victim out.
      if (i.context.sessions.length === 0) return { status: "skipped", detail: "no session in the evidence" };
      const id = need(p.identity, "identity");
      const user = target.slice(5);
      const n = await id.revokeUserSessions(user, reason);
      const t = id.revokeUserTokens ? await id.revokeUserTokens(user, reason) : undefined;
      return {
        status: "done",
        detail: `${n} session(s) revoked${t === undefined ? " (token revocation not wired)" : `, ${t} token(s) revoked`}`,
      };
    }
    case "lock_user": {
      if (target === "-") return { status: "skipped", detail: "no user in the evidence" };
      await need(p.identity, "identity").disableUser(target.slice(5), reason);
      return { status: "done", detail: `${target} disabled` };
    }
    case "alert_security_team":
    case "notify_management":
    case "alert_risk_manager": {
      const channel = CHANNEL[action] as AlertChannel;
      if (!p.alerts?.configured(channel))
        return { status: "skipped", detail: `alert channel ${channel} is not configured` };
      const ev = await p.store.evidence(i.id);
      await p.alerts.send(channel, {
        incident: i.id,
        type: i.type,
        subject: i.subject,
        severity: i.severity,
        status: i.status,
        escalated: i.escalated,
        events: i.eventCount,
        evidence: ev.slice(0, 50).map((e) => e.index),
        context: i.context,
        ...(target === "escalation" ? { escalation: true } : {}),
      });
      return { status: "done", detail: `sent to ${channel}` };
    }
    case "freeze_positions": {
      await need(p.trading, "trading controls").halt(target, `freeze positions: ${reason}`);
      return { status: "done", detail: `${target} halted` };
    }
    case "halt_strategy": {
      await need(p.trading, "trading controls").halt(target, `halt: ${reason}`);
      return { status: "done", detail: `${target} halted` };
    }
    case "stop_all_processes": {
      await need(p.trading, "trading controls").halt("global", `stop all: ${reason}`);
      return { status: "done", detail: "global halt" };
    }
    case "immediate_isolation": {
      await need(p.readOnly, "read-only mode").hold(i.id);
      return { status: "done", detail: "read-only mode on until the incident is resolved" };
    }
    case "preserve_evidence": {
      const ev = await p.store.evidence(i.id);
      const r = await need(p.evidence, "the evidence preserver").preserve(
        i,
        ev.map((e) => e.index),
      );
      return { status: "done", detail: `bundle ${r.location} sha256 ${r.sha256}` };
    }
    case "manual_review":
      return { status: "done", detail: "queued for manual review" };
  }
}
