// The trading service: Rampart's authoritative trading state per scope and the verbs that carry it
// to the trading system. Tightening (halt, reduce) takes effect at once — database, this
// instance's cache, then every other instance via publish — and is recorded in the ledger; if the
// ledger cannot write, the halt stands anyway (halting is the safe direction) and the failure is
// logged. Loosening (resume) is four-eyes and fail-closed: recorded before it takes effect.
import type { AuditRecorder } from "../audit/index.js";
import type { Clock, Logger } from "../kernel/index.js";
import { RampartError } from "../kernel/index.js";
import { actuate } from "./actuation.js";
import type { TradingAdapter } from "./adapters/types.js";
import {
  adapterNotConfigured,
  approvalNotFound,
  approvalNotUsable,
  resumeRequired,
  selfApproval,
  tradingHalted,
  tradingStateUnknown,
} from "./errors.js";
import type { TradingStore } from "./ports.js";
import type { ResumeApprovals } from "./resume-approvals.js";
import { checkReason, loosens, normaliseScope, parseScope } from "./scope.js";
import type { TradingStateCache } from "./state-cache.js";
import type {
  ResumeRequest,
  ScopeState,
  TradingAction,
  TradingActor,
  TradingScope,
  TradingState,
  TradingVerb,
} from "./types.js";

export interface TradingServiceDeps {
  store: TradingStore;
  cache: TradingStateCache;
  audit: AuditRecorder;
  approvals: ResumeApprovals;
  clock: Clock;
  logger: Logger;
  /** The trading system's control adapter (pysystemtrade, webhook, command), if configured. */
  adapter?: TradingAdapter | undefined;
  /** The broker kill switch (IBC), if configured. */
  broker?: TradingAdapter | undefined;
  newId: () => string;
  /** Monotonic milliseconds for durations (drills). */
  timer: () => number;
  /** How often a restriction the database could not take is tried again (ms; default 1000). */
  storeRetryMs?: number | undefined;
}

export interface StateChange {
  scope: TradingScope;
  before: TradingState;
  after: TradingState;
  version: number;
  /** False when the ledger could not record a tightening change (it took effect anyway). */
  audited: boolean;
  actions: TradingAction[];
  /** Monotonic time when this instance enforced the new state (drills). */
  enforcedAt: number;
  /**
   * False when the database could not take a halt or reduce: it is enforced by this instance and its
   * adapter anyway, announced to the others, and stored (and recorded) once the database answers.
   */
  stored: boolean;
}

/** A halt or reduce enforced while the database could not take it. */
interface Unstored {
  target: "HALTED" | "REDUCING";
  reason: string;
  actor: TradingActor;
  since: number;
}

export interface GateRequest {
  reducesRisk?: boolean | undefined;
  /** The request's instrument (form field), which adds `instrument:CODE` to the scopes checked. */
  instrument?: string | undefined;
}

export interface DrillReport {
  scope: TradingScope;
  approvalId: string;
  timeToHaltMs: number;
  timeToConfirmMs: number | null;
  confirmed: boolean;
  resumed: boolean;
  actions: TradingAction[];
}

const INSTRUMENT = /^[A-Za-z0-9_.-]{1,64}$/;

function verbFor(scope: TradingScope, state: TradingState): TradingVerb {
  if (state === "ACTIVE") return "resume";
  if (state === "REDUCING") return "reduce_only";
  const kind = parseScope(scope).kind;
  return kind === "global" ? "halt_all" : kind === "strategy" ? "halt_strategy" : "freeze_instrument";
}

export class TradingService {
  private readonly unstored = new Map<TradingScope, Unstored>();
  private retryTimer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  constructor(private readonly deps: TradingServiceDeps) {}

  start(): Promise<void> {
    return this.deps.cache.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    await this.deps.cache.stop();
    await this.deps.adapter?.close().catch(() => {});
    await this.deps.broker?.close().catch(() => {});
  }

  get adapterName(): string | null {
    return this.deps.adapter?.name ?? null;
  }

  /** Every recorded scope, as this instance enforces it. */
  states(): ScopeState[] {
    return this.deps.cache.all();
  }

