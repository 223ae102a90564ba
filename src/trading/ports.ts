// The storage port of the trading module. src/store/repos/trading.ts implements it over Kysely.
import type {
  ActionStatus,
  ResumeRequest,
  ResumeStatus,
  ScopeState,
  TradingAction,
  TradingScope,
  TradingState,
} from "./types.js";

export interface TradingStore {
  /** Every recorded scope. */
  loadStates(): Promise<ScopeState[]>;
  getState(scope: TradingScope): Promise<ScopeState | undefined>;
  /**
   * Writes `state` for `scope` if the stored version is still `expectedVersion` (0: no row yet);
   * returns the new row, or undefined when another writer got there first.
   */
  compareAndSetState(
    scope: TradingScope,
    expectedVersion: number,
    next: { state: TradingState; reason: string; changedBy: string; changedAt: number },
  ): Promise<ScopeState | undefined>;

  insertAction(a: TradingAction): Promise<void>;
  completeAction(
    id: string,
    patch: {
      status: ActionStatus;
      completedAt: number;
      before: unknown;
      after: unknown;
      error: string | null;
      elapsedMs: number;
    },
  ): Promise<void>;
  listActions(limit: number): Promise<TradingAction[]>;

  insertResumeRequest(r: ResumeRequest): Promise<void>;
  getResumeRequest(id: string): Promise<ResumeRequest | undefined>;
  listResumeRequests(statuses: readonly ResumeStatus[]): Promise<ResumeRequest[]>;
  /**
   * Moves `id` from `from` to `to` with the given fields, in one conditional UPDATE; false when it
   * was not in `from` (lost a race) or, with `notExpiredAt`, when it had expired by then
   * (`expires_at < notExpiredAt`; a request is usable up to and including its expiry instant).
   */
  transitionResumeRequest(
    id: string,
    from: ResumeStatus,
    to: ResumeStatus,
    fields: { approvedBy?: string; approvedAt?: number; appliedAt?: number },
    condition?: { notExpiredAt?: number },
  ): Promise<boolean>;
}
