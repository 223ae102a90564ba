// Four-eyes approvals: the vocabulary. A proposal states one exact change (a kind and its JSON
// payload); an approver — plugged in per kind by the module that owns the change — names the
// action the change needs and applies it. The storage port is implemented in
// src/store/repos/access.ts; its decide step is one conditional UPDATE, so of any number of racing
// approvals exactly one wins and the change is applied once.

/**
 * pending → approved (claimed, then applied: `appliedAt` set) | rejected | expired;
 * approved → failed when the applier threw (the change was not made; propose again).
 */
export type ProposalStatus = "pending" | "approved" | "rejected" | "expired" | "failed";

export interface Proposal {
  readonly id: string;
  /** e.g. `user.set_roles`, `role.define`, `trading.resume`, `secret.read`. */
  readonly kind: string;
  /** The exact change, as the applier parsed it. */
  readonly payload: unknown;
  /** The action the change itself needs (both requester and approver must be allowed it). */
  readonly action: string;
  /** One line for people: "set roles of bob to trader". */
  readonly summary: string;
  readonly requestedBy: string;
  readonly requestedByName: string;
  readonly reason: string | null;
  readonly status: ProposalStatus;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly decidedBy: string | null;
  readonly decidedByName: string | null;
  readonly decidedAt: number | null;
  readonly decisionNote: string | null;
  readonly appliedAt: number | null;
  /** What the applier returned (JSON), for the record. */
  readonly result: unknown;
  /** Why applying failed (an error code and public message), when status is "failed". */
  readonly failure: string | null;
}

/** Who proposes or decides: a user (session, token, or a named user at the local CLI). */
export interface ApprovalActor {
  readonly id: string;
  readonly name: string;
  readonly roles: readonly string[];
  /** "session", "token", "certificate", "cli". */
  readonly via: string;
  readonly ip?: string | null | undefined;
  readonly requestId?: string | null | undefined;
  readonly sessionId?: string | null | undefined;
}

export interface ApplyContext {
  readonly proposal: Proposal;
  readonly approver: ApprovalActor;
}

/**
 * What a module registers for a kind of change (`registerApprover(kind, approver)`): the action
 * the change needs, how to check a payload, and how to apply it. `apply` runs at most once per
 * proposal, after the decision is recorded.
 */
export interface Approver<P = unknown> {
  /** A fixed action (`users:set_roles`) or one derived from the payload (`secrets:read:<path>`). */
  readonly action: string | ((payload: P) => string);
  /** Validates and normalises a payload; throw (e.g. `proposalInvalid`) to refuse. Default: as given. */
  parse?(payload: unknown): P;
  /** A one-line summary for listings and events. */
  describe?(payload: P): string;
  apply(payload: P, ctx: ApplyContext): Promise<unknown>;
}

export interface ProposalDecision {
  readonly status: "approved" | "rejected";
  readonly by: string;
  readonly byName: string;
  readonly at: number;
  readonly note: string | null;
}

export interface ApprovalStore {
  insertProposal(p: Proposal): Promise<void>;
  /** Undoes an insert whose audit event could not be written (fail-closed). */
  deleteProposal(id: string): Promise<void>;
  findProposal(id: string): Promise<Proposal | null>;
  /** Newest first. */
  listProposals(filter: { status?: ProposalStatus | undefined; limit: number }): Promise<Proposal[]>;
  /**
   * Atomic: pending → the decision's status, only while pending and `expires_at > at`. True for
   * exactly one of any number of racing callers.
   */
  decideProposal(id: string, d: ProposalDecision): Promise<boolean>;
  /** Back to pending (the decision's audit event could not be written); only if still unapplied. */
  revertDecision(id: string, by: string): Promise<void>;
  /** Records the outcome of applying an approved proposal. */
  finishProposal(
    id: string,
    outcome: { status: "approved" | "failed"; at: number; result: unknown; failure: string | null },
  ): Promise<void>;
  /**
   * Atomic single use of an applied approval (a one-time secret read): sets `consumed_at` only while
   * the proposal is approved, applied, unexpired at `at` and not yet consumed. True for exactly one
   * of any number of racing callers, on any instance, across restarts.
   */
  consumeProposal(id: string, at: number): Promise<boolean>;
  /** Marks pending proposals past their expiry as expired (one, or all when `id` is absent); returns their ids. */
  expireProposals(now: number, id?: string): Promise<string[]>;
}

/** A proposal as the API shows it: times in ISO 8601. */
export function proposalView(p: Proposal): Record<string, unknown> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: p.id,
    kind: p.kind,
    payload: p.payload,
    action: p.action,
    summary: p.summary,
    status: p.status,
    requestedBy: p.requestedByName,
    reason: p.reason,
    createdAt: iso(p.createdAt),
    expiresAt: iso(p.expiresAt),
    decidedBy: p.decidedByName,
    decidedAt: iso(p.decidedAt),
    decisionNote: p.decisionNote,
    appliedAt: iso(p.appliedAt),
    result: p.result,
    failure: p.failure,
  };
}
