// Two-person approval (four-eyes). A proposal is created by someone allowed the change itself; a
// different user allowed `approvals:approve` AND the change's action approves or rejects it. The
// decision is one conditional UPDATE (pending → approved while unexpired), so concurrent
// approvals apply the change exactly once; the winner then runs the kind's registered applier.
// Every step is an audit event, written before the step is acknowledged; an attempt to decide
// one's own proposal is a security event (risk-scored, for detection).
import type { AuditEventInput, AuditRecorder } from "../audit/index.js";
import { uuid } from "../crypto/index.js";
import { type Clock, isRampartError } from "../kernel/index.js";
import type { ApprovalActor, ApprovalStore, Approver, Proposal, ProposalStatus } from "./approval-types.js";
import {
  accessDenied,
  proposalExpired,
  proposalInvalid,
  proposalKindUnknown,
  proposalNotFound,
  proposalNotPending,
  selfApproval,
} from "./errors.js";
import type { Decision } from "./types.js";

/** The action an approver needs in addition to the change's own action. */
export const APPROVE_ACTION = "approvals:approve";
/** Route actions of the control API: creating proposals and reading them. */
export const PROPOSE_ACTION = "approvals:propose";
export const VIEW_ACTION = "approvals:view";

/** Risk score of a self-approval attempt (detection counts these). */
const SELF_APPROVAL_RISK = 70;
const MAX_NOTE = 1000;

export interface ApprovalSettings {
  /** Proposal lifetime (config approvals.ttl, seconds → ms). */
  readonly ttlMs: number;
  /** Kinds that must go through approval when requested through the API (config approvals.required_for). */
  readonly requiredFor: readonly string[];
}

export interface ApprovalDeps {
  readonly store: ApprovalStore;
  readonly policy: { check(roles: readonly string[], action: string): Decision };
  readonly audit: AuditRecorder;
  readonly clock: Clock;
  readonly settings: ApprovalSettings;
}

export interface ProposeInput {
  readonly kind: string;
  readonly payload: unknown;
  readonly reason?: string | null | undefined;
}

function note(text: string | null | undefined): string | null {
  if (text === undefined || text === null) return null;
  const t = text.normalize("NFKC").trim();
  return t === "" ? null : t.slice(0, MAX_NOTE);
}

export class ApprovalService {
  readonly #approvers = new Map<string, Approver<unknown>>();
  constructor(private readonly deps: ApprovalDeps) {}

  /** Plugs in a kind of change (trading registers `trading.resume`, the vault `secret.read`). */
  registerApprover<P>(kind: string, approver: Approver<P>): void {
    if (!/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/.test(kind))
      throw new TypeError(`proposal kind must look like domain.change, got ${JSON.stringify(kind)}`);
    if (this.#approvers.has(kind)) throw new TypeError(`an approver for ${kind} is already registered`);
    this.#approvers.set(kind, approver as Approver<unknown>);
  }

  /** Registered kinds, sorted. */
  kinds(): string[] {
    return [...this.#approvers.keys()].sort();
  }

  /** Whether a change of this kind must be proposed rather than made directly (API requests). */
  requiresApproval(kind: string): boolean {
    return this.deps.settings.requiredFor.includes(kind);
  }

  async propose(actor: ApprovalActor, input: ProposeInput): Promise<Proposal> {
    const { payload, action, summary } = this.#resolve(input.kind, input.payload);
    await this.#authorize(actor, action, "approval.propose", null);
    const now = this.deps.clock.now();
    const p: Proposal = {
      id: uuid(),
      kind: input.kind,
      payload,
      action,
      summary,
      requestedBy: actor.id,
      requestedByName: actor.name,
      reason: note(input.reason),
      status: "pending",
      createdAt: now,
      expiresAt: now + this.deps.settings.ttlMs,
      decidedBy: null,
      decidedByName: null,
      decidedAt: null,
      decisionNote: null,
      appliedAt: null,
      result: null,
      failure: null,
    };
    await this.deps.store.insertProposal(p);
    try {
      await this.#record(actor, "approval.proposed", "success", p, {
        expires_at: new Date(p.expiresAt).toISOString(),
        ...(p.reason ? { reason: p.reason } : {}),
      });
    } catch (e) {
      await this.deps.store.deleteProposal(p.id).catch(() => {});
      throw e;
    }
    return p;
  }

