// The trading-state model: Rampart's own authoritative state per scope (global, strategy:NAME,
// instrument:CODE), each ACTIVE | REDUCING | HALTED — the states NautilusTrader's risk engine uses.
// A request is governed by the most restrictive state among the scopes that apply to it.

export const TRADING_STATES = ["ACTIVE", "REDUCING", "HALTED"] as const;
export type TradingState = (typeof TRADING_STATES)[number];

/** `global`, `strategy:NAME` or `instrument:CODE`. */
export type TradingScope = string;

export interface ScopeState {
  readonly scope: TradingScope;
  readonly state: TradingState;
  readonly reason: string;
  /** Who made the last change (user id, `local:<os user>`, or `system:<component>`). */
  readonly changedBy: string;
  readonly changedAt: number;
  /** Increases by one with every change of this scope; orders messages between instances. */
  readonly version: number;
}

/** Who is acting, for the ledger. */
export interface TradingActor {
  readonly id: string;
  readonly name?: string;
  readonly ip?: string | null;
  readonly sessionId?: string | null;
  readonly requestId?: string | null;
  readonly via: "api" | "cli" | "system" | "approval";
}

/** The verbs an adapter can carry out (the actuator's allow-list). */
export const TRADING_VERBS = [
  "status",
  "halt_all",
  "halt_strategy",
  "reduce_only",
  "close",
  "freeze_instrument",
  "resume",
  "broker_stop",
] as const;
export type TradingVerb = (typeof TRADING_VERBS)[number];

export type ActionStatus = "pending" | "confirmed" | "failed";

/** One verb sent to one adapter, and what came of it. */
export interface TradingAction {
  readonly id: string;
  readonly verb: TradingVerb;
  readonly scope: TradingScope;
  readonly adapter: string;
  readonly status: ActionStatus;
  readonly requestedBy: string;
  readonly reason: string;
  readonly createdAt: number;
  readonly completedAt: number | null;
  readonly before: unknown;
  readonly after: unknown;
  /** Why it failed (never a secret). */
  readonly error: string | null;
  readonly elapsedMs: number | null;
}

export type ResumeStatus = "pending" | "approved" | "applied" | "expired";

/** A four-eyes resume request: proposed by one person, approved by another, then applied. */
export interface ResumeRequest {
  readonly id: string;
  readonly scope: TradingScope;
  readonly reason: string;
  readonly proposedBy: string;
  readonly proposedAt: number;
  readonly expiresAt: number;
  /** A drill approval: approved ahead of time, applied by `rampart trading drill`. */
  readonly drill: boolean;
  readonly status: ResumeStatus;
  readonly approvedBy: string | null;
  readonly approvedAt: number | null;
  readonly appliedAt: number | null;
}