  effective(scopes: readonly TradingScope[]): { state: TradingState; scope: TradingScope } {
    return this.deps.cache.effective(scopes);
  }

  /**
   * The gateway's check for a route's action: `trading:*` actions are refused (423) while the
   * effective state is HALTED, and while REDUCING unless the route reduces risk. A request whose
   * instrument cannot be told (none given, or not a well-formed code) may be about any instrument:
   * it is held to the most restrictive instrument state there is.
   */
  check(action: string, req: GateRequest = {}): void {
    if (!action.startsWith("trading:")) return;
    if (!this.deps.cache.ready) throw tradingStateUnknown();
    const scopes: TradingScope[] = ["global"];
    if (req.instrument !== undefined && INSTRUMENT.test(req.instrument))
      scopes.push(`instrument:${req.instrument}`);
    else scopes.push(...this.deps.cache.scopes("instrument:"));
    const eff = this.deps.cache.effective(scopes);
    if (eff.state === "HALTED" || (eff.state === "REDUCING" && req.reducesRisk !== true))
      throw tradingHalted(eff.scope, eff.state, action);
  }

  halt(p: {
    scope?: string | undefined;
    reason: string;
    actor: TradingActor;
    broker?: boolean;
  }): Promise<StateChange> {
    return this.tighten("HALTED", p);
  }

  reduce(p: { scope?: string | undefined; reason: string; actor: TradingActor }): Promise<StateChange> {
    return this.tighten("REDUCING", p);
  }

  /** Sends STOP to IBC's command server (the broker kill switch). */
  async brokerStop(p: { reason: string; actor: TradingActor }): Promise<TradingAction> {
    if (!this.deps.broker) throw adapterNotConfigured("the broker kill switch (trading.ibc.port)");
    return actuate(this.deps, this.deps.broker, {
      verb: "broker_stop",
      scope: "global",
      reason: checkReason(p.reason),
      actor: p.actor,
    });
  }

  async proposeResume(p: {
    scope?: string | undefined;
    reason: string;
    actor: TradingActor;
    drill?: boolean;
  }): Promise<ResumeRequest> {
    const scope = normaliseScope(p.scope);
    const reason = checkReason(p.reason);
    const r = await this.deps.approvals.propose({ scope, reason, actor: p.actor, drill: p.drill === true });
    await this.record(p.actor, "trading.resume_proposed", scope, {
      approval_id: r.id,
      scope,
      reason,
      drill: r.drill,
      expires_at: new Date(r.expiresAt).toISOString(),
    });
    return r;
  }

  /**
   * The second person's approval. A resume request is applied at once (trading becomes ACTIVE for
   * its scope); a drill request is only approved, to be applied by `drill()`.
   */
  async approveResume(
    id: string,
    approver: TradingActor,
  ): Promise<{ request: ResumeRequest; change?: StateChange }> {
    const request = await this.deps.approvals.approve(id, approver);
    await this.record(approver, "trading.resume_approved", request.scope, {
      approval_id: id,
      scope: request.scope,
      proposed_by: request.proposedBy,
      drill: request.drill,
    });
    if (request.drill) return { request };
    const change = await this.applyApprovedResume(request, approver);
    return { request: { ...request, status: "applied" }, change };
  }

  /**
   * Applies an approved resume (the approvals registry's applier for kind `trading.resume` calls
   * this too). Single use: a request already applied is refused.
   */
  async applyApprovedResume(request: ResumeRequest, approver: TradingActor): Promise<StateChange> {
    if (
      request.status !== "approved" ||
      request.approvedBy === null ||
      request.approvedBy === request.proposedBy
    )
      throw approvalNotUsable(request.status);
    if (!(await this.deps.approvals.markApplied(request.id))) throw approvalNotUsable("already applied");
    return this.changeState(request.scope, "ACTIVE", `resume: ${request.reason}`, approver, {
      approval_id: request.id,
      proposed_by: request.proposedBy,
      approved_by: request.approvedBy,
    });
  }

