// The responder: the DetectionSink that turns detections into incidents and runs their playbooks.
// Grouping: a detection joins the open incident of the same type and subject whose last event is
// within the group window, else opens one whose id derives from the triggering ledger index (so a
// detection processed twice, or replayed, lands on the same incident). Lifecycle: detected →
// responding (actions started or acknowledged) → contained (every action finished) → resolved |
// false_positive (people). Escalation when the incident's events pass the type's
// escalation_threshold, or when an action fails after its retries. Every step is a ledger event.
// Concurrency: the consumer (one per instance), the action runner and people all write incidents;
// every write is optimistic (#mutate: applied over the version read, else re-read and re-applied),
// and only people close an incident: once closed, nothing here changes it or runs its playbook.
import type { AuditEventInput, AuditRecorder } from "../audit/index.js";
import type { Detection, DetectionSink, Severity } from "../detection/index.js";
import { THREAT_LEVELS } from "../detection/index.js";
import type { Clock, Logger, RampartError } from "../kernel/index.js";
import { silentLogger } from "../kernel/index.js";
import { type ActionPorts, describeAction, executeAction, planTargets } from "./actions.js";
import { incidentConflict, incidentNotFound, incidentTransition } from "./errors.js";
import type { IncidentFilter, IncidentStore } from "./ports.js";
import { ActionRunner } from "./runner.js";
import { escalationActions, incidentType, playbookFor, type ResponseSettings } from "./settings.js";
import {
  ACTION_FINISHED,
  type ActionName,
  type ActionRecord,
  type ActionStatus,
  CLOSED,
  type EvidenceItem,
  type Incident,
  type IncidentContext,
  type IncidentStatus,
} from "./types.js";

export interface ResponderOptions {
  readonly store: IncidentStore;
  readonly settings: ResponseSettings;
  readonly clock: Clock;
  readonly logger?: Logger | undefined;
  /** Where incident events go; absent in replay (nothing is recorded). */
  readonly audit?: AuditRecorder | undefined;
  readonly ports?: Omit<ActionPorts, "store"> | undefined;
  /** Every playbook in dry run (replay, or a trial of the rules). */
  readonly dryRun?: boolean | undefined;
  /** How often read-only holds are checked against the incidents' status in the store (ms). */
  readonly reconcileMs?: number | undefined;
}

export interface IncidentActor {
  readonly id: string;
  readonly via: "cli" | "api" | "system";
  readonly ip?: string | null | undefined;
  readonly requestId?: string | null | undefined;
}

export interface IncidentView {
  readonly incident: Incident;
  readonly evidence: EvidenceItem[];
  readonly actions: ActionRecord[];
}

const SYSTEM: IncidentActor = { id: "system:response", via: "system" };
/** Attempts at one incident write before giving up (each lost only to another writer's success). */
const MAX_WRITES = 8;
/** An incident's block_ip record in these states holds (or is about to place) a block. */
const HOLDS_BLOCK: readonly ActionStatus[] = ["pending", "running", "done"];

function maxSeverity(a: Severity, b: Severity): Severity {
  return THREAT_LEVELS.indexOf(b) > THREAT_LEVELS.indexOf(a) ? b : a;
}
function raise(s: Severity): Severity {
  return THREAT_LEVELS[Math.min(THREAT_LEVELS.length - 1, THREAT_LEVELS.indexOf(s) + 1)] as Severity;
}
function union(a: readonly string[], b: readonly string[], cap = 50): string[] {
  const out = [...a];
  for (const x of b) if (!out.includes(x) && out.length < cap) out.push(x);
  return out;
}
function mergeContext(c: IncidentContext, d: Detection): IncidentContext {
  return {
    ips: union(c.ips, d.context.ips),
    users: union(c.users, d.context.users),
    sessions: union(c.sessions, d.context.sessions),
    instruments: union(c.instruments, d.context.instruments),
    strategies: union(c.strategies, d.context.strategies),
    patterns: union(c.patterns, d.context.patterns),
    summaries: union(c.summaries, [d.summary], 20),
  };
}
/** An incident context with nothing in it yet. */
export const EMPTY_CONTEXT: IncidentContext = {
  ips: [],
  users: [],
  sessions: [],
  instruments: [],
  strategies: [],
  patterns: [],
  summaries: [],
};