  async get(id: string): Promise<Proposal> {
    const p = await this.deps.store.findProposal(id);
    if (p === null) throw proposalNotFound();
    return this.#effective(p);
  }

  /** Newest first; expired proposals are marked (and their expiry recorded) on the way. */
  async list(filter: { status?: ProposalStatus | undefined; limit?: number } = {}): Promise<Proposal[]> {
    await this.#expireDue();
    return this.deps.store.listProposals({
      status: filter.status,
      limit: Math.min(Math.max(1, filter.limit ?? 100), 1000),
    });
  }

  /**
   * Uses up a single-use approval (a one-time secret read) in the database: true once, for one
   * caller, while the proposal is approved, applied and unexpired; false ever after.
   */
  consume(id: string): Promise<boolean> {
    return this.deps.store.consumeProposal(id, this.deps.clock.now());
  }

  /** Approves and applies. Throws when the caller is the requester, not allowed, or too late. */
  async approve(actor: ApprovalActor, id: string, decisionNote?: string | null): Promise<Proposal> {
    return this.#decide(actor, id, "approved", note(decisionNote));
  }

  /**
   * Rejects. The requester may withdraw their own proposal; anyone else needs the approver's
   * permissions.
   */
  async reject(actor: ApprovalActor, id: string, decisionNote?: string | null): Promise<Proposal> {
    return this.#decide(actor, id, "rejected", note(decisionNote));
  }

