// Four-eyes resume. Lifting a halt or a reduce-only state always needs two people: one proposes,
// a different one approves, and only then is the resume applied. `ResumeApprovals` is the port;
// LocalResumeApprovals keeps requests in Rampart's database until the approvals module (access)
// provides its registry, where the kind `trading.resume` is applied by `tradingResumeApprover`.
import type { Clock } from "../kernel/index.js";
import { approvalNotFound, approvalNotUsable, invalidScope, selfApproval } from "./errors.js";
import type { TradingStore } from "./ports.js";
import { checkReason, normaliseScope } from "./scope.js";
import type { ResumeRequest, TradingActor, TradingScope } from "./types.js";

export const RESUME_APPROVAL_KIND = "trading.resume";
/** The permission that approves a resume (the proposer needs `trading:resume`). */
export const APPROVE_RESUME_ACTION = "trading:approve_resume";

export interface ResumeApprovals {
  propose(p: {
    scope: TradingScope;
    reason: string;
    actor: TradingActor;
    drill: boolean;
  }): Promise<ResumeRequest>;
  /** Four-eyes: refuses the proposer, an expired or already used request. */
  approve(id: string, approver: TradingActor): Promise<ResumeRequest>;
  /** Marks an approved request applied; false if it already was (single use). */
  markApplied(id: string): Promise<boolean>;
  get(id: string): Promise<ResumeRequest | undefined>;
  listOpen(): Promise<ResumeRequest[]>;
}

export class LocalResumeApprovals implements ResumeApprovals {
  constructor(
    private readonly deps: { store: TradingStore; clock: Clock; ttlMs: number; newId: () => string },
  ) {}

  async propose(p: {
    scope: TradingScope;
    reason: string;
    actor: TradingActor;
    drill: boolean;
  }): Promise<ResumeRequest> {
    const now = this.deps.clock.now();
    const r: ResumeRequest = {
      id: this.deps.newId(),
      scope: p.scope,
      reason: p.reason,
      proposedBy: p.actor.id,
      proposedAt: now,
      expiresAt: now + this.deps.ttlMs,
      drill: p.drill,
      status: "pending",
      approvedBy: null,
      approvedAt: null,
      appliedAt: null,
    };
    await this.deps.store.insertResumeRequest(r);
    return r;
  }

  async approve(id: string, approver: TradingActor): Promise<ResumeRequest> {
    const r = await this.deps.store.getResumeRequest(id);
    if (!r) throw approvalNotFound();
    if (r.proposedBy === approver.id) throw selfApproval();
    if (r.status !== "pending") throw approvalNotUsable(r.status);
    // The UPDATE itself decides, on status and expiry: what was read above may be stale by now.
    const now = this.deps.clock.now();
    const approved = await this.deps.store.transitionResumeRequest(
      id,
      "pending",
      "approved",
      { approvedBy: approver.id, approvedAt: now },
      { notExpiredAt: now },
    );
    if (approved) return { ...r, status: "approved", approvedBy: approver.id, approvedAt: now };
    const cur = await this.deps.store.getResumeRequest(id);
    // Still pending, so it had expired by `now`: record that, as a read past expiry always did.
    if (cur?.status === "pending" || cur?.status === "expired") {
      if (cur.status === "pending")
        await this.deps.store.transitionResumeRequest(id, "pending", "expired", {});
      throw approvalNotUsable("expired");
    }
    throw approvalNotUsable("no longer pending");
  }

  markApplied(id: string): Promise<boolean> {
    return this.deps.store.transitionResumeRequest(id, "approved", "applied", {
      appliedAt: this.deps.clock.now(),
    });
  }

  get(id: string): Promise<ResumeRequest | undefined> {
    return this.deps.store.getResumeRequest(id);
  }

  listOpen(): Promise<ResumeRequest[]> {
    return this.deps.store.listResumeRequests(["pending", "approved"]);
  }
}

/** Structurally the access module's `Approver<P>`, kept here so trading does not depend on its internals. */
export interface ResumeApprover {
  readonly action: string;
  parse(payload: unknown): { scope: TradingScope; reason: string };
  describe(payload: { scope: TradingScope; reason: string }): string;
  apply(
    payload: { scope: TradingScope; reason: string },
    ctx: {
      proposal: { id: string; requestedBy: string; reason: string | null };
      approver: {
        id: string;
        name: string;
        via: string;
        ip?: string | null | undefined;
        requestId?: string | null | undefined;
        sessionId?: string | null | undefined;
      };
    },
  ): Promise<unknown>;
}

/**
 * The applier for the approvals registry: `approvals.registerApprover("trading.resume",
 * tradingResumeApprover(service))`. Proposer and approver both need `trading:resume` (and the
 * approver `approvals:approve`); the approvals module refuses self-approval and applies once.
 */
export function tradingResumeApprover(service: {
  applyExternalResume(p: {
    scope: string;
    reason: string;
    approvalId: string;
    proposedBy: string;
    approver: TradingActor;
  }): Promise<unknown>;
}): ResumeApprover {
  return {
    action: "trading:resume",
    parse(raw) {
      const o = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
      const extra = Object.keys(o).filter((k) => k !== "scope" && k !== "reason");
      if (extra.length > 0) throw invalidScope(`unknown field ${extra[0]}`);
      return {
        scope: normaliseScope(typeof o["scope"] === "string" ? o["scope"] : undefined),
        reason: checkReason(typeof o["reason"] === "string" ? o["reason"] : ""),
      };
    },
    describe: (p) => `resume trading for ${p.scope}`,
    apply: (p, ctx) =>
      service.applyExternalResume({
        scope: p.scope,
        reason: p.reason,
        approvalId: ctx.proposal.id,
        proposedBy: ctx.proposal.requestedBy,
        approver: {
          id: ctx.approver.id,
          name: ctx.approver.name,
          ip: ctx.approver.ip ?? null,
          requestId: ctx.approver.requestId ?? null,
          sessionId: ctx.approver.sessionId ?? null,
          via: "approval",
        },
      }),
  };
}
