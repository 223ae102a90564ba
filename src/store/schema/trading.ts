// Table types of src/trading (migration 0007_trading). JSON columns are text, serialised by
// repos/trading.ts.
import type { Flag, Millis } from "../schema.js";

export interface TradingStateTable {
  scope: string;
  state: string;
  reason: string;
  changed_by: string;
  changed_at: Millis;
  version: number;
}

export interface TradingActionTable {
  id: string;
  verb: string;
  scope: string;
  adapter: string;
  status: string;
  requested_by: string;
  reason: string;
  created_at: Millis;
  completed_at: Millis | null;
  before_state: string | null;
  after_state: string | null;
  error: string | null;
  elapsed_ms: number | null;
}

export interface TradingResumeRequestTable {
  id: string;
  scope: string;
  reason: string;
  proposed_by: string;
  proposed_at: Millis;
  expires_at: Millis;
  drill: Flag;
  status: string;
  approved_by: string | null;
  approved_at: Millis | null;
  applied_at: Millis | null;
}

export interface TradingTables {
  trading_state: TradingStateTable;
  trading_actions: TradingActionTable;
  trading_resume_requests: TradingResumeRequestTable;
}