  /**
   * A resume the approvals module (kind `trading.resume`) has approved: it has already checked that
   * the approver is a different, authorised person and applies each proposal at most once.
   */
  async applyExternalResume(p: {
    scope: string;
    reason: string;
    approvalId: string;
    proposedBy: string;
    approver: TradingActor;
  }): Promise<StateChange> {
    if (p.proposedBy === p.approver.id) throw selfApproval();
    const scope = normaliseScope(p.scope);
    return this.changeState(scope, "ACTIVE", `resume: ${checkReason(p.reason)}`, p.approver, {
      approval_id: p.approvalId,
      proposed_by: p.proposedBy,
      approved_by: p.approver.id,
    });
  }

  listResumeRequests(): Promise<ResumeRequest[]> {
    return this.deps.approvals.listOpen();
  }

  listActions(limit = 50): Promise<TradingAction[]> {
    return this.deps.store.listActions(Math.max(1, Math.min(limit, 500)));
  }

  /**
   * A drill: halt `scope`, wait for the adapter's confirmation, resume through a drill approval
   * proposed and approved beforehand by two people, and record the times in the ledger.
   */
  async drill(p: {
    scope?: string | undefined;
    approvalId: string;
    reason: string;
    actor: TradingActor;
  }): Promise<DrillReport> {
    const scope = normaliseScope(p.scope);
    const reason = checkReason(p.reason);
    const approval = await this.deps.approvals.get(p.approvalId);
    if (!approval) throw approvalNotFound();
    if (!approval.drill || approval.scope !== scope)
      throw new RampartError(
        "ERR_TRADING_APPROVAL_NOT_USABLE",
        `approval ${p.approvalId} is not a drill approval for ${scope}`,
        {
          status: 409,
        },
      );
    if (approval.status !== "approved") throw approvalNotUsable(approval.status);
    if (this.deps.clock.now() > approval.expiresAt) throw approvalNotUsable("expired");
    const t0 = this.deps.timer();
    const halt = await this.halt({ scope, reason: `drill: ${reason}`, actor: p.actor });
    const timeToHaltMs = halt.enforcedAt - t0;
    const confirmedAction = halt.actions.find((a) => a.status === "confirmed");
    const confirmed = this.deps.adapter
      ? confirmedAction !== undefined && halt.actions.every((a) => a.status === "confirmed")
      : false;
    const timeToConfirmMs = confirmed ? this.deps.timer() - t0 : null;
    const approver: TradingActor = { id: approval.approvedBy ?? "unknown", via: "approval" };
    const resume = await this.applyApprovedResume(approval, approver);
    const report: DrillReport = {
      scope,
      approvalId: approval.id,
      timeToHaltMs: Math.round(timeToHaltMs * 10) / 10,
      timeToConfirmMs: timeToConfirmMs === null ? null : Math.round(timeToConfirmMs * 10) / 10,
      confirmed,
      resumed: resume.after === "ACTIVE",
      actions: [...halt.actions, ...resume.actions],
    };
    await this.record(
      p.actor,
      "trading.drill",
      scope,
      {
        scope,
        reason,
        approval_id: approval.id,
        time_to_halt_ms: report.timeToHaltMs,
        time_to_confirm_ms: report.timeToConfirmMs,
        confirmed,
        resumed: report.resumed,
        adapter: this.deps.adapter?.name ?? null,
        action_ids: report.actions.map((a) => a.id),
      },
      confirmed && report.resumed ? "success" : "failure",
    );
    return report;
  }

  private async tighten(
    target: "HALTED" | "REDUCING",
    p: { scope?: string | undefined; reason: string; actor: TradingActor; broker?: boolean },
  ): Promise<StateChange> {
    const scope = normaliseScope(p.scope);
    const reason = checkReason(p.reason);
    const change = await this.changeState(scope, target, reason, p.actor, {});
    if (p.broker) {
      if (!this.deps.broker) change.actions.push(await this.missingBroker(reason, p.actor));
      else
        change.actions.push(
          await actuate(this.deps, this.deps.broker, { verb: "broker_stop", scope, reason, actor: p.actor }),
        );
    }
    return change;
  }