  async #decide(
    actor: ApprovalActor,
    id: string,
    status: "approved" | "rejected",
    decisionNote: string | null,
  ): Promise<Proposal> {
    const verb = status === "approved" ? "approval.approve" : "approval.reject";
    const found = await this.deps.store.findProposal(id);
    if (found === null) throw proposalNotFound();
    const own = found.requestedBy === actor.id;
    if (own && status === "approved") {
      await this.deps.audit.record({
        ...this.#base(actor, found),
        event_type: "authorization",
        action: "approval.self_approval",
        outcome: "denied",
        risk_score: SELF_APPROVAL_RISK,
        details: { proposal_id: found.id, kind: found.kind, action: found.action },
      });
      throw selfApproval();
    }
    const p = this.#effective(found);
    if (p.status === "expired") {
      await this.#expire(p);
      await this.#record(actor, verb, "failure", p, { reason: "expired" });
      throw proposalExpired();
    }
    if (p.status !== "pending") {
      await this.#record(actor, verb, "failure", p, { reason: "not_pending", status: p.status });
      throw proposalNotPending(p.status);
    }
    const approver = this.#approvers.get(p.kind);
    if (!own) {
      await this.#authorize(actor, APPROVE_ACTION, verb, p);
      await this.#authorize(actor, p.action, verb, p);
    }
    if (status === "approved" && approver === undefined) throw proposalKindUnknown(p.kind);
    const now = this.deps.clock.now();
    const won = await this.deps.store.decideProposal(p.id, {
      status,
      by: actor.id,
      byName: actor.name,
      at: now,
      note: decisionNote,
    });
    if (!won) {
      const after = this.#effective((await this.deps.store.findProposal(p.id)) ?? p);
      await this.#record(actor, verb, "failure", p, { reason: "lost_race", status: after.status });
      if (after.status === "expired") throw proposalExpired();
      throw proposalNotPending(after.status);
    }
    try {
      await this.#record(
        actor,
        status === "approved" ? "approval.approved" : "approval.rejected",
        "success",
        p,
        {
          ...(decisionNote ? { note: decisionNote } : {}),
          ...(own ? { withdrawn: true } : {}),
        },
      );
    } catch (e) {
      await this.deps.store.revertDecision(p.id, actor.id).catch(() => {});
      throw e;
    }
    if (status === "rejected" || approver === undefined) return this.get(p.id);
    return this.#apply(actor, approver, { ...p, status: "approved", decidedBy: actor.id, decidedAt: now });
  }

  async #apply(actor: ApprovalActor, approver: Approver<unknown>, p: Proposal): Promise<Proposal> {
    let result: unknown;
    try {
      result = (await approver.apply(p.payload, { proposal: p, approver: actor })) ?? null;
    } catch (e) {
      const failure = isRampartError(e) ? `${e.code}: ${e.message}` : "the change could not be applied";
      const at = this.deps.clock.now();
      await this.deps.store.finishProposal(p.id, { status: "failed", at, result: null, failure });
      await this.#record(actor, "approval.apply_failed", "error", p, { failure });
      throw e;
    }
    const at = this.deps.clock.now();
    await this.deps.store.finishProposal(p.id, { status: "approved", at, result, failure: null });
    await this.#record(actor, "approval.applied", "success", p, {});
    return this.get(p.id);
  }

  #resolve(kind: string, raw: unknown): { payload: unknown; action: string; summary: string } {
    const approver = this.#approvers.get(kind);
    if (approver === undefined) throw proposalKindUnknown(kind);
    const payload = approver.parse ? approver.parse(raw) : raw;
    let text: string | undefined;
    try {
      text = JSON.stringify(payload);
    } catch {
      text = undefined;
    }
    if (text === undefined || text.length > 16 * 1024)
      throw proposalInvalid("the payload must be JSON under 16 KiB");
    const action = typeof approver.action === "function" ? approver.action(payload) : approver.action;
    const summary = approver.describe ? approver.describe(payload) : `${kind} ${text.slice(0, 200)}`;
    return { payload: JSON.parse(text) as unknown, action, summary };
  }

  async #authorize(actor: ApprovalActor, action: string, verb: string, p: Proposal | null): Promise<void> {
    const d = this.deps.policy.check(actor.roles, action);
    if (d.allowed) return;
    await this.deps.audit.record({
      ...this.#base(actor, p),
      event_type: "authorization",
      action: verb,
      outcome: "denied",
      resource: action,
      details: {
        action,
        reason: d.reason,
        role: d.role,
        matched: d.matched,
        ...(p ? { proposal_id: p.id, kind: p.kind } : {}),
      },
    });
    throw accessDenied(action, d);
  }

  /** A pending proposal past its expiry reads as expired, whether or not the sweep has marked it. */
  #effective(p: Proposal): Proposal {
    return p.status === "pending" && this.deps.clock.now() >= p.expiresAt ? { ...p, status: "expired" } : p;
  }

  async #expire(p: Proposal): Promise<void> {
    const ids = await this.deps.store.expireProposals(this.deps.clock.now(), p.id);
    if (ids.length > 0) await this.#recordExpiry(p.id, p.kind);
  }

  async #expireDue(): Promise<void> {
    const ids = await this.deps.store.expireProposals(this.deps.clock.now());
    for (const id of ids) await this.#recordExpiry(id, null);
  }

  async #recordExpiry(id: string, kind: string | null): Promise<void> {
    await this.deps.audit.record({
      event_type: "authorization",
      action: "approval.expired",
      outcome: "failure",
      resource: `proposal:${id}`,
      details: { proposal_id: id, ...(kind ? { kind } : {}) },
    });
  }

  #base(
    actor: ApprovalActor,
    p: Proposal | null,
  ): Omit<AuditEventInput, "event_type" | "action" | "outcome"> {
    return {
      user_id: actor.id,
      ip_address: actor.ip ?? null,
      session_id: actor.sessionId ?? null,
      request_id: actor.requestId ?? null,
      resource: p ? `proposal:${p.id}` : null,
    };
  }

  async #record(
    actor: ApprovalActor,
    action: string,
    outcome: "success" | "failure" | "error",
    p: Proposal,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.deps.audit.record({
      ...this.#base(actor, p),
      event_type: "authorization",
      action,
      outcome,
      details: {
        proposal_id: p.id,
        kind: p.kind,
        change_action: p.action,
        summary: p.summary,
        requested_by: p.requestedBy,
        via: actor.via,
        ...details,
      },
    });
  }
}

export function createApprovalService(deps: ApprovalDeps): ApprovalService {
  return new ApprovalService(deps);
}