export class Responder implements DetectionSink {
  readonly #o: ResponderOptions;
  readonly #store: IncidentStore;
  readonly #log: Logger;
  readonly #ports: ActionPorts;
  readonly #runner: ActionRunner;
  #reconcile: ReturnType<typeof setInterval> | undefined;

  constructor(o: ResponderOptions) {
    this.#o = o;
    this.#store = o.store;
    this.#log = o.logger ?? silentLogger;
    this.#ports = { ...(o.ports ?? {}), store: o.store };
    const s = o.settings.section;
    this.#runner = new ActionRunner({
      timeoutMs: s.action_timeout_s * 1000,
      maxAttempts: s.max_attempts,
      backoffMs: s.retry_backoff_ms,
      attempt: (id, key, n) => this.#attempt(id, key, n),
      failed: (id, key, err, final, n) => this.#failed(id, key, err, final, n),
    });
  }

  /**
   * Re-establishes read-only holds and resumes actions left unfinished by a restart; then, every
   * few seconds, releases holds whose incident was closed elsewhere (a CLI with no shared Redis
   * closes it in the database only: the database, not the ephemeral set, decides).
   */
  async start(): Promise<void> {
    for (const a of await this.#store.unfinishedActions())
      this.#runner.enqueue(a.incidentId, a.key, a.attempts + 1);
    const ro = this.#ports.readOnly;
    if (ro) {
      for (const i of await this.#store.list({ open: true, limit: 1000 })) {
        const acts = await this.#store.actions(i.id);
        if (acts.some((a) => a.action === "immediate_isolation" && a.status === "done")) await ro.hold(i.id);
      }
      this.#reconcile = setInterval(() => {
        void this.#releaseClosedHolds(ro).catch((e: unknown) =>
          this.#log.error({ err: e instanceof Error ? e.message : String(e) }, "read-only reconcile failed"),
        );
      }, this.#o.reconcileMs ?? 2000);
      this.#reconcile.unref?.();
    }
  }

  async #releaseClosedHolds(ro: NonNullable<ActionPorts["readOnly"]>): Promise<void> {
    for (const id of await ro.holders()) {
      const i = await this.#store.get(id);
      if (!i || CLOSED.includes(i.status)) {
        await ro.release(id);
        this.#log.info({ incident: id }, "read-only hold released: the incident was closed");
      }
    }
  }

  /** Resolves when no action is queued, running or waiting for a retry. */
  idle(): Promise<void> {
    return this.#runner.idle();
  }

  stop(): Promise<void> {
    if (this.#reconcile) clearInterval(this.#reconcile);
    this.#reconcile = undefined;
    return this.#runner.stop();
  }

  async handle(detections: readonly Detection[]): Promise<void> {
    for (const d of detections) await this.#one(d);
  }

  list(filter: IncidentFilter): Promise<Incident[]> {
    return this.#store.list(filter);
  }

  async view(id: string): Promise<IncidentView> {
    const incident = await this.#store.get(id);
    if (!incident) throw incidentNotFound(id);
    return { incident, evidence: await this.#store.evidence(id), actions: await this.#store.actions(id) };
  }

  async acknowledge(id: string, actor: IncidentActor): Promise<Incident> {
    return this.#transition(id, actor, "incident.acknowledged", (i) => {
      if (CLOSED.includes(i.status)) throw incidentTransition(i.status, "acknowledged");
      return { ...i, acknowledgedBy: actor.id, status: i.status === "detected" ? "responding" : i.status };
    });
  }

  async resolve(id: string, actor: IncidentActor, note: string): Promise<Incident> {
    return this.#close(id, actor, "resolved", note);
  }

  async markFalsePositive(id: string, actor: IncidentActor, note: string): Promise<Incident> {
    return this.#close(id, actor, "false_positive", note);
  }

  async #close(id: string, actor: IncidentActor, to: IncidentStatus, note: string): Promise<Incident> {
    const done = await this.#transition(id, actor, `incident.${to}`, (i) => {
      if (CLOSED.includes(i.status)) throw incidentTransition(i.status, to);
      return { ...i, status: to, closedBy: actor.id, resolution: note };
    });
    await this.#ports.readOnly?.release(id);
    if (to === "false_positive" && this.#ports.blocklist)
      for (const a of await this.#store.actions(id))
        if (a.action === "block_ip" && a.status === "done") await this.#liftBlock(id, a.target);
    return done;
  }

  /**
   * Lifts the block that incident `id` (a false positive) placed on `ip`, unless another incident
   * that is still open holds one on the same address (placed, being placed, or waiting for a
   * retry): the blocklist has one entry per address, so blocks are attributed through the
   * incidents' block_ip action records. Such an address stays blocked until its expiry.
   */
  async #liftBlock(id: string, ip: string): Promise<void> {
    const blocklist = this.#ports.blocklist;
    if (!blocklist) return;
    const others = (await this.#store.openActions("block_ip", ip)).filter(
      (a) => a.incidentId !== id && !a.dryRun && HOLDS_BLOCK.includes(a.status),
    );
    if (others.length > 0) {
      this.#log.info(
        { incident: id, ip, heldBy: others.map((a) => a.incidentId) },
        "block kept: another open incident holds it",
      );
      return;
    }
    await blocklist.unblock(ip);
  }

  async #transition(
    id: string,
    actor: IncidentActor,
    action: string,
    change: (i: Incident) => Incident,
  ): Promise<Incident> {
    let recordedFrom: IncidentStatus | undefined;
    const r = await this.#mutate(id, async (cur) => {
      const next = { ...change(cur), updatedAt: this.#o.clock.now() };
      // Recorded before it takes effect (fail-closed for people's actions); a retry after another
      // writer's change records again only if it found another status.
      if (recordedFrom !== cur.status) {
        await this.#record(
          {
            action,
            outcome: "success",
            resource: id,
            details: {
              from: cur.status,
              to: next.status,
              ...(next.resolution && next.resolution !== cur.resolution ? { note: next.resolution } : {}),
            },
          },
          actor,
        );
        recordedFrom = cur.status;
      }
      return next;
    });
    if (!r) throw incidentNotFound(id);
    return r.after;
  }

  /**
   * One write of an incident under optimistic concurrency. `change` gets the stored incident and
   * returns what to store, or undefined when there is nothing to do (e.g. it was closed). The write
   * applies only over the version read; when another writer got in between, the change is applied
   * again to a fresh read, up to MAX_WRITES times. `read`, when given, is a copy just read (saves
   * the first read). Undefined when nothing was written.
   */
  async #mutate(
    id: string,
    change: (cur: Incident) => Incident | undefined | Promise<Incident | undefined>,
    read?: Incident,
  ): Promise<{ before: Incident; after: Incident } | undefined> {
    let cur = read;
    for (let tries = 0; tries < MAX_WRITES; tries++) {
      cur ??= await this.#store.get(id);
      if (!cur) return undefined;
      const next = await change(cur);
      if (!next) return undefined;
      const write: Incident = { ...next, id: cur.id, version: cur.version };
      if (await this.#store.update(write))
        return { before: cur, after: { ...write, version: cur.version + 1 } };
      cur = undefined;
    }
    throw incidentConflict(id);
  }

  /** `regroup`: whether an incident closed under this detection may send it to a new one. */
  async #one(d: Detection, regroup = true): Promise<void> {
    const s = this.#o.settings;
    const t = incidentType(s, d.type);
    const now = this.#o.clock.now();
    let inc = await this.#store.findOpen(d.type, d.subject);
    if (inc && inc.lastEventAt < d.atMs - s.groupWindowMs) inc = undefined;
    let created = false;
    if (!inc) {
      const fresh: Incident = {
        id: `inc-${d.index}-${d.type}`,
        type: d.type,
        subject: d.subject,
        status: "detected",
        severity: d.severity ? maxSeverity(t.severity, d.severity) : t.severity,
        openedAt: now,
        updatedAt: now,
        firstIndex: d.evidence[0] ?? d.index,
        lastIndex: d.index,
        firstEventAt: d.atMs,
        lastEventAt: d.atMs,
        eventCount: 0,
        detectionCount: 0,
        escalated: false,
        dryRun: this.#o.dryRun === true || playbookFor(s, d.type).dryRun,
        acknowledgedBy: null,
        closedBy: null,
        resolution: null,
        rules: [],
        context: EMPTY_CONTEXT,
        version: 0,
      };
      if (await this.#store.insert(fresh)) {
        created = true;
        inc = fresh;
      } else {
        // Processed before (a replay): the incident it opened, unless people have closed it since.
        inc = await this.#store.get(fresh.id);
        if (!inc || CLOSED.includes(inc.status)) return;
      }
    }
    const added = await this.#store.addEvidence(
      inc.id,
      d.evidence.map((index) => ({ index, rule: d.rule })),
    );
    if (!created && added === 0 && inc.rules.includes(d.rule)) return; // processed before
    // Applied to the incident as stored at the time of the write: another instance's consumer may
    // have added its own events, a person may have acknowledged or closed it.
    const r = await this.#mutate(
      inc.id,
      (cur) => {
        if (CLOSED.includes(cur.status)) return undefined;
        const next: Incident = {
          ...cur,
          updatedAt: now,
          lastIndex: Math.max(cur.lastIndex, d.index),
          lastEventAt: Math.max(cur.lastEventAt, d.atMs),
          firstIndex: Math.min(cur.firstIndex, d.evidence[0] ?? d.index),
          eventCount: cur.eventCount + added,
          detectionCount: cur.detectionCount + 1,
          severity: d.severity ? maxSeverity(cur.severity, d.severity) : cur.severity,
          rules: union(cur.rules, [d.rule]),
          context: mergeContext(cur.context, d),
        };
        return !next.escalated && next.eventCount > t.escalation_threshold
          ? { ...next, escalated: true, severity: raise(next.severity) }
          : next;
      },
      inc,
    );
    if (created)
      await this.#record({
        action: "incident.detected",
        outcome: "success",
        resource: inc.id,
        details: {
          type: inc.type,
          subject: inc.subject,
          severity: r?.after.severity ?? inc.severity,
          rule: d.rule,
          evidence: d.evidence.slice(0, 50),
          summary: d.summary,
        },
        risk_score: 100,
      });
    if (!r) {
      // Closed by a person after it was read: it stays as they left it (its evidence rows aside),
      // and the detection goes where it would have gone had it come a moment later, a new incident.
      if (regroup && !created) await this.#one(d, false);
      return;
    }
    const next = r.after;
    if (next.escalated && !r.before.escalated)
      await this.#escalate(
        next,
        `events ${next.eventCount} passed the escalation threshold ${t.escalation_threshold}`,
        false,
      );
    const pb = playbookFor(s, next.type);
    await this.#plan(next, pb.actions, next.dryRun);
  }

  async #plan(i: Incident, actions: readonly ActionName[], dryRun: boolean, target?: string): Promise<void> {
    const now = this.#o.clock.now();
    for (const action of actions) {
      for (const tgt of target === undefined ? planTargets(action, i) : [target]) {
        const rec: ActionRecord = {
          incidentId: i.id,
          key: `${action}:${tgt}`,
          action,
          target: tgt,
          status: dryRun ? "dry_run" : "pending",
          attempts: 0,
          dryRun,
          detail: dryRun ? `would ${describeAction(action, tgt)}` : null,
          createdAt: now,
          updatedAt: now,
        };
        if (!(await this.#store.insertAction(rec))) continue;
        if (dryRun) await this.#recordAction(rec, "success");
        else this.#runner.enqueue(i.id, rec.key);
      }
    }
    if (dryRun) await this.#maybeContained(i.id);
  }

  async #escalate(i: Incident, why: string, mark: boolean): Promise<void> {
    let cur = i;
    if (mark) {
      const r = await this.#mutate(i.id, (fresh) =>
        fresh.escalated || CLOSED.includes(fresh.status)
          ? undefined
          : { ...fresh, escalated: true, severity: raise(fresh.severity), updatedAt: this.#o.clock.now() },
      );
      if (!r) return;
      cur = r.after;
    }
    await this.#record({
      action: "incident.escalated",
      outcome: "success",
      resource: cur.id,
      details: { reason: why, severity: cur.severity },
      risk_score: 100,
    });
    this.#log.warn({ incident: cur.id, reason: why }, "incident escalated");
    await this.#plan(cur, escalationActions(this.#o.settings), cur.dryRun, "escalation");
  }

  async #find(id: string, key: string): Promise<{ i: Incident; a: ActionRecord } | undefined> {
    const i = await this.#store.get(id);
    const a = (await this.#store.actions(id)).find((x) => x.key === key);
    return i && a ? { i, a } : undefined;
  }

  async #attempt(id: string, key: string, n: number): Promise<void> {
    const found = await this.#find(id, key);
    if (!found || ACTION_FINISHED.includes(found.a.status)) return;
    const { i, a } = found;
    if (i.status === "false_positive") {
      // A person found nothing to respond to: what the playbook had not done yet is not done.
      const skipped: ActionRecord = {
        ...a,
        status: "skipped",
        detail: "not run: the incident was marked a false positive",
        updatedAt: this.#o.clock.now(),
      };
      await this.#store.updateAction(skipped);
      await this.#recordAction(skipped, "success");
      return;
    }
    if (i.status === "detected")
      await this.#mutate(
        id,
        (cur) =>
          cur.status === "detected"
            ? { ...cur, status: "responding", updatedAt: this.#o.clock.now() }
            : undefined,
        i,
      );
    await this.#store.updateAction({ ...a, status: "running", attempts: n, updatedAt: this.#o.clock.now() });
    const out = await executeAction(a.action, a.target, i, this.#ports);
    const done: ActionRecord = {
      ...a,
      status: out.status,
      attempts: n,
      detail: out.detail,
      updatedAt: this.#o.clock.now(),
    };
    await this.#store.updateAction(done);
    await this.#recordAction(done, "success");
    if (done.action === "block_ip" && done.status === "done") {
      // Marked a false positive while this block was being placed: the close found the action not
      // yet done and left it, so it is lifted here. (The close writes the status before reading the
      // actions, this the action before reading the status: one of the two sees the other.)
      const latest = await this.#store.get(id);
      if (latest?.status === "false_positive") await this.#liftBlock(id, done.target);
    }
    await this.#maybeContained(id);
  }

  async #failed(id: string, key: string, err: RampartError, final: boolean, n: number): Promise<void> {
    const found = await this.#find(id, key);
    if (!found) return;
    const detail = err.detail ?? err.code;
    const rec: ActionRecord = {
      ...found.a,
      status: final ? "failed" : "pending",
      attempts: n,
      detail: `attempt ${n}: ${detail}`,
      updatedAt: this.#o.clock.now(),
    };
    await this.#store.updateAction(rec);
    this.#log.error(
      { incident: id, action: key, attempt: n, code: err.code, detail },
      "response action failed",
    );
    if (!final) return;
    await this.#recordAction(rec, "failure");
    await this.#escalate(found.i, `action ${key} failed after ${n} attempt(s)`, true);
  }

  async #maybeContained(id: string): Promise<void> {
    const acts = await this.#store.actions(id);
    if (acts.length === 0 || !acts.every((a) => ACTION_FINISHED.includes(a.status) && a.status !== "failed"))
      return;
    const r = await this.#mutate(id, (i) =>
      i.status === "responding" || i.status === "detected"
        ? { ...i, status: "contained", updatedAt: this.#o.clock.now() }
        : undefined,
    );
    if (r)
      await this.#record({
        action: "incident.contained",
        outcome: "success",
        resource: id,
        details: { from: r.before.status },
      });
  }

  async #recordAction(a: ActionRecord, outcome: "success" | "failure"): Promise<void> {
    await this.#record({
      action: "incident.action",
      outcome,
      resource: a.incidentId,
      details: {
        action: a.action,
        target: a.target,
        status: a.status,
        attempts: a.attempts,
        dry_run: a.dryRun,
        detail: a.detail,
      },
    });
  }

  async #record(
    e: Omit<AuditEventInput, "event_type" | "user_id" | "ip_address" | "request_id">,
    actor: IncidentActor = SYSTEM,
  ): Promise<void> {
    if (!this.#o.audit) return;
    const input: AuditEventInput = {
      ...e,
      event_type: "incident",
      user_id: actor.via === "system" ? null : actor.id,
      ip_address: actor.ip ?? null,
      request_id: actor.requestId ?? null,
      details: { ...(e.details ?? {}), via: actor.via, actor: actor.id },
    };
    try {
      await this.#o.audit.record(input);
    } catch (err) {
      // A containment action stands even if the ledger is down (the safe direction); say so loudly.
      this.#log.error(
        { err: err instanceof Error ? err.message : String(err), action: e.action },
        "incident event not recorded",
      );
      if (actor !== SYSTEM) throw err;
    }
  }
}