  private async missingBroker(reason: string, actor: TradingActor): Promise<TradingAction> {
    const failing: TradingAdapter = {
      name: "ibc",
      supports: () => true,
      execute: async () => ({
        ok: false,
        before: null,
        after: null,
        error: "trading.ibc.port is not configured",
      }),
      confirm: async (_v, _s, r) => ({
        confirmed: false,
        state: r.after,
        detail: r.error ?? "not configured",
      }),
      close: async () => {},
    };
    return actuate(this.deps, failing, { verb: "broker_stop", scope: "global", reason, actor });
  }

  private async changeState(
    scope: TradingScope,
    target: TradingState,
    reason: string,
    actor: TradingActor,
    extra: Record<string, unknown>,
  ): Promise<StateChange> {
    // A restriction still waiting for the database goes in first: nothing may overtake it.
    if (this.unstored.has(scope) && !(await this.storeUnstored(scope)) && target === "ACTIVE")
      throw new RampartError("ERR_STORE_UNAVAILABLE", "the trading state cannot be stored; try again", {
        status: 503,
      });
    try {
      return await this.writeState(scope, target, reason, actor, extra, true);
    } catch (e) {
      // A halt or reduce never waits for the database: enforce it here and through the adapter now,
      // and store it when the database answers. (Refusals and conflicts, 4xx, are answers, not
      // outages.)
      if (target === "ACTIVE" || (e instanceof RampartError && e.status < 500)) throw e;
      return this.enforceUnstored(scope, target, reason, actor, e);
    }
  }

  private async writeState(
    scope: TradingScope,
    target: TradingState,
    reason: string,
    actor: TradingActor,
    extra: Record<string, unknown>,
    withAdapter: boolean,
  ): Promise<StateChange> {
    const event =
      target === "HALTED" ? "trading.halt" : target === "REDUCING" ? "trading.reduce" : "trading.resume";
    for (let attempt = 0; attempt < 5; attempt++) {
      const readFrom = this.deps.cache.mark();
      const cur = await this.deps.store.getState(scope);
      const before: TradingState = cur?.state ?? "ACTIVE";
      // Out of a halt only through a four-eyes resume: reduce-only is a loosening too.
      if (target === "REDUCING" && before === "HALTED") throw resumeRequired(scope);
      const details = { scope, before, after: target, reason, via: actor.via, ...extra };
      // Loosening is fail-closed: no ledger record, no resume.
      if (loosens(before, target)) await this.record(actor, event, scope, details);
      const next = await this.deps.store.compareAndSetState(scope, cur?.version ?? 0, {
        state: target,
        reason,
        changedBy: actor.id,
        changedAt: this.deps.clock.now(),
      });
      if (!next) {
        // Another writer changed the scope first. A tightening re-reads and tries again; a resume
        // does not: it was approved against the state it read, and must not lift a newer halt.
        if (loosens(before, target)) {
          await this.record(actor, event, scope, { ...details, error: "conflict" }, "failure").catch(
            () => {},
          );
          throw new RampartError(
            "ERR_TRADING_CONFLICT",
            "the trading state changed while the resume was applied; propose it again",
            { status: 409 },
          );
        }
        continue;
      }
      await this.deps.cache.announce(next, readFrom).catch((e: unknown) => {
        this.deps.logger.error(
          { err: e },
          "trading state change not published; other instances catch up on refresh",
        );
      });
      const enforcedAt = this.deps.timer();
      let audited = true;
      if (!loosens(before, target)) {
        audited = await this.record(actor, event, scope, { ...details, version: next.version }).then(
          () => true,
          (e: unknown) => {
            this.deps.logger.error(
              { err: e, scope, state: target },
              "trading state change took effect but the ledger did not record it",
            );
            return false;
          },
        );
      }
      const actions = withAdapter ? await this.actuateState(scope, target, reason, actor) : [];
      return {
        scope,
        before,
        after: target,
        version: next.version,
        audited,
        actions,
        enforcedAt,
        stored: true,
      };
    }
    throw new RampartError("ERR_TRADING_CONFLICT", "the trading state kept changing; try again", {
      status: 409,
    });
  }

