// Scopes and the "most restrictive applies" rule. A scope name is part of ledger events, channel
// messages and actuator requests, so it is allow-listed rather than escaped.
import { invalidScope, reasonRequired } from "./errors.js";
import type { ScopeState, TradingScope, TradingState } from "./types.js";

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export interface ParsedScope {
  readonly kind: "global" | "strategy" | "instrument";
  /** Empty for global. */
  readonly name: string;
}

export function parseScope(scope: string): ParsedScope {
  if (scope === "global") return { kind: "global", name: "" };
  const i = scope.indexOf(":");
  const kind = scope.slice(0, i);
  const name = scope.slice(i + 1);
  if (i > 0 && (kind === "strategy" || kind === "instrument") && NAME.test(name)) return { kind, name };
  throw invalidScope(scope);
}

/** Validates and returns the canonical scope text (default `global`). */
export function normaliseScope(scope: string | undefined | null): TradingScope {
  const s = (scope ?? "global").trim();
  parseScope(s);
  return s;
}

export function checkReason(reason: string | undefined | null): string {
  const r = (reason ?? "").trim();
  if (r.length === 0 || r.length > 500) throw reasonRequired();
  return r;
}

const SEVERITY: Record<TradingState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

export function moreRestrictive(a: TradingState, b: TradingState): TradingState {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

/** Effective state over `scopes`: the most restrictive recorded state; ACTIVE when none is recorded. */
export function effectiveState(
  states: ReadonlyMap<TradingScope, ScopeState>,
  scopes: readonly TradingScope[],
): { state: TradingState; scope: TradingScope } {
  let best: { state: TradingState; scope: TradingScope } = { state: "ACTIVE", scope: "global" };
  for (const s of scopes) {
    const rec = states.get(s);
    if (rec && SEVERITY[rec.state] > SEVERITY[best.state]) best = { state: rec.state, scope: s };
  }
  return best;
}

/** True when moving from `before` to `after` loosens control (needs the four-eyes path). */
export function loosens(before: TradingState, after: TradingState): boolean {
  return SEVERITY[after] < SEVERITY[before];
}
