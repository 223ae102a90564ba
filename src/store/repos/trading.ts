// The trading module's TradingStore port over Kysely (SQLite and PostgreSQL alike). State changes
// are compare-and-set on a per-scope version, so two instances changing one scope at once cannot
// both win; resume requests move between statuses with a conditional UPDATE (single use; an
// approval also only while unexpired).
import type { Kysely, Selectable } from "kysely";
import type {
  ActionStatus,
  ResumeRequest,
  ResumeStatus,
  ScopeState,
  TradingAction,
  TradingScope,
  TradingState,
  TradingStore,
  TradingVerb,
} from "../../trading/index.js";
import { isUniqueViolation } from "../errors.js";
import type { Store } from "../open.js";
import type { TradingActionTable, TradingResumeRequestTable, TradingStateTable } from "../schema/trading.js";
import type { Database } from "../schema.js";

const changed = (r: { numUpdatedRows?: bigint } | undefined): number => Number(r?.numUpdatedRows ?? 0n);
const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
const parse = (t: string | null): unknown => (t === null ? null : (JSON.parse(t) as unknown));
const num = (v: number | null): number | null => (v === null ? null : Number(v));

function toState(r: Selectable<TradingStateTable>): ScopeState {
  return {
    scope: r.scope,
    state: r.state as TradingState,
    reason: r.reason,
    changedBy: r.changed_by,
    changedAt: Number(r.changed_at),
    version: Number(r.version),
  };
}

function toAction(r: Selectable<TradingActionTable>): TradingAction {
  return {
    id: r.id,
    verb: r.verb as TradingVerb,
    scope: r.scope,
    adapter: r.adapter,
    status: r.status as ActionStatus,
    requestedBy: r.requested_by,
    reason: r.reason,
    createdAt: Number(r.created_at),
    completedAt: num(r.completed_at),
    before: parse(r.before_state),
    after: parse(r.after_state),
    error: r.error,
    elapsedMs: num(r.elapsed_ms),
  };
}

function toResume(r: Selectable<TradingResumeRequestTable>): ResumeRequest {
  return {
    id: r.id,
    scope: r.scope,
    reason: r.reason,
    proposedBy: r.proposed_by,
    proposedAt: Number(r.proposed_at),
    expiresAt: Number(r.expires_at),
    drill: r.drill === 1,
    status: r.status as ResumeStatus,
    approvedBy: r.approved_by,
    approvedAt: num(r.approved_at),
    appliedAt: num(r.applied_at),
  };
}

export class TradingRepository implements TradingStore {
  private readonly db: Kysely<Database>;
  constructor(store: Store) {
    this.db = store.db;
  }

  async loadStates(): Promise<ScopeState[]> {
    const rows = await this.db.selectFrom("trading_state").selectAll().orderBy("scope").execute();
    return rows.map(toState);
  }

  async getState(scope: TradingScope): Promise<ScopeState | undefined> {
    const r = await this.db
      .selectFrom("trading_state")
      .selectAll()
      .where("scope", "=", scope)
      .executeTakeFirst();
    return r ? toState(r) : undefined;
  }

  async compareAndSetState(
    scope: TradingScope,
    expectedVersion: number,
    next: { state: TradingState; reason: string; changedBy: string; changedAt: number },
  ): Promise<ScopeState | undefined> {
    const row = {
      state: next.state,
      reason: next.reason,
      changed_by: next.changedBy,
      changed_at: next.changedAt,
      version: expectedVersion + 1,
    };
    if (expectedVersion === 0) {
      try {
        await this.db
          .insertInto("trading_state")
          .values({ scope, ...row })
          .execute();
      } catch (e) {
        if (isUniqueViolation(e)) return undefined;
        throw e;
      }
    } else {
      const r = await this.db
        .updateTable("trading_state")
        .set(row)
        .where("scope", "=", scope)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      if (changed(r) !== 1) return undefined;
    }
    return {
      scope,
      state: next.state,
      reason: next.reason,
      changedBy: next.changedBy,
      changedAt: next.changedAt,
      version: expectedVersion + 1,
    };
  }

  async insertAction(a: TradingAction): Promise<void> {
    await this.db
      .insertInto("trading_actions")
      .values({
        id: a.id,
        verb: a.verb,
        scope: a.scope,
        adapter: a.adapter,
        status: a.status,
        requested_by: a.requestedBy,
        reason: a.reason,
        created_at: a.createdAt,
        completed_at: a.completedAt,
        before_state: json(a.before),
        after_state: json(a.after),
        error: a.error,
        elapsed_ms: a.elapsedMs,
      })
      .execute();
  }

  async completeAction(
    id: string,
    p: {
      status: ActionStatus;
      completedAt: number;
      before: unknown;
      after: unknown;
      error: string | null;
      elapsedMs: number;
    },
  ): Promise<void> {
    await this.db
      .updateTable("trading_actions")
      .set({
        status: p.status,
        completed_at: p.completedAt,
        before_state: json(p.before),
        after_state: json(p.after),
        error: p.error,
        elapsed_ms: Math.round(p.elapsedMs),
      })
      .where("id", "=", id)
      .execute();
  }

  async listActions(limit: number): Promise<TradingAction[]> {
    const rows = await this.db
      .selectFrom("trading_actions")
      .selectAll()
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map(toAction);
  }

  async insertResumeRequest(r: ResumeRequest): Promise<void> {
    await this.db
      .insertInto("trading_resume_requests")
      .values({
        id: r.id,
        scope: r.scope,
        reason: r.reason,
        proposed_by: r.proposedBy,
        proposed_at: r.proposedAt,
        expires_at: r.expiresAt,
        drill: r.drill,
        status: r.status,
        approved_by: r.approvedBy,
        approved_at: r.approvedAt,
        applied_at: r.appliedAt,
      })
      .execute();
  }

  async getResumeRequest(id: string): Promise<ResumeRequest | undefined> {
    const r = await this.db
      .selectFrom("trading_resume_requests")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return r ? toResume(r) : undefined;
  }

  async listResumeRequests(statuses: readonly ResumeStatus[]): Promise<ResumeRequest[]> {
    if (statuses.length === 0) return [];
    const rows = await this.db
      .selectFrom("trading_resume_requests")
      .selectAll()
      .where("status", "in", [...statuses])
      .orderBy("proposed_at", "desc")
      .execute();
    return rows.map(toResume);
  }

  async transitionResumeRequest(
    id: string,
    from: ResumeStatus,
    to: ResumeStatus,
    fields: { approvedBy?: string; approvedAt?: number; appliedAt?: number },
    condition: { notExpiredAt?: number } = {},
  ): Promise<boolean> {
    let q = this.db
      .updateTable("trading_resume_requests")
      .set({
        status: to,
        ...(fields.approvedBy !== undefined ? { approved_by: fields.approvedBy } : {}),
        ...(fields.approvedAt !== undefined ? { approved_at: fields.approvedAt } : {}),
        ...(fields.appliedAt !== undefined ? { applied_at: fields.appliedAt } : {}),
      })
      .where("id", "=", id)
      .where("status", "=", from);
    if (condition.notExpiredAt !== undefined) q = q.where("expires_at", ">=", condition.notExpiredAt);
    const r = await q.executeTakeFirst();
    return changed(r) === 1;
  }
}