  private async actuateState(
    scope: TradingScope,
    target: TradingState,
    reason: string,
    actor: TradingActor,
  ): Promise<TradingAction[]> {
    const verb = verbFor(scope, target);
    if (!this.deps.adapter?.supports(verb)) return [];
    return [await actuate(this.deps, this.deps.adapter, { verb, scope, reason, actor })];
  }

  /** The database did not take a halt or reduce: enforce it anyway, and keep trying to store it. */
  private async enforceUnstored(
    scope: TradingScope,
    target: "HALTED" | "REDUCING",
    reason: string,
    actor: TradingActor,
    cause: unknown,
  ): Promise<StateChange> {
    const known = this.deps.cache.get(scope);
    const before: TradingState = known?.state ?? "ACTIVE";
    // As with the database up: reduce-only never takes a halted scope out of its halt.
    if (target === "REDUCING" && before === "HALTED") throw resumeRequired(scope);
    const now = this.deps.clock.now();
    const held: ScopeState = {
      scope,
      state: target,
      reason,
      changedBy: actor.id,
      changedAt: now,
      version: known?.version ?? 0,
    };
    this.deps.cache.holdLocal(held);
    const enforcedAt = this.deps.timer();
    const prev = this.unstored.get(scope);
    if (!prev || !loosens(prev.target, target))
      this.unstored.set(scope, { target, reason, actor, since: now });
    if (!this.stopped) {
      this.retryTimer ??= setInterval(() => void this.retryUnstored(), this.deps.storeRetryMs ?? 1000);
      this.retryTimer.unref?.();
    }
    this.deps.logger.error(
      { err: cause, scope, state: target },
      "trading state change enforced here and through the adapter, but not stored; retrying",
    );
    await this.deps.cache
      .hint(held)
      .catch((e: unknown) => this.deps.logger.error({ err: e }, "trading state change not published"));
    const audited = await this.record(actor, target === "HALTED" ? "trading.halt" : "trading.reduce", scope, {
      scope,
      before,
      after: target,
      reason,
      via: actor.via,
      stored: false,
    }).then(
      () => true,
      () => false,
    );
    const actions = await this.actuateState(scope, target, reason, actor);
    return {
      scope,
      before,
      after: target,
      version: held.version,
      audited,
      actions,
      enforcedAt,
      stored: false,
    };
  }

  /** Stores a held restriction; true once it is stored (or nothing was held). */
  private async storeUnstored(scope: TradingScope): Promise<boolean> {
    const u = this.unstored.get(scope);
    if (!u) return true;
    try {
      await this.writeState(
        scope,
        u.target,
        u.reason,
        u.actor,
        { enforced_since: new Date(u.since).toISOString() },
        false,
      );
    } catch (e) {
      // Resume-required means the database already holds a halt: nothing tighter to store.
      if (!(e instanceof RampartError && e.code === "ERR_TRADING_RESUME_REQUIRED")) return false;
    }
    // A tighter hold taken while this one was being stored stays: store it too.
    if (this.unstored.get(scope) !== u) return this.storeUnstored(scope);
    this.unstored.delete(scope);
    this.deps.cache.releaseLocal(scope);
    if (this.unstored.size === 0 && this.retryTimer) {
      clearInterval(this.retryTimer);
      this.retryTimer = undefined;
    }
    return true;
  }

  private storing: Promise<void> | undefined;

  /** Tries now to store the restrictions enforced while the database was down (the retry timer). */
  retryUnstored(): Promise<void> {
    this.storing ??= (async () => {
      for (const scope of [...this.unstored.keys()]) await this.storeUnstored(scope);
    })().finally(() => {
      this.storing = undefined;
    });
    return this.storing;
  }

  private async record(
    actor: TradingActor,
    action: string,
    scope: TradingScope,
    details: Record<string, unknown>,
    outcome: "success" | "failure" = "success",
  ): Promise<void> {
    await this.deps.audit.record({
      event_type: "trading",
      action,
      outcome,
      user_id: actor.id,
      ip_address: actor.ip ?? null,
      session_id: actor.sessionId ?? null,
      request_id: actor.requestId ?? null,
      resource: scope,
      details,
    });
  }
}
