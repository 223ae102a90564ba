// The control-adapter interface: how Rampart's trading state reaches the systems that trade. Each
// adapter carries out verbs from the allow-list and then reads the controlled system back, so an
// action is marked `confirmed` only when the system itself shows it done.
import type { TradingScope, TradingVerb } from "../types.js";

export interface VerbResult {
  readonly ok: boolean;
  readonly before: unknown;
  readonly after: unknown;
  readonly error?: string;
}

export interface Confirmation {
  readonly confirmed: boolean;
  /** The state read back (for the ledger and the action record). */
  readonly state: unknown;
  readonly detail?: string;
}

export interface VerbContext {
  readonly actionId: string;
  readonly reason: string;
}

export interface TradingAdapter {
  /** "pysystemtrade", "webhook", "command", "ibc". */
  readonly name: string;
  supports(verb: TradingVerb): boolean;
  execute(verb: TradingVerb, scope: TradingScope, ctx: VerbContext): Promise<VerbResult>;
  /** Reads the state back after `execute` and says whether it shows the verb done. */
  confirm(verb: TradingVerb, scope: TradingScope, result: VerbResult): Promise<Confirmation>;
  close(): Promise<void>;
}

/** The Rampart state each verb should leave behind, for adapters that report states by scope. */
export const EXPECTED_STATE: Partial<Record<TradingVerb, "ACTIVE" | "REDUCING" | "HALTED">> = {
  halt_all: "HALTED",
  halt_strategy: "HALTED",
  freeze_instrument: "HALTED",
  reduce_only: "REDUCING",
  close: "REDUCING",
  resume: "ACTIVE",
};

/** Generic confirmation: the status reply carries `state: {SCOPE: STATE}`. */
export function confirmByReportedState(
  verb: TradingVerb,
  scope: TradingScope,
  status: VerbResult,
): Confirmation {
  const expected = EXPECTED_STATE[verb];
  const reported = (status.after as { state?: Record<string, unknown> } | null)?.state;
  if (verb === "status") return { confirmed: status.ok, state: status.after };
  if (!status.ok) return { confirmed: false, state: status.after, detail: status.error ?? "status failed" };
  const got = reported?.[scope];
  return got === expected
    ? { confirmed: true, state: status.after }
    : {
        confirmed: false,
        state: status.after,
        detail: `status shows ${String(got)} for ${scope}, expected ${expected}`,
      };
}
